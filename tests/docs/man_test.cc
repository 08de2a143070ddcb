// The man pages say what the program does: every command of `rapport help` is in rapport(1),
// every key the config loader knows is in rapport.toml(5). A key or a command added without its
// line in the manual fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/cli.h"
#include "config/keys.h"
#include "tests/support/temp_dir.h"

namespace rapport {
namespace {

std::string man_page(const char* name) {
  return testing::read_file(std::filesystem::path(RAPPORT_SOURCE_DIR) / "man" / name);
}

// Whether the page names `word` in bold, as a key or a command is set: ".B word" or ".BR word".
bool names(const std::string& page, const std::string& word) {
  for (const char* macro : {"\n.B ", "\n.BR "}) {
    for (size_t at = page.find(macro + word); at != std::string::npos;
         at = page.find(macro + word, at + 1)) {
      size_t end = at + std::string(macro).size() + word.size();
      if (end >= page.size() || page[end] == ' ' || page[end] == '\n') return true;
    }
  }
  return false;
}

TEST(ManPages, EveryCommandIsInRapport1) {
  std::string page = man_page("rapport.1");
  for (const auto& command : app::commands()) {
    EXPECT_TRUE(names(page, command.name)) << command.name;
  }
}

TEST(ManPages, EveryConfigKeyIsInRapportToml5) {
  std::string page = man_page("rapport.toml.5");
  auto check = [&](const char* section, const auto& keys) {
    for (const auto& k : keys) EXPECT_TRUE(names(page, k.name)) << section << "." << k.name;
  };
  check("creator", config::kCreatorKeys);
  check("store", config::kStoreKeys);
  check("feed", config::kFeedKeys);
  check("mailbox", config::kMailboxKeys);
  check("listener", config::kListenerKeys);
  check("web", config::kWebKeys);
  check("inbox", config::kInboxKeys);
  check("social", config::kSocialKeys);
  check("smtp", config::kSmtpKeys);
  check("contacts", config::kContactsKeys);
  check("daemon", config::kDaemonKeys);
  check("fetch", config::kFetchKeys);
  check("digest", config::kDigestKeys);
  for (const char* section : config::kTopLevel) {
    std::string s(section);
    bool said = page.find(".SS [" + s + "]") != std::string::npos ||
                page.find(".SS [[" + s + "]]") != std::string::npos;
    EXPECT_TRUE(said) << section;
  }
  for (const char* weight : config::kWeightNames) {
    EXPECT_NE(page.find(weight), std::string::npos) << weight;
  }
}

}  // namespace
}  // namespace rapport
