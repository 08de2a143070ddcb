// SqlStore, the contacts part: which person each identity belongs to, merges that can be
// undone, what `rapport contacts` shows, and search.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/unicode.h"
#include "store/sql_store.h"

namespace rapport {
namespace {

constexpr const char kFindIdentity[] =
    "SELECT id, contact_id FROM identities WHERE kind = ?1 AND value = ?2";
constexpr const char kInsertContact[] =
    "INSERT INTO contacts (display_name, display_name_at, first_seen_at, last_seen_at, "
    "created_at, name_folded) VALUES (?1, ?2, ?3, ?3, ?4, ?5) RETURNING id";
// The same with ids drawn beforehand (a PostgreSQL batch: see read_batch_identities), sent on
// without waiting for an id to come back.
constexpr const char kInsertContactWithId[] =
    "INSERT INTO contacts (id, display_name, display_name_at, first_seen_at, last_seen_at, "
    "created_at, name_folded) VALUES (?6, ?1, ?2, ?3, ?3, ?4, ?5)";
constexpr const char kInsertIdentityWithId[] =
    "INSERT INTO identities (id, kind, value, contact_id, first_seen_source_id, first_seen_at, "
    "written, written_at) VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6, ?5)";
constexpr const char kInsertIdentity[] =
    "INSERT INTO identities (kind, value, contact_id, first_seen_source_id, first_seen_at, "
    "written, written_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5) RETURNING id";
// The spelling a person used most recently is the one shown (messages arrive in any order).
constexpr const char kUpdateWritten[] =
    "UPDATE identities SET written = ?2, written_at = ?3 "
    "WHERE id = ?1 AND written <> ?2 AND written_at <= ?3";
// A name seen later replaces an older one. Only when the name differs: writing name_folded,
// even unchanged, rewrites its index entry, and most messages come from a name already known.
constexpr const char kRenameContact[] =
    "UPDATE contacts SET display_name = ?2, name_folded = ?4 "
    "WHERE id = ?1 AND ?2 <> '' AND ?3 >= display_name_at AND display_name <> ?2";
// First/last seen widen to the earliest and latest of a batch's messages from the person; the
// name's time follows a newer spelling.
constexpr const char kTouchContactRange[] =
    "UPDATE contacts SET "
    "display_name_at = CASE WHEN ?2 <> '' AND ?3 >= display_name_at THEN ?3 "
    "ELSE display_name_at END, "
    "first_seen_at = MIN(first_seen_at, ?4), last_seen_at = MAX(last_seen_at, ?5) "
    "WHERE id = ?1";
// Whether the creator said two people apart anywhere between the two groups: each contact
// with every contact merged into it since (so a chain of merges cannot join them again).
constexpr const char kSplitBetween[] = R"sql(
WITH RECURSIVE
  a(id) AS (SELECT ?1 UNION SELECT c.id FROM contacts c JOIN a ON c.merged_into = a.id),
  b(id) AS (SELECT ?2 UNION SELECT c.id FROM contacts c JOIN b ON c.merged_into = b.id)
SELECT 1 FROM merges m
 WHERE m.kind = 'split'
   AND ((m.from_contact_id IN (SELECT id FROM a) AND m.into_contact_id IN (SELECT id FROM b))
     OR (m.from_contact_id IN (SELECT id FROM b) AND m.into_contact_id IN (SELECT id FROM a)))
 LIMIT 1
)sql";

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string unhex(std::string_view s) {
  auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(v(s[i]) * 16 + v(s[i + 1]));
  return out;
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::vector<std::int64_t> split_ids(std::string_view s) {
  std::vector<std::int64_t> out;
  std::string item;
  std::istringstream in{std::string(s)};
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
}

// What a merge moved, as "key=value" lines (text values hex-encoded), kept in merges.moved.
struct Moved {
  std::vector<std::int64_t> identities;
  std::vector<std::int64_t> answers;
  std::vector<std::string> tags;  // tags `into` gained
  std::vector<std::int64_t> notes;  // note rows that moved from `from`
  bool lists_notes = false;         // the record has notes= (written since migration 18)
  // Before migration 18 notes were text: the text `into` had before the merge (undoing such a
  // merge gives `from` every note line that is not in it).
  std::string into_notes;
  std::optional<std::int64_t> into_snoozed_until;

  std::string write() const {
    std::string tags_joined;
    for (const auto& t : tags) tags_joined += (tags_joined.empty() ? "" : "\n") + t;
    return "identities=" + join_ids(identities) + "\nanswers=" + join_ids(answers) +
           "\ntags=" + hex(tags_joined) + "\nnotes=" + join_ids(notes) +
           "\ninto_notes=" + hex(into_notes) +
           "\ninto_snoozed_until=" +
           (into_snoozed_until ? std::to_string(*into_snoozed_until) : std::string()) + "\n";
  }
  static Moved read(const std::string& text) {
    Moved m;
    for (const auto& line : split_lines(text)) {
      size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "identities") m.identities = split_ids(value);
      if (key == "answers") m.answers = split_ids(value);
      if (key == "tags" && !value.empty()) m.tags = split_lines(unhex(value));
      if (key == "into_notes") m.into_notes = unhex(value);
      if (key == "notes") {
        m.notes = split_ids(value);
        m.lists_notes = true;
      }
      if (key == "into_snoozed_until" && !value.empty()) m.into_snoozed_until = std::stoll(value);
    }
    return m;
  }
};

// Runs `body` all or nothing: in a transaction of its own, or inside a savepoint of the one
// already open.
template <typename T, typename F>
Result<T> atomically(db::Database& db, F body) {
  if (!db.in_transaction()) {
    auto tx = db::Transaction::begin(db);
    if (!tx) return tx.error();
    Result<T> out = body();
    if (!out) return out;  // rolled back
    if (auto s = tx->commit(); !s) return s.error();
    return out;
  }
  if (auto s = db.exec("SAVEPOINT contacts_change"); !s) return s.error();
  Result<T> out = body();
  if (!out) {
    (void)db.exec("ROLLBACK TO contacts_change");
    (void)db.exec("RELEASE contacts_change");
    return out;
  }
  if (auto s = db.exec("RELEASE contacts_change"); !s) return s.error();
  return out;
}

}  // namespace

