// RAII wrappers over SQLite's C API: a connection, a prepared statement, a transaction.
// SQLite result codes become Error here and nowhere else.
//
// None of these classes is thread-safe; use one Database per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport::sqlite {

class Statement;

// One open connection. Move-only; closes on destruction.
class Database {
 public:
  // Opens (creating when missing) the database at path; ":memory:" for a private in-memory
  // one. Sets a busy timeout, turns on foreign keys and, for files, WAL journaling.
  // Fails with kDatabase when the file cannot be opened or is not a database.
  static Result<Database> open(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  // Compiles one statement. The Statement must not outlive this Database.
  Result<Statement> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // An Error for the connection's most recent failure, with `doing` as what failed.
  Error last_error(std::string_view doing) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. Parameters are 1-based, columns 0-based, as in SQLite.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding never fails for valid indexes; an invalid index is a bug.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);  // copied by SQLite
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  // Not copied: `text` must stay alive and unchanged until the statement is reset (run()
  // resets it). For a message's long fields, which would otherwise be copied once more.
  Statement& bind_unowned(int index, std::string_view text);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    if (value) return bind(index, *value);
    return bind_null(index);
  }

  // Advances to the next row: true when a row is ready, false when done.
  Result<bool> step();
  // Runs a statement that returns no rows to completion.
  Status run();
  // Ready to run again with new bindings (old bindings are cleared).
  void reset();

  int column_count() const;
  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;
};

}  // namespace rapport::sqlite
