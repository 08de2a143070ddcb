#include "store/db.h"

#include <cassert>
#include <utility>

namespace rapport::db {

Status Statement::run() {
  auto r = step();
  reset();
  if (!r) return r.error();
  return {};
}

Result<std::int64_t> Statement::insert_id() {
  auto r = step();
  if (!r) {
    reset();
    return r.error();
  }
  std::int64_t id = *r ? int64(0) : 0;
  // Stepped to the end, so the insert is complete on every backend.
  auto done = *r ? step() : Result<bool>(false);
  reset();
  if (!done) return done.error();
  return id;
}

Result<Statement> Database::prepare(std::string_view sql) {
  auto impl = impl_->prepare(sql);
  if (!impl) return impl.error();
  return Statement(std::move(*impl));
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto s = db.exec(db.impl().begin_sql()); !s) return s.error();
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  assert(db_);
  auto s = db_->exec("COMMIT");
  if (s) db_ = nullptr;
  return s;
}

}  // namespace rapport::db