Result<bool> SqlStore::split_between(std::int64_t a, std::int64_t b) {
  auto stmt = cached(kSplitBetween);
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, a).bind(2, b);
  auto row = (*stmt)->step();
  if (!row) return row.error();
  bool found = *row;
  (*stmt)->reset();
  return found;
}

std::string SqlStore::identity_key(std::string_view kind, std::string_view value) {
  std::string key(kind);
  key += '\x1f';
  key += value;
  return key;
}

bool SqlStore::listable(std::string_view s) {
  return is_valid_utf8(s) &&
         std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

Status SqlStore::read_batch_identities(const Batch& batch) {
  std::map<std::string, std::vector<const std::string*>> by_kind;
  for (const Message& m : batch.messages) {
    if (m.outgoing || m.identity.empty()) continue;
    if (listable(m.identity.value)) by_kind[m.identity.kind].push_back(&m.identity.value);
    for (const Identity& a : m.also) {
      if (listable(a.value)) by_kind[a.kind].push_back(&a.value);
    }
  }
  IdentityIds found;
  auto read = cached(
      "SELECT value, id, contact_id FROM identities WHERE kind = ?1 "
      "AND value IN (SELECT j.value FROM json_each(?2) AS j)");
  if (!read) return read.error();
  for (const auto& [kind, values] : by_kind) {
    std::string list = "[";
    for (const std::string* v : values) {
      if (list.size() > 1) list += ',';
      append_json_string(list, *v);
    }
    list += ']';
    (*read)->bind(1, kind).bind(2, list);
    for (;;) {
      auto row = (*read)->step();
      if (!row) {
        (*read)->reset();
        return row.error();
      }
      if (!*row) break;
      found[identity_key(kind, (*read)->text(0))] = {(*read)->int64(1), (*read)->int64(2)};
    }
    (*read)->reset();
  }
  batch_identities_ = std::move(found);

  // On a database server each new person would cost two round trips (a contact's id, then an
  // identity's, each waited for): ids for as many as the batch can bring are drawn at once.
  if (db_.backend() != db::Backend::kPostgres) return {};
  std::set<std::string> unknown;
  for (const auto& [kind, values] : by_kind) {
    for (const std::string* v : values) {
      std::string key = identity_key(kind, *v);
      if (!batch_identities_->count(key)) unknown.insert(std::move(key));
    }
  }
  if (unknown.empty()) return {};
  auto draw = [&](const char* sql, std::vector<std::int64_t>& ids) -> Status {
    auto stmt = cached(sql);
    if (!stmt) return stmt.error();
    (*stmt)->bind(1, static_cast<std::int64_t>(unknown.size()));
    for (;;) {
      auto row = (*stmt)->step();
      if (!row) {
        (*stmt)->reset();
        return row.error();
      }
      if (!*row) break;
      ids.push_back((*stmt)->int64(0));
    }
    (*stmt)->reset();
    // Used from the back, smallest first: ids grow in the order people are stored, as they
    // would one at a time.
    std::sort(ids.rbegin(), ids.rend());
    return {};
  };
  if (auto s = draw("SELECT nextval(pg_get_serial_sequence('contacts', 'id')) "
                    "FROM generate_series(1, ?1)",
                    drawn_contact_ids_);
      !s) {
    return s;
  }
  return draw("SELECT nextval(pg_get_serial_sequence('identities', 'id')) "
              "FROM generate_series(1, ?1)",
              drawn_identity_ids_);
}

Result<std::int64_t> SqlStore::resolve_identity(std::int64_t source_id, const Message& m,
                                                   UnixTime now, BatchResult& r) {
  std::vector<const Identity*> all{&m.identity};
  for (const Identity& a : m.also) all.push_back(&a);
  std::vector<std::int64_t> identity_of(all.size(), 0);
  std::vector<std::int64_t> contact_of(all.size(), 0);
  for (size_t i = 0; i < all.size(); ++i) {
    if (batch_identities_ && listable(all[i]->value)) {
      // The batch's identities, read at once (commit_batch_once).
      auto known = batch_identities_->find(identity_key(all[i]->kind, all[i]->value));
      if (known != batch_identities_->end()) {
        identity_of[i] = known->second.first;
        contact_of[i] = known->second.second;
      }
      continue;
    }
    auto find = cached(kFindIdentity);
    if (!find) return find.error();
    (*find)->bind(1, all[i]->kind).bind(2, all[i]->value);
    auto row = (*find)->step();
    if (!row) {
      (*find)->reset();
      return row.error();
    }
    if (*row) {
      identity_of[i] = (*find)->int64(0);
      contact_of[i] = (*find)->int64(1);
    }
    (*find)->reset();
  }

  // The person is whoever the answerable identity belongs to, else whoever another one does.
  std::int64_t target = contact_of[0];
  for (size_t i = 1; i < all.size() && !target; ++i) target = contact_of[i];
  if (!target) {
    const bool drawn = !drawn_contact_ids_.empty();
    auto contact = cached(drawn ? kInsertContactWithId : kInsertContact);
    if (!contact) return contact.error();
    (*contact)
        ->bind(1, m.display_name)
        .bind(2, m.display_name.empty() ? UnixTime{0} : m.received_at)
        .bind(3, m.received_at)
        .bind(4, now)
        .bind(5, fold_name(m.display_name));
    if (drawn) {
      target = drawn_contact_ids_.back();
      drawn_contact_ids_.pop_back();
      (*contact)->bind(6, target);
      if (auto s = (*contact)->run_deferred("storing message " + m.natural_key); !s) {
        return s.error();
      }
    } else {
      auto id = (*contact)->insert_id();
      if (!id) return id.error();
      target = *id;
    }
    ++r.contacts_added;
  }
  // One message carrying identities of two people joins them: a merge, with its evidence,
  // unless the creator has already said they are two people.
  for (size_t i = 0; i < all.size(); ++i) {
    std::int64_t other = contact_of[i];
    if (!other || other == target) continue;
    auto split = split_between(other, target);
    if (!split) return split.error();
    if (*split) continue;
    std::string evidence = "message " + m.natural_key + " is from both " + all[0]->kind + " " +
                           all[0]->value + " and " + all[i]->kind + " " + all[i]->value;
    // A merge moves identities to another person: what the batch read of them is stale, and
    // it reads the people's names and times, so what the batch saw of them is written first.
    batch_identities_.reset();
    if (auto s = write_seen("storing message " + m.natural_key); !s) return s.error();
    if (auto merged = merge_contacts(other, target, evidence, now); !merged) {
      return merged.error();
    }
    for (auto& c : contact_of) {
      if (c == other) c = target;
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (identity_of[i]) {
      if (all[i]->written.empty()) continue;
      Spelling& w = seen_written_[identity_of[i]];  // written at the batch's end (write_seen)
      if (!w.set || m.received_at >= w.at) w = {all[i]->written, m.received_at, true};
      continue;
    }
    const bool drawn = !drawn_identity_ids_.empty();
    auto identity = cached(drawn ? kInsertIdentityWithId : kInsertIdentity);
    if (!identity) return identity.error();
    (*identity)
        ->bind(1, all[i]->kind)
        .bind(2, all[i]->value)
        .bind(3, target)
        .bind(4, source_id)
        .bind(5, m.received_at)
        .bind(6, all[i]->written);
    if (drawn) {
      identity_of[i] = drawn_identity_ids_.back();
      drawn_identity_ids_.pop_back();
      (*identity)->bind(7, identity_of[i]);
      if (auto s = (*identity)->run_deferred("storing message " + m.natural_key); !s) {
        return s.error();
      }
    } else {
      auto id = (*identity)->insert_id();
      if (!id) return id.error();
      identity_of[i] = *id;
    }
    if (batch_identities_) (*batch_identities_)[identity_key(all[i]->kind, all[i]->value)] = {identity_of[i], target};
  }
  Seen& s = seen_contacts_[target];  // written once per person, at the batch's end (write_seen)
  s.first = std::min(s.first, m.received_at);
  s.last = std::max(s.last, m.received_at);
  if (!m.display_name.empty() && (!s.named || m.received_at >= s.name_at)) {
    s.name = m.display_name;
    s.name_at = m.received_at;
    s.named = true;
  }
  return identity_of[0];
}

Status SqlStore::write_seen(const std::string& doing) {
  // In the order of their ids: two writers of the same people (a network's shows sharing
  // them) take the rows' locks in one order, and do not wait on each other in a circle.
  for (const auto& [id, s] : seen_contacts_) {
    if (s.named) {
      // The rename first: it compares with the name's time before the touch moves it.
      auto rename = cached(kRenameContact);
      if (!rename) return rename.error();
      (*rename)->bind(1, id).bind(2, s.name).bind(3, s.name_at).bind(4, fold_name(s.name));
      if (auto st = (*rename)->run_deferred(doing); !st) return st;
    }
    auto touch = cached(kTouchContactRange);
    if (!touch) return touch.error();
    (*touch)
        ->bind(1, id)
        .bind(2, s.named ? s.name : std::string())
        .bind(3, s.name_at)
        .bind(4, s.first)
        .bind(5, s.last);
    if (auto st = (*touch)->run_deferred(doing); !st) return st;
  }
  seen_contacts_.clear();
  for (const auto& [id, w] : seen_written_) {
    auto written = cached(kUpdateWritten);
    if (!written) return written.error();
    (*written)->bind(1, id).bind(2, w.written).bind(3, w.at);
    if (auto st = (*written)->run_deferred(doing); !st) return st;
  }
  seen_written_.clear();
  return {};
}

Result<std::int64_t> SqlStore::merge_contacts(std::int64_t from, std::int64_t into,
                                                 std::string_view evidence, UnixTime now) {
  return atomically<std::int64_t>(db_, [&]() -> Result<std::int64_t> {
    if (from == into) {
      return make_error(ErrorCode::kUsage, "a person cannot be merged with themselves", "",
                        "name two different contacts");
    }
    struct Row {
      std::string name;
      std::int64_t name_at = 0, first = 0, last = 0;
      std::string notes;
      std::optional<std::int64_t> snoozed;
    };
    auto read = [&](std::int64_t id) -> Result<Row> {
      auto stmt = db_.prepare(
          "SELECT display_name, display_name_at, first_seen_at, last_seen_at, notes, "
          "snoozed_until, merged_into FROM contacts WHERE id = ?1");
      if (!stmt) return stmt.error();
      stmt->bind(1, id);
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) {
        return make_error(ErrorCode::kUsage, "no contact " + std::to_string(id), "",
                          "`rapport contacts list` shows their ids");
      }
      if (!stmt->is_null(6)) {
        return make_error(ErrorCode::kUsage,
                          "contact " + std::to_string(id) + " was merged into contact " +
                              std::to_string(stmt->int64(6)),
                          "", "use that contact's id");
      }
      return Row{stmt->text(0),  stmt->int64(1), stmt->int64(2),
                 stmt->int64(3), stmt->text(4),  stmt->optional_int64(5)};
    };
    auto a = read(from);
    if (!a) return a.error();
    auto b = read(into);
    if (!b) return b.error();
    Moved moved;
    moved.into_snoozed_until = b->snoozed;
    auto ids = [&](const char* sql) -> Result<std::vector<std::int64_t>> {
      auto stmt = db_.prepare(sql);
      if (!stmt) return stmt.error();
      stmt->bind(1, from);
      std::vector<std::int64_t> out;
      while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(stmt->int64(0));
      }
      return out;
    };
    auto identities = ids("SELECT id FROM identities WHERE contact_id = ?1 ORDER BY id");
    if (!identities) return identities.error();
    moved.identities = *identities;
    auto answers = ids("SELECT id FROM answers WHERE contact_id = ?1 ORDER BY id");
    if (!answers) return answers.error();
    moved.answers = *answers;
    auto notes = ids("SELECT id FROM contact_notes WHERE contact_id = ?1 ORDER BY id");
    if (!notes) return notes.error();
    moved.notes = *notes;
    {
      auto stmt = db_.prepare(
          "SELECT tag FROM contact_tags WHERE contact_id = ?1 AND tag NOT IN "
          "(SELECT tag FROM contact_tags WHERE contact_id = ?2) ORDER BY tag");
      if (!stmt) return stmt.error();
      stmt->bind(1, from).bind(2, into);
      while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        moved.tags.push_back(stmt->text(0));
      }
    }
    auto run = [&](const std::string& sql, auto... values) -> Status {
      auto stmt = db_.prepare(sql);
      if (!stmt) return stmt.error();
      int i = 0;
      (stmt->bind(++i, values), ...);
      return stmt->run();
    };
    if (auto s = run("UPDATE identities SET contact_id = ?1 WHERE contact_id = ?2", into, from); !s)
      return s.error();
    if (auto s = run("UPDATE answers SET contact_id = ?1 WHERE contact_id = ?2", into, from); !s)
      return s.error();
    if (auto s = run("UPDATE contact_notes SET contact_id = ?1 WHERE contact_id = ?2", into, from);
        !s)
      return s.error();
    if (auto s = run("INSERT OR IGNORE INTO contact_tags (contact_id, tag) SELECT ?1, tag FROM "
                     "contact_tags WHERE contact_id = ?2",
                     into, from);
        !s)
      return s.error();
    bool from_name = !a->name.empty() && a->name_at >= b->name_at;
    const std::string& name = from_name ? a->name : b->name;
    if (auto s = run("UPDATE contacts SET display_name = ?2, display_name_at = ?3, "
                     "first_seen_at = MIN(first_seen_at, ?4), last_seen_at = MAX(last_seen_at, ?5), "
                     "snoozed_until = COALESCE(snoozed_until, ?6), name_folded = ?7 WHERE id = ?1",
                     into, name, from_name ? a->name_at : b->name_at, a->first, a->last,
                     a->snoozed, fold_name(name));
        !s)
      return s.error();
    if (auto s = run("UPDATE contacts SET merged_into = ?2 WHERE id = ?1", from, into); !s)
      return s.error();
    auto merge = db_.prepare(
        "INSERT INTO merges (kind, from_contact_id, into_contact_id, evidence, moved, "
        "created_at) VALUES ('merge', ?1, ?2, ?3, ?4, ?5) RETURNING id");
    if (!merge) return merge.error();
    merge->bind(1, from).bind(2, into).bind(3, evidence).bind(4, moved.write()).bind(5, now);
    return merge->insert_id();
  });
}

