#include "store/sqlite.h"

#include <sqlite3.h>

#include <cassert>
#include <memory>
#include <utility>

namespace rapport::sqlite {
namespace {

class SqliteStatement final : public db::StatementImpl {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_int64(int index, std::int64_t value) override {
    [[maybe_unused]] int rc = sqlite3_bind_int64(stmt_, index, value);
    assert(rc == SQLITE_OK);
  }
  void bind_real(int index, double value) override {
    [[maybe_unused]] int rc = sqlite3_bind_double(stmt_, index, value);
    assert(rc == SQLITE_OK);
  }
  void bind_text(int index, std::string_view text, bool copy) override {
    [[maybe_unused]] int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                                                  copy ? SQLITE_TRANSIENT : SQLITE_STATIC,
                                                  SQLITE_UTF8);
    assert(rc == SQLITE_OK);
  }
  void bind_null(int index) override {
    [[maybe_unused]] int rc = sqlite3_bind_null(stmt_, index);
    assert(rc == SQLITE_OK);
  }
  Result<bool> step() override;
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int column_count() const override { return sqlite3_column_count(stmt_); }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  db::Kind kind(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL: return db::Kind::kNull;
      case SQLITE_INTEGER: return db::Kind::kInteger;
      case SQLITE_FLOAT: return db::Kind::kReal;
      default: return db::Kind::kText;
    }
  }
  std::int64_t int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string text(int column) const override {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

Result<bool> SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt_);
  int code = sqlite3_extended_errcode(db_);
  Retry retry = (code & 0xff) == SQLITE_BUSY ? Retry::kYes : Retry::kNo;
  std::string hint = (code & 0xff) == SQLITE_FULL ? "the disk is full" : "";
  return make_error(ErrorCode::kDatabase, std::string(sqlite3_errmsg(db_)),
                    sqlite3_db_filename(db_, "main") ? sqlite3_db_filename(db_, "main") : "",
                    hint.empty() ? std::string("while running: ") + (sql ? sql : "") : hint, retry);
}

class SqliteConnection final : public db::ConnectionImpl {
 public:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override { sqlite3_close_v2(db_); }

  db::Backend backend() const override { return db::Backend::kSqlite; }
  Status exec(std::string_view sql) override {
    std::string s(sql);
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK) return last_error("sql failed");
    return {};
  }
  Result<std::unique_ptr<db::StatementImpl>> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return last_error("cannot prepare statement");
    return std::unique_ptr<db::StatementImpl>(new SqliteStatement(stmt, db_));
  }
  // The write lock at once: two writers never both read and then fail to upgrade.
  std::string_view begin_sql() const override { return "BEGIN IMMEDIATE"; }
  int changes() const override { return sqlite3_changes(db_); }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  const std::string& where() const override { return path_; }

  // An Error for the connection's most recent failure, with `doing` as what failed.
  Error last_error(std::string_view doing) const {
    int code = sqlite3_extended_errcode(db_);
    Retry retry =
        (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED ? Retry::kYes : Retry::kNo;
    std::string hint;
    if ((code & 0xff) == SQLITE_FULL) hint = "the disk is full";
    if ((code & 0xff) == SQLITE_BUSY) hint = "another process holds the database; try again";
    if ((code & 0xff) == SQLITE_NOTADB) hint = "is this file a Rapport database?";
    return make_error(ErrorCode::kDatabase, std::string(doing) + ": " + sqlite3_errmsg(db_),
                      path_, hint, retry);
  }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace

Result<db::Database> open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string what = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return make_error(ErrorCode::kDatabase, "cannot open database: " + what, path,
                      "check that the folder exists and is writable");
  }
  db::Database db(std::make_unique<SqliteConnection>(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  if (auto s = db.exec("PRAGMA foreign_keys = ON"); !s) return s.error();
  if (path != ":memory:" && !path.empty()) {
    // 8 KB pages (for a new database; an existing one keeps its own): a message row of a few
    // KB shares its page with others instead of leaving half of a 4 KB page empty, which makes
    // a large import write a quarter fewer pages.
    if (auto s = db.exec("PRAGMA page_size = 8192"); !s) return s.error();
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode) return mode.error();
    auto row = mode->step();
    if (!row) {
      Error e = row.error();
      e.hint = "is this file a Rapport database?";
      return e;
    }
    if (auto s = db.exec("PRAGMA synchronous = NORMAL"); !s) return s.error();
    // 16 MB of page cache (the default is 2 MB): resolving a person looks them up in the
    // identity and message indexes at random, and with 200,000 people those outgrow 2 MB,
    // making every lookup a read from the operating system.
    if (auto s = db.exec("PRAGMA cache_size = -16384"); !s) return s.error();
    // Checkpoint the WAL into the database every 16,000 pages (128 MB) rather than every
    // 1,000: pages an import changes again and again (indexes) are copied once, not sixteen
    // times. Afterwards the WAL file is cut back to 32 MB.
    if (auto s = db.exec("PRAGMA wal_autocheckpoint = 16000"); !s) return s.error();
    if (auto s = db.exec("PRAGMA journal_size_limit = 33554432"); !s) return s.error();
  }
  return db;
}

}  // namespace rapport::sqlite
