// The store's tests run on both backends: a fixture whose parameter is the backend, and whose
// open_store() gives a fresh, empty store on it — SQLite in memory, or PostgreSQL: a real
// server started for the test (tests/support/postgres_server.h), a database of its own.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "store/sql_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace rapport::testing {

enum class StoreBackend { kSqlite, kPostgres };

class StoreBackendTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  // A new empty store on this test's backend; on PostgreSQL, each one a new database on the
  // same server. Fails as SqlStore::open does.
  Result<std::unique_ptr<SqlStore>> open_store();
  // A new empty store that another process could open too (SQLite: a file), and a second
  // connection to it, as another process would have.
  Result<std::unique_ptr<SqlStore>> open_shared_store();
  Result<std::unique_ptr<SqlStore>> open_again();
  bool postgres() const { return GetParam() == StoreBackend::kPostgres; }
  PostgresTestServer* server() { return server_.get(); }

 private:
  Result<std::unique_ptr<SqlStore>> open_postgres(bool fresh);

  std::unique_ptr<PostgresTestServer> server_;
  int databases_ = 0;
  std::unique_ptr<TempDir> dir_;  // the SQLite file of open_shared_store()
};

inline void PrintTo(StoreBackend b, std::ostream* os) {
  *os << (b == StoreBackend::kSqlite ? "SQLite" : "PostgreSQL");
}

// "Sqlite" or "Postgres", for test names.
std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info);

}  // namespace rapport::testing

// Runs the TEST_Ps of `fixture` on both backends.
#define RAPPORT_ON_BOTH_BACKENDS(fixture)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture,                                              \
                           ::testing::Values(::rapport::testing::StoreBackend::kSqlite,    \
                                             ::rapport::testing::StoreBackend::kPostgres), \
                           ::rapport::testing::backend_name)
