// The schema on PostgreSQL, numbered like SQLite's (store/migrations.h): at version N a
// PostgreSQL database has the tables, columns and indexes an SQLite one has at version N, so
// `rapport store copy` can move a database either way and one store's SQL runs on both.
//
// The first entry brings an empty database to SQLite's version 24 at once (earlier versions
// never existed on PostgreSQL); every later migration is written for both backends, in the
// same commit. The version is kept in rapport_schema.
//
// One database can hold a network's shows: each show's tables in a schema of its own
// ("show_slowgarden"), and its people's tables (contacts, identities, merges, notes, tags)
// there too, or in "rapport_people", shared by the shows that share contacts. Each migration
// comes in those two parts, and each schema keeps its own version. A connection finds a
// show's tables by its search_path (Layout::search_path), so the store's SQL names no schema.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/db.h"

namespace rapport::postgres {

struct Migration {
  int version;  // the schema version this migration brings the database to
  std::string_view people_sql;  // for the people's tables
  std::string_view show_sql;    // for the show's tables
};

// Where a show's tables are, and its people's.
struct Layout {
  std::string show_schema = "public";
  std::string people_schema = "public";
  bool shared() const { return show_schema != people_schema; }
  // What a connection of this show sets as its search_path: its tables first, then its
  // people's ("show_slowgarden,rapport_people"; the names need no quotes).
  std::string search_path() const;
};

// The layout of `show` ([store] show, a valid slug; empty: the one show of the public schema),
// its people its own or the network's.
Layout layout_for(std::string_view show, bool share_contacts);

// Every migration, oldest first.
std::span<const Migration> migrations();

// Applies the missing migrations to the layout's schemas (created when missing), each in its
// own transaction with its version. Several processes starting at once (daemons of a
// network's shows, on several machines) migrate once: each takes a PostgreSQL advisory lock
// first, and whoever comes second finds the schema current. Returns the show's resulting
// version. Fails with kDatabase when the database is newer than this program knows (it is
// never downgraded) or a migration fails (rolled back), and with kConfig when a show begun
// with people of its own is opened as sharing the network's, or the other way round.
Result<int> migrate(db::Database& db, const Layout& layout = {});

}  // namespace rapport::postgres