Status SqlStore::recompute_contact(std::int64_t id) {
  auto stmt = db_.prepare(R"sql(
UPDATE contacts SET
  first_seen_at = COALESCE((SELECT MIN(m.received_at) FROM messages m
                             JOIN identities i ON i.id = m.identity_id
                            WHERE i.contact_id = ?1), first_seen_at),
  last_seen_at = COALESCE((SELECT MAX(m.received_at) FROM messages m
                            JOIN identities i ON i.id = m.identity_id
                           WHERE i.contact_id = ?1), last_seen_at),
  display_name = COALESCE((SELECT m.display_name FROM messages m
                            JOIN identities i ON i.id = m.identity_id
                           WHERE i.contact_id = ?1 AND m.display_name <> ''
                           ORDER BY m.received_at DESC, m.id DESC LIMIT 1), ''),
  display_name_at = COALESCE((SELECT m.received_at FROM messages m
                               JOIN identities i ON i.id = m.identity_id
                              WHERE i.contact_id = ?1 AND m.display_name <> ''
                              ORDER BY m.received_at DESC, m.id DESC LIMIT 1), 0)
WHERE id = ?1
)sql");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  return stmt->run();
}

Status SqlStore::unmerge(std::int64_t merge_id, UnixTime now) {
  auto done = atomically<bool>(db_, [&]() -> Result<bool> {
    auto stmt = db_.prepare(
        "SELECT kind, from_contact_id, into_contact_id, moved, undone_at FROM merges WHERE id = "
        "?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, merge_id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row || stmt->text(0) != "merge") {
      return make_error(ErrorCode::kUsage, "no merge " + std::to_string(merge_id), "",
                        "`rapport contacts show WHO` lists a person's merges with their ids");
    }
    if (!stmt->is_null(4)) {
      return make_error(ErrorCode::kUsage,
                        "merge " + std::to_string(merge_id) + " was undone already");
    }
    std::int64_t from = stmt->int64(1), into = stmt->int64(2);
    Moved moved = Moved::read(stmt->text(3));
    auto exec = [&](const std::string& sql) { return db_.exec(sql); };
    if (!moved.identities.empty()) {
      if (auto s = exec("UPDATE identities SET contact_id = " + std::to_string(from) +
                        " WHERE id IN (" + join_ids(moved.identities) + ")");
          !s)
        return s.error();
    }
    if (!moved.answers.empty()) {
      if (auto s = exec("UPDATE answers SET contact_id = " + std::to_string(from) +
                        " WHERE id IN (" + join_ids(moved.answers) + ")");
          !s)
        return s.error();
    }
    for (const auto& tag : moved.tags) {
      auto del = db_.prepare("DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2");
      if (!del) return del.error();
      del->bind(1, into).bind(2, tag);
      if (auto s = del->run(); !s) return s.error();
    }
    if (moved.lists_notes) {
      if (!moved.notes.empty()) {
        if (auto s = exec("UPDATE contact_notes SET contact_id = " + std::to_string(from) +
                          " WHERE id IN (" + join_ids(moved.notes) + ")");
            !s)
          return s.error();
      }
    } else {
      // A merge made while notes were text: `into` had the lines of into_notes; the others
      // came from `from` and go back.
      std::vector<std::string> kept = split_lines(moved.into_notes);
      auto notes = db_.prepare(
          "SELECT id, strftime('%Y-%m-%d', created_at, 'unixepoch') || ' ' || text "
          "FROM contact_notes WHERE contact_id = ?1");
      if (!notes) return notes.error();
      notes->bind(1, into);
      std::vector<std::int64_t> back;
      for (;;) {
        auto r = notes->step();
        if (!r) return r.error();
        if (!*r) break;
        if (std::find(kept.begin(), kept.end(), notes->text(1)) == kept.end()) {
          back.push_back(notes->int64(0));
        }
      }
      if (!back.empty()) {
        if (auto s = exec("UPDATE contact_notes SET contact_id = " + std::to_string(from) +
                          " WHERE id IN (" + join_ids(back) + ")");
            !s)
          return s.error();
      }
    }
    auto restore = db_.prepare("UPDATE contacts SET snoozed_until = ?2 WHERE id = ?1");
    if (!restore) return restore.error();
    restore->bind(1, into).bind(2, moved.into_snoozed_until);
    if (auto s = restore->run(); !s) return s.error();
    if (auto s = exec("UPDATE contacts SET merged_into = NULL WHERE id = " + std::to_string(from));
        !s)
      return s.error();
    if (auto s = recompute_contact(from); !s) return s.error();
    if (auto s = recompute_contact(into); !s) return s.error();
    auto mark = db_.prepare("UPDATE merges SET undone_at = ?2 WHERE id = ?1");
    if (!mark) return mark.error();
    mark->bind(1, merge_id).bind(2, now);
    if (auto s = mark->run(); !s) return s.error();
    auto split = db_.prepare(
        "INSERT INTO merges (kind, from_contact_id, into_contact_id, evidence, created_at) "
        "VALUES ('split', ?1, ?2, ?3, ?4)");
    if (!split) return split.error();
    split->bind(1, from)
        .bind(2, into)
        .bind(3, "undo of merge " + std::to_string(merge_id))
        .bind(4, now);
    if (auto s = split->run(); !s) return s.error();
    return true;
  });
  if (!done) return done.error();
  return {};
}

