#include "store/copy.h"

#include <sodium.h>

#include <array>
#include <string_view>

namespace rapport {
namespace {

struct TableSpec {
  const char* name;
  const char* order;  // the key rows are read in
  bool has_id;        // an id PostgreSQL generates: its sequence is moved past the copied ids
};

// Every table, each after those it refers to. contacts refer to themselves (merged_into):
// that column is set once every contact is there.
constexpr std::array<TableSpec, 15> kTables{{
    {"sources", "id", true},
    {"episodes", "id", true},
    {"contacts", "id", true},
    {"identities", "id", true},
    {"messages", "id", true},
    {"merges", "id", true},
    {"answers", "id", true},
    {"digests", "id", true},
    {"digest_items", "digest_id, position", false},
    {"sent_mail", "natural_key, recipient", false},
    {"digest_commands", "id", true},
    {"newsletters", "message_id", false},
    {"contact_notes", "id", true},
    {"contact_tags", "contact_id, tag", false},
    {"search_index", "indexed_to", false},
}};

// What identifies the stored things, in a fixed order: equal on both sides when the copy
// holds the same messages, people, episodes, sources and digests.
constexpr const char* kKeyQueries[] = {
    "SELECT id, natural_key FROM messages ORDER BY id",
    "SELECT id, kind, value, contact_id FROM identities ORDER BY id",
    "SELECT id, source_id, guid FROM episodes ORDER BY id",
    "SELECT id, name FROM sources ORDER BY id",
    "SELECT id, slot FROM digests ORDER BY id",
};

Result<std::int64_t> count_rows(db::Database& db, const std::string& table) {
  auto st = db.prepare("SELECT COUNT(*) FROM " + table);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return st->int64(0);
}

Result<std::string> key_checksum(db::Database& db) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const char* sql : kKeyQueries) {
    auto st = db.prepare(sql);
    if (!st) return st.error();
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) break;
      for (int c = 0; c < st->column_count(); ++c) {
        std::string v = st->text(c);
        v += '\x1f';
        crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(v.data()),
                                  v.size());
      }
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>("\x1e"), 1);
    }
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

// Copies the rows of one table. `defer_merged_into`: contacts' merged_into is left null and
// returned as (id, merged_into) pairs, set when every contact is there.
Result<std::int64_t> copy_table(db::Database& from, db::Database& to, const TableSpec& t,
                                std::vector<std::pair<std::int64_t, std::int64_t>>* merged) {
  auto read = from.prepare(std::string("SELECT * FROM ") + t.name + " ORDER BY " + t.order);
  if (!read) return read.error();
  std::int64_t rows = 0;
  std::optional<db::Statement> write;
  int merged_into_column = -1;
  for (;;) {
    auto row = read->step();
    if (!row) return row.error();
    if (!*row) break;
    const int columns = read->column_count();
    if (!write) {
      std::string sql = std::string("INSERT INTO ") + t.name + " VALUES (";
      for (int c = 1; c <= columns; ++c) sql += (c > 1 ? ", ?" : "?") + std::to_string(c);
      auto prepared = to.prepare(sql + ")");
      if (!prepared) return prepared.error();
      write.emplace(std::move(*prepared));
      if (merged) merged_into_column = 8;  // contacts: id … snoozed_until, merged_into, …
    }
    for (int c = 0; c < columns; ++c) {
      if (c == merged_into_column && !read->is_null(c)) {
        merged->emplace_back(read->int64(0), read->int64(c));
        write->bind_null(c + 1);
        continue;
      }
      switch (read->kind(c)) {
        case db::Kind::kNull:
          write->bind_null(c + 1);
          break;
        case db::Kind::kInteger:
          write->bind(c + 1, read->int64(c));
          break;
        case db::Kind::kReal:
          write->bind(c + 1, read->real(c));
          break;
        case db::Kind::kText:
          write->bind(c + 1, read->text(c));
          break;
      }
    }
    if (auto s = write->run(); !s) {
      Error e = s.error();
      e.what = std::string("copying ") + t.name + ": " + e.what;
      return e;
    }
    ++rows;
  }
  return rows;
}

}  // namespace

Result<CopyReport> copy_store(db::Database& from, db::Database& to) {
  for (const char* table : {"sources", "messages", "contacts", "episodes", "digests"}) {
    auto n = count_rows(to, table);
    if (!n) return n.error();
    if (*n > 0) {
      return make_error(ErrorCode::kUsage,
                        "the database to copy into already holds " + std::string(table), to.path(),
                        "copy into a new, empty database");
    }
  }
  auto tx = db::Transaction::begin(to);
  if (!tx) return tx.error();
  // The target's own search_index row goes: the source's takes its place, set back to 0.
  if (auto s = to.exec("DELETE FROM search_index"); !s) return s.error();
  CopyReport report;
  std::vector<std::pair<std::int64_t, std::int64_t>> merged;
  for (const TableSpec& t : kTables) {
    const bool contacts = std::string_view(t.name) == "contacts";
    auto rows = copy_table(from, to, t, contacts ? &merged : nullptr);
    if (!rows) return rows.error();
    report.tables.push_back({t.name, *rows});
    if (contacts && !merged.empty()) {
      auto set = to.prepare("UPDATE contacts SET merged_into = ?2 WHERE id = ?1");
      if (!set) return set.error();
      for (const auto& [id, into] : merged) {
        set->bind(1, id).bind(2, into);
        if (auto s = set->run(); !s) return s.error();
      }
    }
  }
  // Searched afresh: the target indexes every message on its first search.
  if (auto s = to.exec("UPDATE search_index SET indexed_to = 0"); !s) return s.error();
  if (to.backend() == db::Backend::kPostgres) {
    for (const TableSpec& t : kTables) {
      if (!t.has_id) continue;
      std::string name = t.name;
      if (auto s = to.exec("SELECT setval(pg_get_serial_sequence('" + name + "', 'id'), " +
                           "COALESCE((SELECT MAX(id) FROM " + name + "), 1), " +
                           "(SELECT MAX(id) FROM " + name + ") IS NOT NULL)");
          !s) {
        return s.error();
      }
    }
  }
  // Read back before committing: the same counts and the same keys, or nothing stays.
  for (const auto& t : report.tables) {
    auto there = count_rows(to, t.name);
    if (!there) return there.error();
    if (*there != t.rows) {
      return make_error(ErrorCode::kDatabase,
                        "the copy of " + t.name + " holds " + std::to_string(*there) +
                            " rows, not " + std::to_string(t.rows),
                        to.path(), "nothing was kept; please report this");
    }
  }
  auto source_sum = key_checksum(from);
  if (!source_sum) return source_sum.error();
  auto target_sum = key_checksum(to);
  if (!target_sum) return target_sum.error();
  if (*source_sum != *target_sum) {
    return make_error(ErrorCode::kDatabase, "the copy's natural keys differ from the original's",
                      to.path(), "nothing was kept; please report this");
  }
  report.checksum = *source_sum;
  if (auto s = tx->commit(); !s) return s.error();
  return report;
}

}  // namespace rapport
