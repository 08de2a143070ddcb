// rapport init and rapport check: writing a starter config, and every problem in one.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace rapport::app {

namespace fs = std::filesystem;

int check_command(const Invocation& inv) {
  std::string path = config_path(inv);
  std::vector<Error> errors = config::check(path);
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object()
        .key("file")
        .value(path)
        .key("valid")
        .value(errors.empty())
        .key("problems")
        .begin_array();
    for (const auto& e : errors) {
      j.begin_object()
          .key("where")
          .value(e.where)
          .key("what")
          .value(e.what)
          .key("hint")
          .value(e.hint)
          .end_object();
    }
    j.end_array().end_object();
    std::cout << j.str() << "\n";
  } else if (errors.empty()) {
    auto cfg = config::load(path);
    std::cout << path << ": ok (" << cfg->feeds.size()
              << (cfg->feeds.size() == 1 ? " feed, " : " feeds, ") << cfg->mailboxes.size()
              << (cfg->mailboxes.size() == 1 ? " mailbox" : " mailboxes") << "; database "
              << cfg->store.path << ")\n";
  } else {
    for (const auto& e : errors) print_error(e);
  }
  return errors.empty() ? kOk : kUsage;
}

int init_command(const Invocation& inv) {
  std::string path = config_path(inv);
  std::error_code ec;
  if (fs::exists(path, ec) && !inv.has("--force")) {
    print_error(make_error(ErrorCode::kUsage, "a config file is already there", path,
                           "pass --force to replace it, or --config to write elsewhere"));
    return kUsage;
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << config::starter_config();
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
  std::cout << "wrote " << path << "\nEdit it, then run: rapport check --config " << path << "\n";
  return kOk;
}

}  // namespace rapport::app