namespace {

constexpr const char kContactSummary[] = R"sql(
SELECT c.id, c.display_name, c.first_seen_at, c.last_seen_at,
  (SELECT group_concat(line, char(10)) FROM
     (SELECT strftime('%Y-%m-%d', created_at, 'unixepoch') || ' ' || text AS line
        FROM contact_notes WHERE contact_id = c.id ORDER BY created_at, id)),
  (SELECT COUNT(*) FROM messages m JOIN identities i ON i.id = m.identity_id
    WHERE i.contact_id = c.id AND m.class = 'human'),
  (SELECT MAX(m.received_at) FROM messages m JOIN identities i ON i.id = m.identity_id
    WHERE i.contact_id = c.id AND m.class = 'human'),
  (SELECT MAX(at) FROM (SELECT answered_at AS at FROM answers WHERE contact_id = c.id
                        UNION ALL
                        SELECT s.sent_at FROM sent_mail s
                          JOIN identities i ON i.kind = 'email' AND i.value = s.recipient
                         WHERE i.contact_id = c.id)),
  (SELECT group_concat(kind || char(31) || value || char(31) || written, char(10)) FROM
     (SELECT kind, value, written FROM identities WHERE contact_id = c.id ORDER BY id)),
  (SELECT group_concat(tag, char(10)) FROM
     (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)),
  (SELECT group_concat(name, char(10)) FROM
     (SELECT DISTINCT s.name FROM messages m JOIN identities i ON i.id = m.identity_id
        JOIN sources s ON s.id = m.source_id WHERE i.contact_id = c.id ORDER BY s.name)),
  c.snoozed_until
FROM contacts c
)sql";

