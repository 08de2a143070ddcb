// The machine's floor for storing what a mail run stores (not a test):
//
//   rapport_sqlite_floor DB
//
// DB is a database `rapport run` filled. Every row of its tables (not the search index, which
// a run does not fill) is read into memory first; then, timed, a new database with the same
// schema (tables, indexes, triggers; WAL, as Rapport opens it) receives them all through one
// prepared INSERT per table, in one transaction: no parsing, no deciding, no reading back —
// only SQLite writing the same rows and keeping the same indexes. Rapport's own time for the
// run is compared with this.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct Table {
  std::string name;
  int columns = 0;
  std::vector<sqlite3_value*> values;  // row after row
};

bool exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.substr(0, 80).c_str(), error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rapport_sqlite_floor DB\n");
    return 2;
  }
  sqlite3* src = nullptr;
  if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  // The schema, as it stands after the migrations; the search index (FTS5, filled later by
  // the daemon and `rapport search`) and its shadow tables left out.
  std::vector<std::string> schema;
  std::vector<Table> tables;
  {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(src,
                       "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name "
                       "NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%' AND sql NOT LIKE "
                       "'%VIRTUAL TABLE%' ORDER BY type = 'table' DESC, rowid",
                       -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string type = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      std::string sql = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
      if (type == "trigger" && sql.find("messages_fts") != std::string::npos) continue;
      schema.push_back(sql);
      if (type == "table") {
        Table t;
        t.name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        tables.push_back(std::move(t));
      }
    }
    sqlite3_finalize(st);
  }
  size_t rows = 0, bytes = 0;
  for (Table& t : tables) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(src, ("SELECT * FROM \"" + t.name + "\"").c_str(), -1, &st, nullptr) !=
        SQLITE_OK) {
      continue;
    }
    t.columns = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < t.columns; ++c) {
        t.values.push_back(sqlite3_value_dup(sqlite3_column_value(st, c)));
        bytes += static_cast<size_t>(sqlite3_column_bytes(st, c));
      }
      ++rows;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(src);

  const std::string path = std::string(argv[1]) + ".floor";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  // As Rapport opens its database (store/sql_store.cc).
  exec(db, "PRAGMA page_size = 8192");
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "PRAGMA synchronous = NORMAL");
  exec(db, "PRAGMA cache_size = -16384");
  exec(db, "PRAGMA wal_autocheckpoint = 16000");
  exec(db, "PRAGMA foreign_keys = OFF");  // the rows are known to agree; no lookups
  for (const auto& sql : schema) {
    if (!exec(db, sql)) return 1;
  }
  auto start = std::chrono::steady_clock::now();
  exec(db, "BEGIN");
  for (const Table& t : tables) {
    std::string sql = "INSERT INTO \"" + t.name + "\" VALUES (";
    for (int c = 0; c < t.columns; ++c) sql += c ? ",?" : "?";
    sql += ")";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "%s: %s\n", t.name.c_str(), sqlite3_errmsg(db));
      return 1;
    }
    for (size_t i = 0; i < t.values.size(); i += static_cast<size_t>(t.columns)) {
      for (int c = 0; c < t.columns; ++c) sqlite3_bind_value(st, c + 1, t.values[i + c]);
      if (sqlite3_step(st) != SQLITE_DONE) {
        std::fprintf(stderr, "%s: %s\n", t.name.c_str(), sqlite3_errmsg(db));
        return 1;
      }
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  exec(db, "COMMIT");
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  std::printf("sqlite floor: %zu rows (%.0f MB) of %zu tables in %.2f s, one transaction\n", rows,
              static_cast<double>(bytes) / 1e6, tables.size(), seconds);
  for (Table& t : tables) {
    for (auto* v : t.values) sqlite3_value_free(v);
  }
  return 0;
}
