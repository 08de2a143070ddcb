// rapport store copy: everything the config's database holds, copied into a new PostgreSQL
// database (a show that grows into a network) or a new SQLite file (and back).
#include <cstdlib>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/database_lock.h"
#include "app/from_config.h"
#include "core/text.h"
#include "store/copy.h"

namespace rapport::app {

int store_command(const Invocation& inv) {
  const auto& a = inv.arguments;
  if (a.size() != 1 || a[0] != "copy" || inv.get("--to").empty()) {
    std::cerr << "rapport: usage: rapport store copy --to postgresql://USER@HOST/DATABASE | "
                 "--to sqlite:PATH [--config FILE] [--password-env VARIABLE] "
                 "[--show SLUG [--share-contacts]]\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  const std::string to = inv.get("--to");
  const bool to_postgres = to.starts_with("postgresql://") || to.starts_with("postgres://");
  if (!to_postgres && !to.starts_with("sqlite:")) {
    print_error(make_error(ErrorCode::kUsage,
                           "--to \"" + printable(to, 200) + "\" is not a database", "",
                           "give postgresql://USER@HOST:PORT/DATABASE or sqlite:PATH"));
    return kUsage;
  }
  if (to_postgres && postgres::redacted(to) != to) {
    print_error(make_error(ErrorCode::kUsage,
                           "--to holds a password, which would be seen by "
                           "every user of this machine",
                           postgres::redacted(to),
                           "take it out and give --password-env VARIABLE (or PGPASSWORD)"));
    return kUsage;
  }
  // The show to copy into: --show, else the config's (a database's shows are kept apart).
  config::StoreConfig target_store;
  target_store.url = to_postgres ? to : "";
  target_store.show = inv.has("--show") ? inv.get("--show") : cfg->store.show;
  target_store.share_contacts =
      inv.has("--show") ? inv.has("--share-contacts") : cfg->store.share_contacts;
  if (!to_postgres && (inv.has("--show") || inv.has("--share-contacts"))) {
    print_error(make_error(ErrorCode::kUsage, "--show and --share-contacts are for PostgreSQL",
                           "", "an SQLite file holds one show"));
    return kUsage;
  }
  if (inv.has("--show") && !config::valid_show_slug(target_store.show)) {
    print_error(make_error(ErrorCode::kUsage,
                           "--show \"" + printable(target_store.show, 60) + "\" is not a show's slug",
                           "", "lowercase letters, digits and dashes, starting with a letter"));
    return kUsage;
  }
  if (inv.has("--share-contacts") && !inv.has("--show")) {
    print_error(make_error(ErrorCode::kUsage, "--share-contacts needs --show", "",
                           "name the show that shares the network's people"));
    return kUsage;
  }
  const std::string target_where = to_postgres ? to : to.substr(7);
  if (target_where == cfg->store.where() &&
      (!to_postgres || target_store.show == cfg->store.show)) {
    print_error(make_error(ErrorCode::kUsage, "--to names the database the config uses",
                           target_where, "copy into a new, empty database"));
    return kUsage;
  }
  // Nothing writes to the database while it is copied.
  auto lock = DatabaseLock::acquire(cfg->store, "copy");
  if (!lock) {
    print_error(lock.error());
    return kFailure;
  }
  auto from = open_store(cfg->store);
  if (!from) {
    print_error(from.error());
    return exit_status(from.error());
  }
  Result<std::unique_ptr<SqlStore>> target = make_error(ErrorCode::kInternal, "not opened");
  if (to_postgres) {
    postgres::ConnectOptions options;
    options.url = to;
    if (std::string var = inv.get("--password-env"); !var.empty()) {
      const char* value = std::getenv(var.c_str());
      if (!value || !*value) {
        print_error(make_error(ErrorCode::kUsage, "environment variable " + var + " is not set", "",
                               "export it with the password of " + postgres::redacted(to)));
        return kUsage;
      }
      options.password = value;
    }
    target = SqlStore::open_postgres(
        options, postgres::layout_for(target_store.show, target_store.share_contacts));
  } else {
    target = SqlStore::open(target_where);
  }
  if (!target) {
    print_error(target.error());
    return exit_status(target.error());
  }
  auto report = copy_store((*from)->database(), (*target)->database());
  if (!report) {
    print_error(report.error());
    return exit_status(report.error());
  }
  auto show_of = [](const config::StoreConfig& s) {
    return s.show.empty() ? std::string() : " (show " + s.show + ")";
  };
  std::cout << "copied " << cfg->store.where() << show_of(cfg->store) << "\n  into "
            << target_where << show_of(target_store) << "\n";
  for (const auto& t : report->tables) {
    std::cout << "  " << t.name << ": " << grouped(t.rows) << "\n";
  }
  std::cout << "verified: every table's rows counted again, and the natural keys of messages, "
               "people, episodes, sources and digests read back alike (SHA-256 "
            << report->checksum.substr(0, 16) << "…)\n";
  if (to_postgres) {
    std::cout << "To use it, in [store] of " << cfg->path << ": url = \"" << to << "\""
              << (target_store.show.empty() ? "" : ", show = \"" + target_store.show + "\"")
              << (target_store.share_contacts ? ", share_contacts = true" : "")
              << " with password_env or password_file, and no path.\n";
  } else {
    std::cout << "To use it, in [store] of " << cfg->path << ": path = \"" << target_where
              << "\", and no url.\n";
  }
  return kOk;
}

}  // namespace rapport::app