ContactSummary read_summary(db::Statement& s) {
  ContactSummary c;
  c.id = s.int64(0);
  c.display_name = s.text(1);
  c.first_seen_at = s.int64(2);
  c.last_seen_at = s.int64(3);
  c.notes = s.text(4);
  c.messages = s.int64(5);
  std::optional<std::int64_t> last_human = s.optional_int64(6);
  c.last_answered_at = s.optional_int64(7);
  c.waiting = last_human && (!c.last_answered_at || *last_human > *c.last_answered_at);
  for (const auto& line : split_lines(s.text(8))) {
    size_t a = line.find('\x1f');
    size_t b = a == std::string::npos ? a : line.find('\x1f', a + 1);
    if (b == std::string::npos) continue;
    c.identities.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  c.tags = split_lines(s.text(9));
  c.sources = split_lines(s.text(10));
  c.snoozed_until = s.optional_int64(11);
  std::erase(c.tags, std::string());
  std::erase(c.sources, std::string());
  return c;
}

}  // namespace

Result<std::vector<ContactSummary>> SqlStore::contacts(const ContactFilter& f) {
  auto stmt = db_.prepare(std::string(kContactSummary) +
                          " WHERE c.merged_into IS NULL ORDER BY c.last_seen_at DESC, c.id DESC");
  if (!stmt) return stmt.error();
  std::vector<ContactSummary> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    ContactSummary c = read_summary(*stmt);
    if (f.unanswered && !c.waiting) continue;
    if (f.first_time && c.messages != 1) continue;
    if (!f.tag.empty() &&
        std::find(c.tags.begin(), c.tags.end(), fold_case(f.tag)) == c.tags.end()) {
      continue;
    }
    if (!f.source.empty() &&
        std::find(c.sources.begin(), c.sources.end(), f.source) == c.sources.end()) {
      continue;
    }
    if (f.since && c.last_seen_at < *f.since) continue;
    out.push_back(std::move(c));
  }
  return out;
}

