#include "app/database_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.h"
#include "core/text.h"

namespace rapport::app {

Result<std::unique_ptr<DatabaseLock>> DatabaseLock::acquire(const std::string& db_path,
                                                            const std::string& role) {
  std::string path = db_path + ".lock";
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(db_path).parent_path(), ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCode::kIo,
                      std::string("cannot open the lock file: ") + std::strerror(errno), path);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[64] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    // "PID ROLE": the holder's pid, and whether it is a daemon or a run.
    std::string held =
        n > 0 ? std::string(trim(std::string_view(buf, static_cast<size_t>(n)))) : "";
    size_t space = held.find(' ');
    std::string pid = held.empty() ? "?" : printable(held.substr(0, space), 20);
    std::string holder =
        space == std::string::npos ? "daemon" : printable(held.substr(space + 1), 20);
    if (holder == "run") {
      return make_error(ErrorCode::kUsage,
                        "another `rapport run` (pid " + pid +
                            ") is reading sources into this "
                            "database",
                        db_path, "wait for it to finish, then run again");
    }
    return make_error(ErrorCode::kUsage,
                      "another rapport daemon (pid " + pid + ") is already using this database",
                      db_path,
                      role == "daemon" ? "stop it first, or give this one another [store] path"
                                       : "the daemon reads every source on its own schedule; "
                                         "`rapport status` shows what it did");
  }
  std::string pid = std::to_string(::getpid()) + " " + role + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    log::warn("cannot write the pid to " + path);
  }
  return std::unique_ptr<DatabaseLock>(new DatabaseLock(fd));
}

DatabaseLock::~DatabaseLock() { ::close(fd_); }

}  // namespace rapport::app
