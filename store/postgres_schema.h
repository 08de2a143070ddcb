// The schema on PostgreSQL, numbered like SQLite's (store/migrations.h): at version N a
// PostgreSQL database has the tables, columns and indexes an SQLite one has at version N, so
// `rapport store copy` can move a database either way and one store's SQL runs on both.
//
// The first entry brings an empty database to SQLite's version 24 at once (earlier versions
// never existed on PostgreSQL); every later migration is written for both backends, in the
// same commit. The version is kept in rapport_schema.
#pragma once

#include <span>
#include <string_view>

#include "core/result.h"
#include "store/db.h"

namespace rapport::postgres {

struct Migration {
  int version;  // the schema version this migration brings the database to
  std::string_view sql;
};

// Every migration, oldest first.
std::span<const Migration> migrations();

// Applies the missing migrations, each in its own transaction with its version. Several
// processes starting at once (daemons of a network's shows, on several machines) migrate
// once: each takes a PostgreSQL advisory lock first, and whoever comes second finds the
// schema current. Returns the resulting version. Fails with kDatabase when the database is
// newer than this program knows (it is never downgraded) or a migration fails (rolled back).
Result<int> migrate(db::Database& db);

}  // namespace rapport::postgres
