#include "tests/support/store_backends.h"

namespace rapport::testing {

Result<std::unique_ptr<SqlStore>> StoreBackendTest::open_store() {
  if (GetParam() == StoreBackend::kSqlite) return SqlStore::open(":memory:");
  if (!server_) server_ = std::make_unique<PostgresTestServer>();
  if (!server_->ready()) {
    return make_error(ErrorCode::kDatabase, "the test's PostgreSQL did not start",
                      server_->why_not_ready());
  }
  std::string name = "store" + std::to_string(++databases_);
  if (!server_->create_database(name)) {
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
