// DatabaseLock: one process at a time reads sources into a database (the daemon, or one
// `rapport run`). An advisory flock on DB.lock, with the holder's pid and role in it.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace rapport::app {

class DatabaseLock {
 public:
  // Takes the lock of the database at `db_path` (creating its folder and DB.lock) for `role`
  // ("daemon", "run"). Fails with kUsage naming the role and pid of the process that holds it,
  // or kIo when the file cannot be opened.
  static Result<std::unique_ptr<DatabaseLock>> acquire(const std::string& db_path,
                                                       const std::string& role);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace rapport::app
