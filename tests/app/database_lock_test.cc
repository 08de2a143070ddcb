// The single-reader lock on PostgreSQL against a real server: held by a connection, lost with
// it, taken again — or found taken by another daemon, which then goes on alone.
#include "app/database_lock.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "store/postgres.h"
#include "tests/support/postgres_server.h"

namespace rapport::app {
namespace {

using testing::PostgresTestServer;

class PostgresLock : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ready()) << server.why_not_ready();
    setenv("RAPPORT_LOCK_TEST_PASSWORD", PostgresTestServer::password().c_str(), 1);
    store.url = server.url();
    store.password.env = "RAPPORT_LOCK_TEST_PASSWORD";
  }
  PostgresTestServer server;
  config::StoreConfig store;
};

TEST_F(PostgresLock, OneHolderAtATimeNamedToTheOthers) {
  auto daemon = DatabaseLock::acquire(store, "daemon");
  ASSERT_TRUE(daemon.ok()) << daemon.error().to_string();
  auto run = DatabaseLock::acquire(store, "run");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, ErrorCode::kUsage);
  EXPECT_NE(run.error().what.find("rapport daemon (pid " + std::to_string(getpid()) + " on "),
            std::string::npos)
      << run.error().to_string();
  EXPECT_TRUE((*daemon)->still_held().ok());
  daemon->reset();  // the process ends: its lock goes with its connection
  auto after = DatabaseLock::acquire(store, "run");
  EXPECT_TRUE(after.ok()) << after.error().to_string();
}

TEST_F(PostgresLock, ALockLostWithTheServerIsTakenAgainWhenItComesBack) {
  auto daemon = DatabaseLock::acquire(store, "daemon");
  ASSERT_TRUE(daemon.ok()) << daemon.error().to_string();
  ASSERT_TRUE(server.restart()) << server.why_not_ready();
  // The first look finds the connection gone; the next connects again and holds it again.
  Status first = (*daemon)->still_held();
  if (!first) {
    EXPECT_EQ(first.error().code, ErrorCode::kDatabase) << first.error().to_string();
  }
  Status second = (*daemon)->still_held();
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  auto other = DatabaseLock::acquire(store, "daemon");
  EXPECT_FALSE(other.ok()) << "two daemons hold one database";
}

TEST_F(PostgresLock, ADaemonWhoseLockWasTakenMeanwhileIsToldToStop) {
  auto first = DatabaseLock::acquire(store, "daemon");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_TRUE(server.restart()) << server.why_not_ready();
  // A standby machine's daemon starts while the first one's connection is gone.
  auto standby = DatabaseLock::acquire(store, "daemon");
  ASSERT_TRUE(standby.ok()) << standby.error().to_string();
  Status held = (*first)->still_held();
  if (held.ok() || held.error().code == ErrorCode::kDatabase) {
    held = (*first)->still_held();
  }
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code, ErrorCode::kUsage);
  EXPECT_NE(held.error().what.find("took the database's lock"), std::string::npos)
      << held.error().to_string();
  EXPECT_TRUE((*standby)->still_held().ok());
}

TEST_F(PostgresLock, DaemonsOfTwoShowsRunSideBySideAndASecondForOneShowIsRefused) {
  config::StoreConfig garden = store;
  garden.show = "slowgarden";
  config::StoreConfig letters = store;
  letters.show = "long-letters";
  auto first = DatabaseLock::acquire(garden, "daemon");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  auto second = DatabaseLock::acquire(letters, "daemon");
  ASSERT_TRUE(second.ok()) << "another show's daemon runs beside it: "
                           << second.error().to_string();
  auto third = DatabaseLock::acquire(garden, "daemon");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kUsage);
  EXPECT_NE(third.error().what.find("rapport daemon of slowgarden (pid " + std::to_string(getpid()) +
                                    " on "),
            std::string::npos)
      << third.error().to_string();
  EXPECT_NE(third.error().what.find("reading the sources of show slowgarden"), std::string::npos);

  // Each show's status names its own reader, and the other shows' daemons.
  postgres::ConnectOptions o;
  o.url = store.url;
  o.password = PostgresTestServer::password();
  auto db = postgres::open(o);
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  auto holder = DatabaseLock::holder(garden, *db);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->find("rapport daemon of slowgarden (pid "), 0u) << *holder;
  auto others = DatabaseLock::other_shows(garden, *db);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].find("rapport daemon of long-letters (pid "), 0u) << others[0];
  EXPECT_FALSE(DatabaseLock::holder(store, *db).has_value()) << "the database's unnamed show";
  EXPECT_EQ(DatabaseLock::other_shows(store, *db).size(), 2u);
}

}  // namespace
}  // namespace rapport::app
