// DatabaseLock: one process at a time reads sources into a database (the daemon, or one
// `rapport run`). For an SQLite file, an advisory flock on DB.lock with the holder's pid and
// role in it; for PostgreSQL, an advisory lock held by a connection of its own, which names
// the holder (role, show, pid, host) to the server — it goes when the process or its machine
// does. On PostgreSQL the lock is the show's ([store] show): daemons of a network's shows run
// side by side on one database, one per show.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "store/db.h"

namespace rapport::app {

class DatabaseLock {
 public:
  // Takes the lock of the database at `db_path` (creating its folder and DB.lock) for `role`
  // ("daemon", "run"). Fails with kUsage naming the role and pid of the process that holds it,
  // or kIo when the file cannot be opened.
  static Result<std::unique_ptr<DatabaseLock>> acquire(const std::string& db_path,
                                                       const std::string& role);
  // The same for the store the config names: the file's lock, or PostgreSQL's.
  static Result<std::unique_ptr<DatabaseLock>> acquire(const config::StoreConfig& store,
                                                       const std::string& role);
  // Whether this process still holds the lock. A PostgreSQL lock goes with its connection: when
  // the server dropped it (a restart), the lock is taken again on a new one — unless another
  // process took it meanwhile, which fails with kUsage naming it. Always true for a file lock.
  Status still_held();
  // Who holds the lock of a PostgreSQL store ("rapport daemon (pid 4242 on studio-2)", and
  // since when), read through `db`; nullopt when no one does, or for an SQLite store.
  static std::optional<std::string> holder(const config::StoreConfig& store, db::Database& db);
  // The processes holding the locks of the other shows of the same PostgreSQL database
  // ("rapport daemon of longletters (pid 77 on studio-3), connected since …"), by name.
  static std::vector<std::string> other_shows(const config::StoreConfig& store, db::Database& db);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  DatabaseLock(db::Database connection, std::string where, std::int64_t key)
      : connection_(std::make_unique<db::Database>(std::move(connection))),
        where_(std::move(where)),
        key_(key) {}
  int fd_ = -1;
  std::unique_ptr<db::Database> connection_;  // holds PostgreSQL's lock while it is open
  std::string where_;
  std::int64_t key_ = 0;  // PostgreSQL's advisory lock: the show's
};

}  // namespace rapport::app
