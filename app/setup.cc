// rapport init and rapport check: writing a starter config, and every problem in one.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "core/json_writer.h"
#include "core/clock.h"
#include "core/text.h"

namespace rapport::app {

namespace fs = std::filesystem;

int check_command(const Invocation& inv) {
  std::string path = config_path(inv);
  config::Audit audit = config::audit_file(path);
  const std::vector<Error>& errors = audit.errors;
  if (inv.has("--json")) {
    auto list = [](JsonWriter& j, const std::vector<Error>& v) {
      j.begin_array();
      for (const auto& e : v) {
        j.begin_object().key("where").value(e.where).key("what").value(e.what);
        j.key("hint").value(e.hint).end_object();
      }
      j.end_array();
    };
    JsonWriter j;
    j.begin_object().key("file").value(path).key("valid").value(errors.empty());
    j.key("problems");
    list(j, errors);
    j.key("warnings");
    list(j, audit.warnings);
    j.end_object();
    std::cout << j.str() << "\n";
    return errors.empty() ? kOk : kUsage;
  }
  for (const auto& e : errors) print_error(e);
  // Warnings: what may fail where rapport really runs (a variable a service sets later).
  for (const auto& w : audit.warnings) {
    std::cerr << "rapport: warning: " << printable(w.to_string(), 64 * 1024) << "\n";
  }
  if (errors.empty()) {
    auto cfg = config::load(path);
    std::cout << path << ": ok (" << cfg->feeds.size()
              << (cfg->feeds.size() == 1 ? " feed, " : " feeds, ") << cfg->mailboxes.size()
              << (cfg->mailboxes.size() == 1 ? " mailbox, " : " mailboxes, ")
              << cfg->inboxes.size() << (cfg->inboxes.size() == 1 ? " inbox" : " inboxes");
    if (!cfg->social.empty()) {
      std::cout << ", " << cfg->social.size()
                << (cfg->social.size() == 1 ? " social source" : " social sources");
    }
    std::cout << "; database " << cfg->store.where() << ")";
    if (!audit.warnings.empty()) {
      std::cout << "; " << audit.warnings.size()
                << (audit.warnings.size() == 1 ? " warning" : " warnings");
    }
    std::cout << "\n";
  }
  return errors.empty() ? kOk : kUsage;
}

namespace {

// The name the system knows this user by (the GECOS field), or "".
std::string login_name() {
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_gecos) {
    std::string gecos = pw->pw_gecos;
    return gecos.substr(0, gecos.find(','));
  }
  return {};
}

}  // namespace

int init_command(const Invocation& inv) {
  std::string path = config_path(inv);
  std::error_code ec;
  if (fs::exists(path, ec) && !inv.has("--force")) {
    print_error(make_error(ErrorCode::kUsage, "a config file is already there", path,
                           "pass --force to replace it, or --config to write elsewhere"));
    return kUsage;
  }
  config::Starter values;
  values.name = inv.get("--name", login_name());
  if (trim(values.name).empty()) values.name = "Your Name";
  values.email = inv.get("--email", values.email);
  values.show = inv.get("--show", "");
  values.feed = inv.get("--feed", "");
  values.today = local_date(SystemClock().now());
  values.digests = config::default_data_dir_for(path) + "/digests";
  std::string text = config::starter_config(values);
  const std::string& digests = values.digests;
  // What init writes must pass `rapport check`: refuse before writing rather than after.
  fs::path absolute = fs::absolute(path, ec);
  std::vector<Error> problems = config::check_text(text, absolute.string());
  if (!problems.empty()) {
    for (const auto& e : problems) print_error(e);
    print_error(make_error(ErrorCode::kUsage, "the config was not written", path,
                           "correct --name, --email, --show or --feed"));
    return kUsage;
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      print_error(make_error(ErrorCode::kIo, "cannot write the config file", path,
                             "check that the folder exists and is writable"));
      return kFailure;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    print_error(make_error(ErrorCode::kIo, "cannot write the config file: " + ec.message(), path));
    return kFailure;
  }
  std::string c = path == config::default_config_path() ? "" : " --config " + path;
  std::cout << "wrote " << path << "\n"
            << "It works as it is: `rapport run" << c << "` writes the digest to " << digests
            << ".\nNext: set your name and address, add your feed and the mailbox replies "
               "reach you in, then `rapport check"
            << c << "`.\n";
  return kOk;
}

}  // namespace rapport::app
