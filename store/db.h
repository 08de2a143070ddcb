// The SQL database under the store, whichever it is: an embedded SQLite file (store/sqlite.h)
// or a PostgreSQL server (store/postgres.h). The store's code is written once against these
// classes, in SQL both understand; each backend translates what little differs (see
// postgres.h) and turns its result codes into Error, here and nowhere else.
//
// SQL is written as SQLite reads it: parameters ?1, ?2 … (1-based), columns 0-based, a new
// row's id by RETURNING id, `INSERT OR IGNORE`. None of these classes is thread-safe; use one
// Database per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport::db {

enum class Backend { kSqlite, kPostgres };

// What a column of the current row holds.
enum class Kind { kNull, kInteger, kReal, kText };

// What a backend implements; the store sees Database and Statement only.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_real(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view text, bool copy) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  virtual void reset() = 0;
  // Runs a statement that returns no rows, and resets it (Statement::run_deferred).
  virtual Status send(std::string_view /*doing*/) {
    auto r = step();
    reset();
    if (!r) return r.error();
    return {};
  }
  virtual int column_count() const = 0;
  virtual bool is_null(int column) const = 0;
  virtual Kind kind(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual std::string text(int column) const = 0;
};

class ConnectionImpl {
 public:
  virtual ~ConnectionImpl() = default;
  virtual Backend backend() const = 0;
  virtual Status exec(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<StatementImpl>> prepare(std::string_view sql) = 0;
  // The statement that opens a writing transaction (SQLite takes its write lock at once).
  virtual std::string_view begin_sql() const = 0;
  virtual int changes() const = 0;
  virtual bool in_transaction() const = 0;
  // Where the database is, for errors: a path, or a URL without its password.
  virtual const std::string& where() const = 0;
};

// A prepared statement.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  // Binding never fails for valid indexes; an invalid index is a bug.
  Statement& bind(int index, std::int64_t value) {
    impl_->bind_int64(index, value);
    return *this;
  }
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value) {
    impl_->bind_real(index, value);
    return *this;
  }
  Statement& bind(int index, std::string_view text) {  // copied
    impl_->bind_text(index, text, true);
    return *this;
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  // Not copied: `text` must stay alive and unchanged until the statement is reset (run()
  // resets it). For a message's long fields, which would otherwise be copied once more.
  Statement& bind_unowned(int index, std::string_view text) {
    impl_->bind_text(index, text, false);
    return *this;
  }
  Statement& bind_null(int index) {
    impl_->bind_null(index);
    return *this;
  }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    if (value) return bind(index, *value);
    return bind_null(index);
  }

  // Advances to the next row: true when a row is ready, false when done.
  Result<bool> step() { return impl_->step(); }
  // Runs a statement that returns no rows to completion.
  Status run();
  // Runs a statement that returns no rows, inside a transaction, whose outcome the caller does
  // not look at: a server backend may send it on without waiting for it (PostgreSQL's
  // pipeline), so its failure can be reported by the next statement of the transaction, or
  // by its COMMIT, and changes() does not count it. SQLite runs it at once, as run().
  // `doing` ("storing message <key>") begins the error of a failure reported later.
  Status run_deferred(std::string_view doing) { return impl_->send(doing); }
  // Runs an INSERT … RETURNING id and returns the new row's id.
  Result<std::int64_t> insert_id();
  // Ready to run again with new bindings (old bindings are cleared).
  void reset() { impl_->reset(); }

  int column_count() const { return impl_->column_count(); }
  bool is_null(int column) const { return impl_->is_null(column); }
  Kind kind(int column) const { return impl_->kind(column); }
  // A boolean expression reads as 1 or 0 on every backend.
  std::int64_t int64(int column) const { return impl_->int64(column); }
  double real(int column) const { return impl_->real(column); }
  std::string text(int column) const { return impl_->text(column); }
  std::optional<std::int64_t> optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
  }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

// One open connection. Move-only; closes on destruction.
class Database {
 public:
  explicit Database(std::unique_ptr<ConnectionImpl> impl) : impl_(std::move(impl)) {}

  Backend backend() const { return impl_->backend(); }
  // Runs one or more statements that take no parameters and return no rows.
  Status exec(std::string_view sql) { return impl_->exec(sql); }
  // Compiles one statement. The Statement must not outlive this Database.
  Result<Statement> prepare(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE that ran.
  int changes() const { return impl_->changes(); }
  // Whether a transaction is open.
  bool in_transaction() const { return impl_->in_transaction(); }
  // Where the database is, for errors: a path, or a URL without its password.
  const std::string& path() const { return impl_->where(); }
  ConnectionImpl& impl() { return *impl_; }

 private:
  std::unique_ptr<ConnectionImpl> impl_;
};

// A writing transaction from construction; rolled back on destruction unless commit()
// succeeded.
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

}  // namespace rapport::db