Result<ContactDetail> SqlStore::contact_detail(std::int64_t id, bool full_text) {
  ContactDetail d;
  {
    auto stmt = db_.prepare(std::string(kContactSummary) + " WHERE c.id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) {
      return make_error(ErrorCode::kNotFound, "no contact " + std::to_string(id), db_.path(),
                        "`rapport contacts list` shows their ids");
    }
    d.contact = read_summary(*stmt);
  }
  {
    auto notes = db_.prepare(
        "SELECT id, text, created_at, edited_at FROM contact_notes WHERE contact_id = ?1 "
        "ORDER BY created_at, id");
    if (!notes) return notes.error();
    notes->bind(1, id);
    for (;;) {
      auto row = notes->step();
      if (!row) return row.error();
      if (!*row) break;
      d.notes.push_back({notes->int64(0), notes->text(1), notes->int64(2), notes->optional_int64(3)});
    }
  }
  auto timeline = db_.prepare(R"sql(
SELECT m.received_at, 'message', s.name, m.kind, m.class, m.subject, COALESCE(e.title, ''),
       CASE WHEN ?2 <> 0 THEN m.reply_text ELSE substr(m.reply_text, 1, 200) END, m.id
  FROM messages m JOIN identities i ON i.id = m.identity_id
  JOIN sources s ON s.id = m.source_id LEFT JOIN episodes e ON e.id = m.episode_id
 WHERE i.contact_id = ?1
UNION ALL
SELECT a.answered_at, 'answer', '', a.how, '', '', '', '', 0 FROM answers a WHERE a.contact_id = ?1
UNION ALL
SELECT s.sent_at, 'answer', COALESCE(src.name, ''), 'sent_folder', '', s.subject, '', '', 0
  FROM sent_mail s JOIN identities i ON i.kind = 'email' AND i.value = s.recipient
  LEFT JOIN sources src ON src.id = s.source_id
 WHERE i.contact_id = ?1
ORDER BY 1, 2 DESC
)sql");
  if (!timeline) return timeline.error();
  timeline->bind(1, id).bind(2, full_text ? 1 : 0);
  while (true) {
    auto row = timeline->step();
    if (!row) return row.error();
    if (!*row) break;
    TimelineEntry t;
    t.at = timeline->int64(0);
    t.what = timeline->text(1);
    t.source = timeline->text(2);
    t.kind = timeline->text(3);
    t.message_class = timeline->text(4);
    t.subject = timeline->text(5);
    t.episode = timeline->text(6);
    t.excerpt = timeline->text(7);
    t.message_id = timeline->int64(8);
    d.timeline.push_back(std::move(t));
  }
  auto merges = db_.prepare(
      "SELECT id, kind, from_contact_id, into_contact_id, evidence, created_at, undone_at "
      "FROM merges WHERE from_contact_id = ?1 OR into_contact_id = ?1 ORDER BY id");
  if (!merges) return merges.error();
  merges->bind(1, id);
  while (true) {
    auto row = merges->step();
    if (!row) return row.error();
    if (!*row) break;
    d.merges.push_back({merges->int64(0), merges->text(1), merges->int64(2), merges->int64(3),
                        merges->text(4), merges->int64(5), merges->optional_int64(6)});
  }
  return d;
}

Result<std::vector<ContactRecord>> SqlStore::contact_records() {
  std::vector<ContactRecord> out;
  std::map<std::int64_t, size_t> at;
  auto people =
      db_.prepare("SELECT id, display_name FROM contacts WHERE merged_into IS NULL ORDER BY id");
  if (!people) return people.error();
  while (true) {
    auto row = people->step();
    if (!row) return row.error();
    if (!*row) break;
    at[people->int64(0)] = out.size();
    out.push_back({people->int64(0), people->text(1), {}});
  }
  auto ids = db_.prepare(
      "SELECT contact_id, kind, value, written FROM identities ORDER BY contact_id, id");
  if (!ids) return ids.error();
  while (true) {
    auto row = ids->step();
    if (!row) return row.error();
    if (!*row) break;
    if (auto it = at.find(ids->int64(0)); it != at.end()) {
      out[it->second].identities.push_back({ids->text(1), ids->text(2), ids->text(3)});
    }
  }
  return out;
}

Result<std::set<std::pair<std::int64_t, std::int64_t>>> SqlStore::contacts_apart() {
  auto stmt =
      db_.prepare("SELECT from_contact_id, into_contact_id FROM merges WHERE kind = 'split'");
  if (!stmt) return stmt.error();
  std::set<std::pair<std::int64_t, std::int64_t>> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.insert(std::minmax(stmt->int64(0), stmt->int64(1)));
  }
  return out;
}

