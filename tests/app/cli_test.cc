#include "app/cli.h"

#include <gtest/gtest.h>

namespace rapport::app {
namespace {

Result<Invocation> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "rapport");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(Cli, ParsesCommandOptionsAndFlags) {
  auto inv = parse({"run", "--config", "/etc/rapport.toml", "--json", "-q"});
  ASSERT_TRUE(inv.ok()) << inv.error().to_string();
  EXPECT_EQ(inv->command, "run");
  EXPECT_EQ(inv->get("--config"), "/etc/rapport.toml");
  EXPECT_TRUE(inv->has("--json"));
  EXPECT_TRUE(inv->has("--quiet"));
  auto eq = parse({"check", "--config=/x.toml"});
  EXPECT_EQ(eq->get("--config"), "/x.toml");
}

TEST(Cli, SuggestsTheNearestCommandAndOption) {
  auto cmd = parse({"rnu"});
  ASSERT_FALSE(cmd.ok());
  EXPECT_EQ(cmd.error().code, ErrorCode::kUsage);
  EXPECT_EQ(cmd.error().hint, "did you mean `rapport run`?");
  auto opt = parse({"run", "--jsno"});
  ASSERT_FALSE(opt.ok());
  EXPECT_EQ(opt.error().hint, "did you mean --json?");
  auto missing = parse({"run", "--config"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().what.find("needs a value"), std::string::npos);
  auto stray = parse({"status", "extra"});
  ASSERT_FALSE(stray.ok());
}

TEST(Cli, HelpNamesEveryCommandAndOption) {
  std::string general = general_help();
  for (const auto& c : commands()) {
    EXPECT_NE(general.find(std::string("  ") + c.name), std::string::npos) << c.name;
    std::string help = command_help(c);
    for (const auto& o : c.options)
      EXPECT_NE(help.find(o.name), std::string::npos) << c.name << " " << o.name;
  }
  auto h = parse({"help", "check"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->help);
  EXPECT_EQ(h->command, "check");
}

}  // namespace
}  // namespace rapport::app
