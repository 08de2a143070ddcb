// The server backend of store/db.h: a PostgreSQL database over libpq.
//
// The store's SQL is written as SQLite reads it; this backend prepares it for PostgreSQL:
// ?N becomes $N, `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING`, and the few
// SQLite functions the store calls (instr, two-argument min and max, group_concat) exist in
// the PostgreSQL schema under the same names (store/postgres_schema.cc). A parameter's type
// is the C++ type bound to it the first time (64-bit integer, double, text; a null leaves it
// to the server to infer), and each statement is prepared on the server once per such
// signature. Integers are BIGINT, and a boolean column or expression reads as 1 or 0.
#pragma once

#include <string>

#include "core/result.h"
#include "store/db.h"

namespace rapport::postgres {

// How to reach the server: a libpq URL ("postgresql://rapport@db.example/shows?sslmode=…")
// and the password, kept apart from the URL so it is never shown.
struct ConnectOptions {
  std::string url;
  std::string password;  // empty: none, or the URL's own, or ~/.pgpass
  int connect_timeout_seconds = 10;
  // What the server shows of this connection (pg_stat_activity): who holds a lock, say.
  std::string application_name = "rapport";
  // Where the connection finds its tables (a show's schemas, postgres_schema.h's
  // Layout::search_path()); empty: the server's default, the public schema.
  std::string search_path;
};

// Connects. Without sslmode in the URL, a server on another host must prove who it is
// (sslmode=verify-full against the system's certificate authorities, or the URL's
// sslrootcert); on the loopback interface or a Unix socket libpq's default applies. Fails
// with kDatabase naming the server (never the password) and what to check.
Result<db::Database> open(const ConnectOptions& options);

// The URL without a password, for messages and `rapport status`.
std::string redacted(const std::string& url);

// Translates a statement from the SQLite form the store writes to PostgreSQL's (see above).
std::string translate(std::string_view sql);

}  // namespace rapport::postgres
