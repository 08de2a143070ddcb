#include "app/database_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/clock.h"
#include "core/log.h"
#include "app/from_config.h"
#include "core/text.h"
#include "store/postgres.h"

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

namespace {

// The lock every process reading sources into one show of a PostgreSQL database takes: for
// the database's one show (public), "rapport" and 2; for a named show, "rapp" and a hash of
// its slug. The migrations' lock ("rapport" and 1, store/postgres_schema.cc) shares the
// first half with the first.
constexpr std::int64_t kSourcesLock = 0x7261'7070'6f72'7402;  // "rapport" and 2
constexpr std::int64_t kMigrationLock = 0x7261'7070'6f72'7401;
constexpr std::int64_t kRapport = 0x7261'7070;  // "rapp": the first half of every lock

std::int64_t lock_key(const config::StoreConfig& store) {
  if (store.show.empty()) return kSourcesLock;
  std::uint32_t hash = 2166136261u;  // FNV-1a: the same number on every machine and build
  for (char c : "show " + store.show) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  if (hash == (kSourcesLock & 0xFFFFFFFF) || hash == (kMigrationLock & 0xFFFFFFFF)) ++hash;
  return (kRapport << 32) | hash;
}

struct Holder {
  std::string name;  // the application_name it gave the server
  UnixTime since = 0;
};

// The connections holding Rapport's locks of the database `db` is connected to: the one of
// `key` only, or (every_show) every show's but that one.
std::vector<Holder> find_holders(db::Database& db, std::int64_t key, bool every_show) {
  auto who = db.prepare(
      std::string("SELECT a.application_name, CAST(EXTRACT(EPOCH FROM a.backend_start) AS BIGINT) "
                  "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                  "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                  "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                  "AND l.classid = CAST(?1 AS BIGINT) AND ") +
      (every_show ? "l.objid <> CAST(?2 AS BIGINT) AND l.objid <> CAST(?3 AS BIGINT) "
                    "ORDER BY a.application_name"
                  : "l.objid = CAST(?2 AS BIGINT) LIMIT 1"));
  std::vector<Holder> found;
  if (!who) return found;
  who->bind(1, key >> 32).bind(2, key & 0xFFFFFFFF);
  if (every_show) who->bind(3, kMigrationLock & 0xFFFFFFFF);
  for (;;) {
    auto row = who->step();
    if (!row || !*row) break;
    found.push_back(Holder{printable(who->text(0), 120), who->int64(1)});
  }
  return found;
}

std::optional<Holder> find_holder(db::Database& db, std::int64_t key) {
  auto found = find_holders(db, key, false);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace

Result<std::unique_ptr<DatabaseLock>> DatabaseLock::acquire(const config::StoreConfig& store,
                                                            const std::string& role) {
  if (!store.postgres()) return acquire(store.path, role);
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  auto options = connect_options(store);
  if (!options) return options.error();
  options->application_name = "rapport " + role +
                              (store.show.empty() ? "" : " of " + store.show) + " (pid " +
                              std::to_string(::getpid()) + " on " + printable(host, 60) + ")";
  const std::int64_t key = lock_key(store);
  auto db = postgres::open(*options);
  if (!db) return db.error();
  auto take = db->prepare("SELECT pg_try_advisory_lock(?1)");
  if (!take) return take.error();
  take->bind(1, key);
  auto row = take->step();
  if (!row) return row.error();
  if (*row && take->int64(0) == 1) {
    take->reset();
    return std::unique_ptr<DatabaseLock>(new DatabaseLock(std::move(*db), store.url, key));
  }
  take->reset();
  // Who has it: the connection holding the lock, by the name it gave the server.
  auto other = find_holder(*db, key);
  const std::string holder = other ? other->name : "another Rapport";
  const bool run = holder.find("rapport run") == 0;
  return make_error(ErrorCode::kUsage,
                    (run ? "a `" + holder.substr(0, 11) + "`" + holder.substr(11)
                         : holder) +
                        (store.show.empty() ? " is already reading sources into this database"
                                            : " is already reading the sources of show " +
                                                  store.show + " in this database"),
                    store.url,
                    run ? "wait for it to finish, then run again"
                    : role == "daemon"
                        ? "stop it first, or give this one another database"
                        : "the daemon reads every source on its own schedule; `rapport status` "
                          "shows what it did");
}

Status DatabaseLock::still_held() {
  if (!connection_) return {};
  // Held by this connection? (A lost connection fails here, and is made again next time.)
  auto mine = connection_->prepare(
      "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND pid = pg_backend_pid() AND classid = CAST(?1 AS BIGINT) AND objid = CAST(?2 AS BIGINT)");
  if (!mine) return mine.error();
  mine->bind(1, key_ >> 32).bind(2, key_ & 0xFFFFFFFF);
  auto row = mine->step();
  if (!row) return row.error();
  if (*row && mine->int64(0) > 0) return {};
  mine->reset();
  auto take = connection_->prepare("SELECT pg_try_advisory_lock(?1)");
  if (!take) return take.error();
  take->bind(1, key_);
  auto taken = take->step();
  if (!taken) return taken.error();
  if (*taken && take->int64(0) == 1) {
    log::info("the database's lock was lost with its connection, and is held again");
    return {};
  }
  take->reset();
  auto other = find_holder(*connection_, key_);
  return make_error(ErrorCode::kUsage,
                    "while this daemon's connection was lost, " +
                        (other ? other->name : std::string("another Rapport")) +
                        " took the database's lock: two would read the same sources",
                    where_, "this daemon stops; the other one goes on");
}

std::optional<std::string> DatabaseLock::holder(const config::StoreConfig& store,
                                                db::Database& db) {
  if (!store.postgres()) return std::nullopt;
  auto found = find_holder(db, lock_key(store));
  if (!found) return std::nullopt;
  return found->name + ", connected since " + format_local_short(found->since, SystemClock().now());
}

std::vector<std::string> DatabaseLock::other_shows(const config::StoreConfig& store,
                                                   db::Database& db) {
  std::vector<std::string> out;
  if (!store.postgres()) return out;
  const UnixTime now = SystemClock().now();
  for (const Holder& h : find_holders(db, lock_key(store), true)) {
    out.push_back(h.name + ", connected since " + format_local_short(h.since, now));
  }
  return out;
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace rapport::app
