#include "tests/support/store_backends.h"

namespace rapport::testing {

Result<std::unique_ptr<SqlStore>> StoreBackendTest::open_store() {
  if (GetParam() == StoreBackend::kSqlite) return SqlStore::open(":memory:");
  return open_postgres(true);
}

Result<std::unique_ptr<SqlStore>> StoreBackendTest::open_shared_store() {
  if (GetParam() == StoreBackend::kPostgres) return open_postgres(true);
  dir_ = std::make_unique<TempDir>();
  return SqlStore::open((dir_->path() / "shared.db").string());
}

Result<std::unique_ptr<SqlStore>> StoreBackendTest::open_again() {
  if (GetParam() == StoreBackend::kPostgres) return open_postgres(false);
  if (!dir_) return make_error(ErrorCode::kInternal, "open_shared_store() first");
  return SqlStore::open((dir_->path() / "shared.db").string());
}

Result<std::unique_ptr<SqlStore>> StoreBackendTest::open_postgres(bool fresh) {
  if (!server_) server_ = std::make_unique<PostgresTestServer>();
  if (!server_->ready()) {
    return make_error(ErrorCode::kDatabase, "the test's PostgreSQL did not start",
                      server_->why_not_ready());
  }
  if (!fresh && databases_ == 0) return make_error(ErrorCode::kInternal, "open_store() first");
  std::string name = "store" + std::to_string(fresh ? ++databases_ : databases_);
  if (fresh && !server_->create_database(name)) {
    return make_error(ErrorCode::kDatabase, "cannot create database " + name,
                      server_->psql("SELECT 1", "postgres"));
  }
  postgres::ConnectOptions o;
  o.url = server_->url(name);
  o.password = PostgresTestServer::password();
  return SqlStore::open_postgres(o);
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace rapport::testing