Status SqlStore::keep_apart(std::int64_t a, std::int64_t b, std::string_view evidence,
                               UnixTime now) {
  if (a == b) {
    return make_error(ErrorCode::kUsage, "a person cannot be kept apart from themselves", "", "");
  }
  auto stmt = db_.prepare(
      "INSERT INTO merges (kind, from_contact_id, into_contact_id, evidence, created_at) "
      "VALUES ('split', ?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, a).bind(2, b).bind(3, evidence).bind(4, now);
  return stmt->run();
}

Status SqlStore::tag_contact(std::int64_t contact_id, std::string_view tag, bool add) {
  std::string folded = fold_case(trim(tag));
  auto stmt =
      db_.prepare(add ? "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?1, ?2)"
                      : "DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, folded);
  if (auto s = stmt->run(); !s) return s;
  if (!add && db_.changes() == 0) {
    return make_error(ErrorCode::kNotFound, "no tag \"" + printable(folded, 100) + "\" to remove",
                      "", "`rapport contacts show WHO` lists their tags");
  }
  return {};
}

Result<std::int64_t> SqlStore::add_note(std::int64_t contact_id, std::string_view note,
                                           UnixTime now) {
  auto stmt =
      db_.prepare("INSERT INTO contact_notes (contact_id, text, created_at) VALUES (?1, ?2, ?3) "
                  "RETURNING id");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, trim(note)).bind(3, now);
  return stmt->insert_id();
}

Status SqlStore::edit_note(std::int64_t contact_id, std::int64_t note_id, std::string_view note,
                              UnixTime now) {
  auto stmt = db_.prepare(
      "UPDATE contact_notes SET text = ?3, edited_at = ?4 WHERE id = ?2 AND contact_id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, note_id).bind(3, trim(note)).bind(4, now);
  if (auto s = stmt->run(); !s) return s;
  if (db_.changes() == 0) {
    return make_error(ErrorCode::kNotFound,
                      "they have no note " + std::to_string(note_id), "",
                      "`rapport contacts show WHO` lists their notes with their numbers");
  }
  return {};
}

Status SqlStore::delete_note(std::int64_t contact_id, std::int64_t note_id) {
  auto stmt = db_.prepare("DELETE FROM contact_notes WHERE id = ?2 AND contact_id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, note_id);
  if (auto s = stmt->run(); !s) return s;
  if (db_.changes() == 0) {
    return make_error(ErrorCode::kNotFound,
                      "they have no note " + std::to_string(note_id), "",
                      "`rapport contacts show WHO` lists their notes with their numbers");
  }
  return {};
}

namespace {

// The words of a search as an FTS5 query: each word quoted (so nothing in it is syntax) and
// taken as the start of a word; all of them must appear. Empty when the text has no word.
std::string match_expression(std::string_view text) {
  std::string out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += '"' + word + "\"*";
    word.clear();
  };
  for (size_t i = 0; i < text.size() && out.size() < 1000; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    // Letters and digits (and every byte of a non-ASCII character) make words; the rest
    // separates them, as the unicode61 tokenizer does.
    if (c >= 0x80 || std::isalnum(c)) {
      word += static_cast<char>(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

// The same for PostgreSQL's full-text search: each word of the folded text (see
// words_for_search) as the start of a word, all of them required; a to_tsquery expression.
std::string tsquery_expression(std::string_view text) {
  std::string out;
  const std::string folded = fold_name(text);  // words and single spaces only
  size_t at = 0;
  while (at < folded.size() && out.size() < 1000) {
    size_t end = folded.find(' ', at);
    if (end == std::string::npos) end = folded.size();
    if (end > at) {
      if (!out.empty()) out += " & ";
      out += '\'';
      for (char c : folded.substr(at, end - at)) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
      }
      out += "':*";
    }
    at = end + 1;
  }
  return out;
}

// What PostgreSQL's index holds of a message: its subject and words folded as names are
// (case, accents and marks aside, as SQLite's unicode61 tokenizer with remove_diacritics reads
// them), at most 256 KB of them (a tsvector holds at most 1 MB).
std::string words_for_search(const std::string& subject, const std::string& reply_text) {
  constexpr size_t kMaxBytes = 256 * 1024;
  std::string text = subject + "\n" + reply_text.substr(0, kMaxBytes);
  std::string folded = fold_name(text);
  if (folded.size() > kMaxBytes) {
    size_t cut = folded.rfind(' ', kMaxBytes);
    folded.resize(cut == std::string::npos ? 0 : cut);
  }
  return folded;
}

// The digits of a phone as written, without a national trunk prefix ("07700 900123" is
// "7700900123"), to be found inside an E.164 number ("+447700900123").
std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out += c;
  }
  out.erase(0, out.find_first_not_of('0'));
  return out;
}

}  // namespace

Result<std::int64_t> SqlStore::index_for_search(std::int64_t max_messages) {
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto from = cached("SELECT indexed_to FROM search_index");
  if (!from) return from.error();
  auto row = (*from)->step();
  if (!row) return row.error();
  std::int64_t indexed_to = *row ? (*from)->int64(0) : 0;
  (*from)->reset();
  auto upto = cached(
      "SELECT MAX(id) FROM (SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)");
  if (!upto) return upto.error();
  (*upto)->bind(1, indexed_to).bind(2, max_messages);
  row = (*upto)->step();
  if (!row) return row.error();
  std::optional<std::int64_t> to = (*upto)->optional_int64(0);
  (*upto)->reset();
  if (!to) return std::int64_t{0};
  std::int64_t added = 0;
  if (db_.backend() == db::Backend::kPostgres) {
    // Folded here, where fold_name is: PostgreSQL's own would keep the accents.
    auto read = cached("SELECT id, subject, reply_text FROM messages WHERE id > ?1 AND id <= ?2");
    if (!read) return read.error();
    auto add = cached(
        "INSERT INTO messages_fts (id, words) VALUES (?1, to_tsvector('simple', ?2)) "
        "ON CONFLICT (id) DO NOTHING");
    if (!add) return add.error();
    (*read)->bind(1, indexed_to).bind(2, *to);
    for (;;) {
      auto more = (*read)->step();
      if (!more) return more.error();
      if (!*more) break;
      (*add)->bind(1, (*read)->int64(0)).bind(2, words_for_search((*read)->text(1), (*read)->text(2)));
      if (auto s = (*add)->run(); !s) return s.error();
      added += db_.changes();
    }
    (*read)->reset();
  } else {
    auto add = cached(
        "INSERT INTO messages_fts (rowid, subject, reply_text) "
        "SELECT id, subject, reply_text FROM messages WHERE id > ?1 AND id <= ?2");
    if (!add) return add.error();
    (*add)->bind(1, indexed_to).bind(2, *to);
    if (auto s = (*add)->run(); !s) return s.error();
    added = db_.changes();
  }
  auto mark = cached("UPDATE search_index SET indexed_to = ?1");
  if (!mark) return mark.error();
  (*mark)->bind(1, *to);
  if (auto s = (*mark)->run(); !s) return s.error();
  if (auto s = tx->commit(); !s) return s.error();
  return added;
}

Result<SearchResults> SqlStore::search(const SearchQuery& q) {
  // Up to date first, in chunks, so a first search after a large import does not hold the
  // database for long at a time.
  for (;;) {
    auto added = index_for_search(20'000);
    if (!added) return added.error();
    if (*added == 0) break;
  }
  SearchResults out;
  const int limit = std::clamp(q.limit, 1, 500);
  const std::string text(trim(q.text));
  const std::string folded = fold_name(text);
  const std::string lowered = ascii_lower(text);
  const std::string digits = digits_of(text);
  const bool on_postgres = db_.backend() == db::Backend::kPostgres;
  const std::string words = on_postgres ? tsquery_expression(text) : match_expression(text);
  // People: by name (from the start of any word of it), by any part of an address, phone or
  // handle; narrowed by tag, source and episode. ?1 folded name (letters, digits and spaces
  // only, so nothing in it is a LIKE wildcard), ?2 lowered text, ?8 the same without dots
  // (Gmail addresses are kept without the dots of their local part), ?3 digits (6 or more,
  // else none), ?4 tag, ?5 source, ?6 episode words, ?7 limit. Addresses are matched in
  // their normal form (lower case): reading each as written, lower-cased, tripled the time.
  static constexpr const char* kPeople = R"sql(
WITH hits AS (
  SELECT id AS contact_id FROM contacts
   WHERE ?1 <> '' AND merged_into IS NULL
     AND (name_folded LIKE ?1 || '%' OR name_folded LIKE '% ' || ?1 || '%')
  UNION
  SELECT contact_id FROM identities
   WHERE instr(value, ?2) > 0 OR (?8 <> '' AND instr(value, ?8) > 0)
      OR (?3 <> '' AND kind = 'phone' AND instr(value, ?3) > 0)
)
SELECT c.id FROM @FROM@
WHERE c.merged_into IS NULL
  AND (?4 = '' OR EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?4))
  AND (?5 = '' OR EXISTS (SELECT 1 FROM identities i JOIN messages m ON m.identity_id = i.id
                            JOIN sources s ON s.id = m.source_id
                           WHERE i.contact_id = c.id AND s.name = ?5))
  AND (?6 = '' OR c.id IN (SELECT i.contact_id FROM messages m
                             JOIN identities i ON i.id = m.identity_id
                            WHERE m.episode_id IN (SELECT id FROM episodes
                                                    WHERE instr(lower(title), ?6) > 0)))
ORDER BY c.last_seen_at DESC, c.id DESC
LIMIT ?7
)sql";
  const std::string tag = fold_case(trim(q.tag));
  const std::string episode = ascii_lower(trim(q.episode));
  const bool narrowed = !tag.empty() || !q.source.empty() || !episode.empty();
  if (!text.empty() || narrowed) {
    // With words, from what they match (a few thousand people at most, not every contact).
    std::string sql = kPeople;
    sql.replace(sql.find("@FROM@"), 6,
                text.empty() ? "contacts c"
                             : "hits h JOIN contacts c ON c.id = h.contact_id");
    auto people = db_.prepare(sql);
    if (!people) return people.error();
    people->bind(1, folded)
        .bind(2, lowered)
        .bind(3, digits.size() >= 6 ? digits : std::string())
        .bind(4, tag)
        .bind(5, q.source)
        .bind(6, episode)
        .bind(7, limit + 1);
    std::string dotless = lowered;
    dotless.erase(std::remove(dotless.begin(), dotless.end(), '.'), dotless.end());
    people->bind(8, dotless != lowered ? dotless : std::string());
    std::vector<std::int64_t> ids;
    for (;;) {
      auto row = people->step();
      if (!row) return row.error();
      if (!*row) break;
      ids.push_back(people->int64(0));
    }
    if (static_cast<int>(ids.size()) > limit) {
      out.more_people = true;
      ids.resize(static_cast<size_t>(limit));
    }
    auto one = db_.prepare(std::string(kContactSummary) + " WHERE c.id = ?1");
    if (!one) return one.error();
    for (std::int64_t id : ids) {
      one->bind(1, id);
      auto row = one->step();
      if (!row) return row.error();
      if (*row) out.people.push_back(read_summary(*one));
      one->reset();
    }
  }
  // Messages: those holding every word, newest first (the index reads them in that order and
  // stops at the limit, where ranking would score every match of a common word first); with
  // no words, those answering the episode, newest first. Tag and source only narrow these.
  static constexpr const char* kHitColumns =
      "SELECT m.id, i.contact_id, c.display_name, m.received_at, m.subject, s.name, m.kind, ";
  static constexpr const char* kHitFilters = R"sql(
JOIN identities i ON i.id = m.identity_id
JOIN contacts c ON c.id = i.contact_id
JOIN sources s ON s.id = m.source_id
WHERE m.class = 'human'
  AND (?2 = '' OR EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?2))
  AND (?3 = '' OR s.name = ?3)
)sql";
  auto read_hits = [&](db::Statement& st) -> Status {
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) return {};
      if (static_cast<int>(out.messages.size()) == limit) {
        out.more_messages = true;
        return {};
      }
      MessageHit h;
      h.message_id = st.int64(0);
      h.contact_id = st.int64(1);
      h.contact_name = st.text(2);
      h.received_at = st.int64(3);
      h.subject = st.text(4);
      h.source = st.text(5);
      h.kind = st.text(6);
      h.snippet = st.text(7);
      out.messages.push_back(std::move(h));
    }
  };
  if (!words.empty()) {
    // The words that match marked as \x02 before, \x03 after, about 24 words around the first
    // match: SQLite's snippet(), and PostgreSQL's ts_headline told to do the same.
    const char* kSqliteWords =
        "snippet(messages_fts, 1, char(2), char(3), '\u2026', 24) "
        "FROM messages_fts f JOIN messages m ON m.id = f.rowid ";
    const char* kSqliteMatch = "  AND messages_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT ?5";
    const char* kPostgresWords =
        "ts_headline('simple', m.reply_text, to_tsquery('simple', ?1), "
        "'StartSel=\"\x02\", StopSel=\"\x03\", MaxWords=24, MinWords=12, "
        "ShortWord=0, MaxFragments=1, FragmentDelimiter=\"\u2026\"') "
        "FROM messages_fts f JOIN messages m ON m.id = f.id ";
    const char* kPostgresMatch =
        "  AND f.words @@ to_tsquery('simple', ?1) ORDER BY f.id DESC LIMIT ?5";
    std::string sql = std::string(kHitColumns) + (on_postgres ? kPostgresWords : kSqliteWords) +
                      kHitFilters +
                      "  AND (?4 = '' OR m.episode_id IN (SELECT id FROM episodes "
                      "WHERE instr(lower(title), ?4) > 0))\n" +
                      (on_postgres ? kPostgresMatch : kSqliteMatch);
    auto st = db_.prepare(sql);
    if (!st) return st.error();
    st->bind(1, words).bind(2, tag).bind(3, q.source).bind(4, episode).bind(5, limit + 1);
    if (auto s = read_hits(*st); !s) return s.error();
  } else if (!episode.empty()) {
    // The episode's messages by id from its index, a window at a time, newest first; each
    // window's rows read and filtered: never every message of a popular episode.
    auto window = db_.prepare(
        "SELECT id FROM messages WHERE episode_id IN "
        "(SELECT id FROM episodes WHERE instr(lower(title), ?1) > 0) AND id < ?2 "
        "ORDER BY id DESC LIMIT 256");
    if (!window) return window.error();
    auto rows = db_.prepare(std::string(kHitColumns) +
                            "substr(m.reply_text, 1, 300) FROM messages m " + kHitFilters +
                            "  AND m.id IN (SELECT CAST(value AS INTEGER) FROM json_each(?1)) "
                            "ORDER BY m.id DESC");
    if (!rows) return rows.error();
    std::int64_t below = std::numeric_limits<std::int64_t>::max();
    while (!out.more_messages) {
      window->bind(1, episode).bind(2, below);
      std::string ids;
      for (;;) {
        auto row = window->step();
        if (!row) return row.error();
        if (!*row) break;
        below = window->int64(0);
        ids += (ids.empty() ? "[" : ",") + std::to_string(below);
      }
      window->reset();
      if (ids.empty()) break;
      ids += "]";
      rows->bind(1, ids).bind(2, tag).bind(3, q.source);
      Status s = read_hits(*rows);
      rows->reset();
      if (!s) return s.error();
    }
  }
  return out;
}

}  // namespace rapport
