#include "store/sql_store.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <limits>
#include <system_error>
#include <unordered_map>

#include "core/json_writer.h"
#include "core/process.h"
#include "core/text.h"
#include "core/unicode.h"
#include "store/migrations.h"
#include "store/postgres_schema.h"

namespace rapport {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

std::string join_refs(const std::vector<std::string>& refs) {
  std::string out;
  for (const auto& r : refs) {
    if (!out.empty()) out += ' ';
    out += '<' + r + '>';
  }
  return out;
}

// The attachments column: one line each, "SIZE\tTYPE\tNAME" (a name never holds a tab or a
// line end: printable() took them out).
std::string join_attachments(const std::vector<Attachment>& all) {
  std::string out;
  for (const auto& a : all) {
    out += std::to_string(a.size) + "\t" + a.type + "\t" + a.name + "\n";
  }
  return out;
}

// The ids of a refs column ("<a@x> <b@y>"), without their brackets.
std::vector<std::string> split_refs(const std::string& refs) {
  std::vector<std::string> out;
  for (size_t at = refs.find('<'); at != std::string::npos; at = refs.find('<', at + 1)) {
    size_t end = refs.find('>', at);
    if (end == std::string::npos) break;
    out.push_back(refs.substr(at + 1, end - at - 1));
    at = end;
  }
  return out;
}

SourceState read_source(const db::Statement& s) {
  SourceState st;
  st.id = s.int64(0);
  st.kind = s.text(1);
  st.name = s.text(2);
  st.location = s.text(3);
  st.cursor = s.text(4);
  st.last_attempt_at = s.optional_int64(5);
  st.last_success_at = s.optional_int64(6);
  st.last_error = s.text(7);
  st.last_warnings = s.text(8);
  st.consecutive_failures = static_cast<int>(s.int64(9));
  st.moved_to = s.text(10);
  st.dead_since = s.optional_int64(11);
  st.next_due_at = s.optional_int64(12);
  st.next_poll_at = s.optional_int64(13);
  st.reading_since = s.optional_int64(14);
  st.retired_at = s.optional_int64(15);
  st.lease_holder = s.text(16);
  st.lease_until = s.optional_int64(17);
  return st;
}

constexpr const char* kSourceColumns =
    "id, kind, name, location, cursor, last_attempt_at, last_success_at, last_error, "
    "last_warnings, consecutive_failures, moved_to, dead_since, next_due_at, next_poll_at, "
    "reading_since, retired_at, lease_holder, lease_until";

// Statements used per row of a batch; prepared once per store.
constexpr const char kFindEpisode[] =
    "SELECT id, title, link, published_at, published_text, episode_number, season, "
    "duration_seconds, comments_feed, social_thread FROM episodes "
    "WHERE source_id = ?1 AND guid = ?2";
constexpr const char kInsertEpisode[] =
    "INSERT INTO episodes (source_id, guid, title, link, published_at, published_text, "
    "episode_number, season, duration_seconds, first_seen_at, comments_feed, social_thread) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char kUpdateEpisode[] =
    "UPDATE episodes SET title = ?2, link = ?3, published_at = ?4, published_text = ?5, "
    "episode_number = ?6, season = ?7, duration_seconds = ?8, comments_feed = ?9, "
    "social_thread = ?10 WHERE id = ?1";
constexpr const char kMessageExists[] = "SELECT 1 FROM messages WHERE natural_key = ?1";
constexpr const char kInsertMessage[] =
    "INSERT INTO messages (natural_key, source_id, source_ref, kind, class, class_reason, "
    "received_at, date_text, from_name, from_address, subject, message_id, in_reply_to, refs, "
    "body_text, reply_text, episode_id, identity_id, warnings, stored_at, url, details, "
    "amount_sats, reply_chars, asks_question, display_name, episode_ref, attachments, rating) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)";
}  // namespace

SqlStore::SqlStore(db::Database db) : db_(std::move(db)), lease_holder_(process_label()) {}

Result<std::unique_ptr<SqlStore>> SqlStore::open(const std::string& path) {
  if (path != ":memory:") {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return make_error(ErrorCode::kIo, "cannot create folder: " + ec.message(), parent.string(),
                        "set [store] path to a writable location");
    }
  }
  auto db = sqlite::open(path);
  if (!db) return db.error();
  auto version = migrate(*db);
  if (!version) return version.error();
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(*db)));
  if (auto s = store->fold_stored_names(); !s) return s.error();
  if (auto s = store->move_text_notes(); !s) return s.error();
  return store;
}

Result<std::unique_ptr<SqlStore>> SqlStore::open_postgres(
    const postgres::ConnectOptions& options, const postgres::Layout& layout) {
  postgres::ConnectOptions show = options;
  show.search_path = layout.search_path();
  auto db = postgres::open(show);
  if (!db) return db.error();
  auto version = postgres::migrate(*db, layout);
  if (!version) return version.error();
  // Notes as rows and folded names came with the schema PostgreSQL starts from: nothing of
  // SQLite's upgrades to finish here.
  return std::unique_ptr<SqlStore>(new SqlStore(std::move(*db)));
}

Status SqlStore::move_text_notes() {
  // Notes kept as lines of contacts.notes before migration 18 ("YYYY-MM-DD text"): one row
  // each, dated as written. Done once; nothing to do is found through a quick scan.
  auto find = db_.prepare("SELECT id, notes FROM contacts WHERE notes <> ''");
  if (!find) return find.error();
  std::vector<std::pair<std::int64_t, std::string>> todo;
  for (;;) {
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) break;
    todo.emplace_back(find->int64(0), find->text(1));
  }
  if (todo.empty()) return {};
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto insert =
      db_.prepare("INSERT INTO contact_notes (contact_id, text, created_at) VALUES (?1, ?2, ?3)");
  auto clear = db_.prepare("UPDATE contacts SET notes = '' WHERE id = ?1");
  if (!insert) return insert.error();
  if (!clear) return clear.error();
  for (const auto& [id, notes] : todo) {
    for (const std::string& line : split_lines(notes)) {
      if (trim(line).empty()) continue;
      UnixTime at = 0;
      std::string text = line;
      int y = 0, m = 0, d = 0;
      if (line.size() > 11 && std::sscanf(line.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3 &&
          line[10] == ' ') {
        std::tm tm{};
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        at = timegm(&tm);
        text = line.substr(11);
      }
      insert->bind(1, id).bind(2, text).bind(3, at);
      if (auto st = insert->run(); !st) return st.error();
    }
    clear->bind(1, id);
    if (auto st = clear->run(); !st) return st.error();
  }
  return tx->commit();
}

Status SqlStore::fold_stored_names() {
  // Names stored before they were folded (migration 17 adds the column; folding is C++): done
  // once, found through the index when there is nothing to do.
  auto find = db_.prepare(
      "SELECT id, display_name FROM contacts WHERE name_folded = '' AND display_name <> '' "
      "AND merged_into IS NULL");
  if (!find) return find.error();
  std::vector<std::pair<std::int64_t, std::string>> todo;
  for (;;) {
    auto row = find->step();
    if (!row) return row.error();
    if (!*row) break;
    todo.emplace_back(find->int64(0), find->text(1));
  }
  if (todo.empty()) return {};
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto update = db_.prepare("UPDATE contacts SET name_folded = ?2 WHERE id = ?1");
  if (!update) return update.error();
  for (const auto& [id, name] : todo) {
    update->bind(1, id).bind(2, fold_name(name));
    if (auto s = update->run(); !s) return s.error();
  }
  return tx->commit();
}

Result<db::Statement*> SqlStore::cached(const char* sql) {
  for (auto& [key, stmt] : statements_) {
    if (key == sql) {
      stmt.reset();
      return &stmt;
    }
  }
  auto stmt = db_.prepare(sql);
  if (!stmt) return stmt.error();
  statements_.emplace_back(sql, std::move(*stmt));
  return &statements_.back().second;
}

Result<SourceState> SqlStore::source(std::string_view kind, std::string_view name,
                                        std::string_view location, UnixTime now) {
  std::string select =
      std::string("SELECT ") + kSourceColumns + ", forgotten FROM sources WHERE name = ?1";
  auto find = db_.prepare(select);
  if (!find) return find.error();
  find->bind(1, name);
  auto row = find->step();
  if (!row) return row.error();
  if (*row) {
    SourceState st = read_source(*find);
    bool forgotten = find->int64(18) != 0;
    if (st.kind == kind && st.location == location && !forgotten) {
      if (st.retired_at) {
        // Named by the config again: back in status and digests, where it stopped.
        auto revive = db_.prepare("UPDATE sources SET retired_at = NULL WHERE id = ?1");
        if (!revive) return revive.error();
        revive->bind(1, st.id);
        if (auto s = revive->run(); !s) return s.error();
        st.retired_at.reset();
      }
      return st;
    }
    // The config now points this name elsewhere (or names a source it was told to forget):
    // start that source afresh and read it at once, forgetting that the old location was gone
    // or had moved.
    auto update = db_.prepare(
        "UPDATE sources SET kind = ?2, location = ?3, cursor = '', consecutive_failures = 0, "
        "last_error = '', last_warnings = '', moved_to = '', dead_since = NULL, "
        "next_due_at = NULL, next_poll_at = NULL, reading_since = NULL, retired_at = NULL, "
        "forgotten = 0 WHERE id = ?1");
    if (!update) return update.error();
    update->bind(1, st.id).bind(2, kind).bind(3, location);
    if (auto s = update->run(); !s) return s.error();
    st.kind = kind;
    st.location = location;
    st.cursor.clear();
    st.consecutive_failures = 0;
    st.last_error.clear();
    st.last_warnings.clear();
    st.moved_to.clear();
    st.dead_since.reset();
    st.next_due_at.reset();
    st.next_poll_at.reset();
    st.reading_since.reset();
    st.retired_at.reset();
    return st;
  }
  auto insert =
      db_.prepare("INSERT INTO sources (kind, name, location, created_at) VALUES (?1, ?2, ?3, ?4) "
                  "RETURNING id");
  if (!insert) return insert.error();
  insert->bind(1, kind).bind(2, name).bind(3, location).bind(4, now);
  auto id = insert->insert_id();
  if (!id) return id.error();
  SourceState st;
  st.id = *id;
  st.kind = kind;
  st.name = name;
  st.location = location;
  return st;
}

Result<std::vector<SourceState>> SqlStore::sources() {
  auto stmt = db_.prepare(std::string("SELECT ") + kSourceColumns +
                          " FROM sources WHERE forgotten = 0 ORDER BY name");
  if (!stmt) return stmt.error();
  std::vector<SourceState> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_source(*stmt));
  }
  return out;
}

Status SqlStore::write_episode(std::int64_t source_id, const Episode& e, UnixTime now,
                                  BatchResult& r) {
  auto find = cached(kFindEpisode);
  if (!find) return find.error();
  db::Statement& f = **find;
  f.bind(1, source_id).bind(2, e.guid);
  auto row = f.step();
  if (!row) return row.error();
  if (*row) {
    std::int64_t id = f.int64(0);
    bool same =
        f.text(1) == e.title && f.text(2) == e.link && f.optional_int64(3) == e.published_at &&
        f.text(4) == e.published_text &&
        f.optional_int64(5) == (e.number ? std::optional<std::int64_t>(*e.number) : std::nullopt) &&
        f.optional_int64(6) == (e.season ? std::optional<std::int64_t>(*e.season) : std::nullopt) &&
        f.optional_int64(7) ==
            (e.duration_seconds ? std::optional<std::int64_t>(*e.duration_seconds) : std::nullopt) &&
        f.text(8) == e.comments_feed && f.text(9) == e.social_thread;
    f.reset();
    if (same) return {};
    auto update = cached(kUpdateEpisode);
    if (!update) return update.error();
    (*update)
        ->bind(1, id)
        .bind(2, e.title)
        .bind(3, e.link)
        .bind(4, e.published_at)
        .bind(5, e.published_text)
        .bind(6, e.number)
        .bind(7, e.season)
        .bind(8, e.duration_seconds)
        .bind(9, e.comments_feed)
        .bind(10, e.social_thread);
    if (auto s = (*update)->run(); !s) return s;
    ++r.episodes_updated;
    return {};
  }
  f.reset();
  auto insert = cached(kInsertEpisode);
  if (!insert) return insert.error();
  (*insert)
      ->bind(1, source_id)
      .bind(2, e.guid)
      .bind(3, e.title)
      .bind(4, e.link)
      .bind(5, e.published_at)
      .bind(6, e.published_text)
      .bind(7, e.number)
      .bind(8, e.season)
      .bind(9, e.duration_seconds)
      .bind(10, now)
      .bind(11, e.comments_feed)
      .bind(12, e.social_thread);
  if (auto s = (*insert)->run(); !s) return s;
  ++r.episodes_added;
  return {};
}

Status SqlStore::write_newsletter(std::int64_t source_id, const Message& m, UnixTime now,
                                     BatchResult& r) {
  if (m.message_id.empty()) return {};  // nothing a reply could name
  std::optional<std::int64_t> episode_id = m.episode_id;
  if (!episode_id) {
    // An issue no feed knows: the newsletter itself is what replies answer.
    Episode issue;
    issue.guid = "newsletter:" + m.message_id;
    issue.title = m.subject.empty() ? "(newsletter without a subject)" : m.subject;
    issue.published_at = m.received_at;
    if (auto s = write_episode(source_id, issue, now, r); !s) return s;
    auto find = cached(kFindEpisode);
    if (!find) return find.error();
    (*find)->bind(1, source_id).bind(2, issue.guid);
    auto row = (*find)->step();
    if (!row) return row.error();
    if (*row) episode_id = (*find)->int64(0);
    (*find)->reset();
    if (!episode_id) return {};
  }
  auto insert = cached(
      "INSERT OR IGNORE INTO newsletters (message_id, episode_id, sent_at, source_id) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return insert.error();
  (*insert)->bind(1, m.message_id).bind(2, *episode_id).bind(3, m.received_at).bind(4, source_id);
  return (*insert)->run();
}

Status SqlStore::write_message(std::int64_t source_id, const Message& m, UnixTime now,
                                  BatchResult& r, std::unordered_set<std::string>& stored) {
  if (m.outgoing && m.newsletter) return write_newsletter(source_id, m, now, r);
  if (m.outgoing) {
    // The creator's own message: kept per recipient address; it answers whoever owns that
    // address, now or once they become known. It is not a listener message itself.
    auto sent = cached(
        "INSERT OR IGNORE INTO sent_mail (natural_key, recipient, sent_at, subject, source_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!sent) return sent.error();
    std::vector<std::string> addresses;
    for (const Identity& r : m.recipients) addresses.push_back(r.value);
    if (m.recipients.empty()) {
      for (const Address& to : m.to) addresses.push_back(ascii_lower(trim(to.address)));
    }
    for (const std::string& address : addresses) {
      if (address.find('@') == std::string::npos) continue;
      (*sent)->reset();
      (*sent)
          ->bind(1, m.natural_key)
          .bind(2, address)
          .bind(3, m.received_at)
          .bind(4, m.subject)
          .bind(5, source_id);
      if (auto st = (*sent)->run(); !st) return st;
      if (db_.changes() == 1) ++r.answers_added;
    }
    return {};
  }
  if (listable(m.natural_key)) {
    if (!stored.insert(m.natural_key).second) {
      ++r.messages_known;
      return {};
    }
  } else {
    auto exists = cached(kMessageExists);
    if (!exists) return exists.error();
    (*exists)->bind(1, m.natural_key);
    auto row = (*exists)->step();
    if (!row) return row.error();
    (*exists)->reset();
    if (*row) {
      ++r.messages_known;
      return {};
    }
  }
  std::optional<std::int64_t> identity_id;
  if (!m.identity.empty()) {
    auto id = resolve_identity(source_id, m, now, r);
    if (!id) return id.error();
    identity_id = *id;
  }
  auto insert = cached(kInsertMessage);
  if (!insert) return insert.error();
  db::Statement& s = **insert;
  // The message outlives the run() below, which resets the statement: its text is not copied.
  s.bind_unowned(1, m.natural_key)
      .bind(2, source_id)
      .bind(3, m.source_ref)
      .bind(4, to_string(m.kind))
      .bind(5, to_string(m.message_class))
      .bind(6, m.class_reason)
      .bind(7, m.received_at)
      .bind(8, m.date_text)
      .bind(9, m.from.name)
      .bind(10, m.from.address)
      .bind_unowned(11, m.subject)
      .bind_unowned(12, m.message_id)
      .bind_unowned(13, m.in_reply_to)
      .bind(14, join_refs(m.references))
      .bind_unowned(15, m.text)
      .bind_unowned(16, m.reply_text)
      .bind(17, m.episode_id)
      .bind(18, identity_id)
      .bind(19, join_lines(m.warnings))
      .bind(20, now)
      .bind(21, m.url)
      .bind(22, m.details)
      .bind(23, m.amount_sats)
      .bind(24, static_cast<std::int64_t>(m.reply_text.size()))
      .bind(25, m.asks || m.reply_text.find('?') != std::string::npos ? 1 : 0)
      .bind(26, m.display_name)
      .bind(27, m.episode_ref.empty() ? m.episode_guid : m.episode_ref)
      .bind(28, join_attachments(m.attachments))
      .bind(29, m.rating);
  if (auto st = s.run_deferred("storing message " + m.natural_key); !st) return st;
  ++r.messages_added;
  ++(m.message_class == MessageClass::kHuman ? r.human_added : r.automatic_added);
  if (m.message_class == MessageClass::kHuman && !m.outgoing &&
      (!r.oldest_human_at || m.received_at < *r.oldest_human_at)) {
    r.oldest_human_at = m.received_at;
  }
  return {};
}

Result<BatchResult> SqlStore::commit_batch(std::int64_t source_id, const Batch& batch,
                                              UnixTime now) {
  // Another writer can get there first — a daemon of another show, or this daemon's listener,
  // storing the same new person at the same moment: the loser's transaction is rolled back
  // and run again, and then finds what the other stored. Never a duplicate, never a loss.
  constexpr int kAttempts = 6;
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) {
      // Two writers that met (a deadlock the server broke, a key the other took) start again
      // at different moments: a random pause, longer each time, up to about a second.
      static thread_local std::minstd_rand jitter(std::random_device{}());
      const int most = 25 << attempt;  // 100, 200, … 1600 ms
      std::this_thread::sleep_for(
          std::chrono::milliseconds(most / 2 + static_cast<int>(jitter() % static_cast<unsigned>(most / 2))));
    }
    auto r = commit_batch_once(source_id, batch, now);
    if (r && db_.backend() == db::Backend::kPostgres) {
      // PostgreSQL plans from statistics its autovacuum gathers in its own time: a first read
      // of 20,000 messages queried before then is planned as if the tables were empty (the
      // digest's query took minutes instead of 0.1 s). Gathered here whenever what this store
      // added since doubles what it knew of.
      rows_since_analyze_ += r->messages_added + r->contacts_added + r->episodes_added;
      if (rows_since_analyze_ >= std::max<std::int64_t>(1000, rows_analyzed_)) {
        // Only the columns queries filter, join or sort on: statistics of the texts (a mail
        // body is read back from TOAST and decompressed for each sampled row) planned nothing
        // and took most of the time (589 of 2,682 ms of the server's time for 20,000 messages).
        if (auto s = db_.exec("ANALYZE messages (id, natural_key, source_id, kind, class, "
                              "received_at, message_id, episode_id, identity_id, amount_sats, "
                              "reply_chars, asks_question), identities, contacts, episodes");
            !s) {
          return s.error();
        }
        rows_analyzed_ += rows_since_analyze_;
        rows_since_analyze_ = 0;
      }
    }
    if (r || r.error().retry != Retry::kYes || attempt == kAttempts) return r;
  }
}

Result<BatchResult> SqlStore::commit_batch_once(std::int64_t source_id, const Batch& batch,
                                                   UnixTime now) {
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  BatchResult r;
  for (const auto& e : batch.episodes) {
    if (auto s = write_episode(source_id, e, now, r); !s) return s.error();
  }
  // Which of the batch's messages are stored already, found at once (a round trip per message
  // to a database server otherwise), and kept up to date as the batch's are written.
  std::unordered_set<std::string> stored;
  if (!batch.messages.empty()) {
    JsonWriter keys;
    keys.begin_array();
    for (const auto& m : batch.messages) {
      if (!m.outgoing && listable(m.natural_key)) keys.value(m.natural_key);
    }
    keys.end_array();
    auto known = cached(
        "SELECT natural_key FROM messages WHERE natural_key IN (SELECT value FROM json_each(?1))");
    if (!known) return known.error();
    (*known)->bind(1, keys.str());
    for (;;) {
      auto row = (*known)->step();
      if (!row) {
        (*known)->reset();
        return row.error();
      }
      if (!*row) break;
      stored.insert((*known)->text(0));
    }
    (*known)->reset();
  }
  struct Forget {  // what was read for this batch goes with it, whatever happens
    SqlStore& store;
    ~Forget() {
      store.seen_contacts_.clear();
      store.seen_written_.clear();
      store.batch_identities_.reset();
      store.drawn_contact_ids_.clear();
      store.drawn_identity_ids_.clear();
    }
  } forget{*this};
  if (auto s = read_batch_identities(batch); !s) return s.error();
  for (const auto& m : batch.messages) {
    if (auto s = write_message(source_id, m, now, r, stored); !s) {
      Error e = s.error();
      // A statement sent on names the message it stored itself (the failure of one can be
      // reported while storing the next).
      if (!e.what.starts_with("storing message ")) {
        e.what = "storing message " + m.natural_key + ": " + e.what;
      }
      return e;
    }
  }
  if (auto s = write_seen("storing the names and times of the batch's people"); !s) {
    return s.error();
  }
  // The warnings of the source's last read that found anything: a read that found nothing new
  // keeps the last ones (an unchanged export keeps its refused rows in view), and the batches
  // of one read add up, to kMaxKeptWarnings lines.
  constexpr std::size_t kMaxKeptWarnings = 1000;
  bool found_nothing = batch.messages.empty() && batch.episodes.empty() && batch.warnings.empty();
  std::string warnings = join_lines(std::vector<std::string>(
      batch.warnings.begin(),
      batch.warnings.begin() +
          static_cast<std::ptrdiff_t>(std::min(batch.warnings.size(), kMaxKeptWarnings))));
  if (batch.continues_read || found_nothing) {
    auto kept = cached("SELECT last_warnings FROM sources WHERE id = ?1");
    if (!kept) return kept.error();
    (*kept)->bind(1, source_id);
    auto row = (*kept)->step();
    if (!row) return row.error();
    std::string before = *row ? (*kept)->text(0) : std::string();
    (*kept)->reset();
    if (found_nothing) {
      warnings = before;
    } else if (!before.empty()) {
      std::vector<std::string> all = split_lines(before);
      for (const auto& w : batch.warnings) {
        if (all.size() >= kMaxKeptWarnings) break;
        all.push_back(w);
      }
      warnings = join_lines(all);
    }
  }
  // The cursor moves on only for the process reading the source (or when no one holds a
  // lease on it), and that renews the lease: a process that lost it — it paused longer than
  // the lease, and another took over — stores nothing more.
  auto update = cached(
      "UPDATE sources SET cursor = ?2, last_attempt_at = ?3, last_success_at = ?3, "
      "last_error = '', consecutive_failures = 0, last_warnings = ?4, next_due_at = NULL, "
      "dead_since = NULL, moved_to = CASE WHEN ?5 <> '' THEN ?5 ELSE moved_to END, "
      "lease_until = CASE WHEN lease_holder = ?6 THEN ?7 ELSE lease_until END WHERE id = ?1 "
      "AND (lease_holder = '' OR lease_holder = ?6 OR lease_until IS NULL OR lease_until <= ?3)");
  if (!update) return update.error();
  (*update)
      ->bind(1, source_id)
      .bind(2, batch.cursor)
      .bind(3, now)
      .bind(4, warnings)
      .bind(5, batch.moved_to)
      .bind(6, lease_holder_)
      .bind(7, now + kReadLeaseSeconds);
  if (auto s = (*update)->run(); !s) return s.error();
  if (db_.changes() != 1) return read_elsewhere(source_id, "its read was taken over by ").error();
  if (auto s = tx->commit(); !s) return s.error();
  return r;
}

Status SqlStore::record_failure(std::int64_t source_id, const Error& error, UnixTime now) {
  auto stmt = db_.prepare(
      "UPDATE sources SET last_attempt_at = ?2, last_error = ?3, "
      "consecutive_failures = consecutive_failures + 1, next_due_at = ?4, "
      "dead_since = CASE WHEN ?5 <> 0 THEN COALESCE(dead_since, ?2) ELSE NULL END WHERE id = ?1");
  if (!stmt) return stmt.error();
  std::optional<UnixTime> due;
  if (error.retry_after_seconds > 0) due = now + error.retry_after_seconds;
  stmt->bind(1, source_id)
      .bind(2, now)
      .bind(3, error.message())
      .bind(4, due)
      .bind(5, error.code == ErrorCode::kGone ? 1 : 0);
  return stmt->run();
}

Result<std::vector<std::pair<std::int64_t, Message>>> SqlStore::unlinked_messages(
    UnixTime since, int limit) {
  auto stmt = db_.prepare(
      "SELECT id, subject, in_reply_to, refs, body_text, url, episode_ref, kind FROM messages "
      "WHERE episode_id IS NULL AND received_at >= ?1 AND class IN ('human', 'auto_reply') "
      "ORDER BY received_at DESC LIMIT ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, since).bind(2, limit);
  std::vector<std::pair<std::int64_t, Message>> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    Message m;
    m.subject = stmt->text(1);
    m.in_reply_to = stmt->text(2);
    for (const auto& id : split_refs(stmt->text(3))) m.references.push_back(id);
    m.text = stmt->text(4);
    m.url = stmt->text(5);
    m.episode_ref = stmt->text(6);
    out.emplace_back(stmt->int64(0), std::move(m));
  }
  return out;
}

Status SqlStore::link_messages(const std::vector<std::pair<std::int64_t, std::int64_t>>& links) {
  if (links.empty()) return {};
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto stmt = db_.prepare("UPDATE messages SET episode_id = ?2 WHERE id = ?1 AND episode_id IS NULL");
  if (!stmt) return stmt.error();
  for (const auto& [message, episode] : links) {
    stmt->bind(1, message).bind(2, episode);
    if (auto s = stmt->run(); !s) return s;
  }
  return tx->commit();
}

Status SqlStore::retire_sources(const std::vector<std::string>& live, UnixTime now) {
  JsonWriter names;
  names.begin_array();
  for (const auto& n : live) names.value(n);
  names.end_array();
  // Comment feeds and social threads of episodes are found by Rapport, not named by the
  // config: never retired.
  auto stmt = db_.prepare(
      "UPDATE sources SET retired_at = ?1 WHERE retired_at IS NULL AND forgotten = 0 "
      "AND name NOT LIKE 'comments of %' AND name NOT LIKE 'thread of %' "
      "AND name NOT IN (SELECT value FROM json_each(?2))");
  if (!stmt) return stmt.error();
  stmt->bind(1, now).bind(2, names.str());
  return stmt->run();
}

Status SqlStore::forget_source(std::string_view name, UnixTime now) {
  auto stmt = db_.prepare(
      "UPDATE sources SET forgotten = 1, cursor = '', last_error = '', last_warnings = '', "
      "consecutive_failures = 0, moved_to = '', dead_since = NULL, next_due_at = NULL, "
      "next_poll_at = NULL, reading_since = NULL, retired_at = COALESCE(retired_at, ?2) "
      "WHERE name = ?1 AND forgotten = 0");
  if (!stmt) return stmt.error();
  stmt->bind(1, name).bind(2, now);
  if (auto s = stmt->run(); !s) return s;
  if (db_.changes() == 0) {
    return make_error(ErrorCode::kNotFound, "no source called \"" + printable(name, 100) + "\"",
                      "", "`rapport sources` lists them");
  }
  return {};
}

Status SqlStore::begin_read(std::int64_t source_id, UnixTime now) {
  // One statement: of two processes taking the lease at once, one changes the row.
  auto stmt = db_.prepare(
      "UPDATE sources SET reading_since = ?2, lease_holder = ?3, lease_until = ?4 WHERE id = ?1 "
      "AND (lease_holder = '' OR lease_holder = ?3 OR lease_until IS NULL OR lease_until <= ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, source_id).bind(2, now).bind(3, lease_holder_).bind(4, now + kReadLeaseSeconds);
  if (auto s = stmt->run(); !s) return s;
  if (db_.changes() == 1) return {};
  return read_elsewhere(source_id, "being read by ");
}

Status SqlStore::read_elsewhere(std::int64_t source_id, const std::string& what) {
  auto who = db_.prepare("SELECT name, lease_holder, lease_until FROM sources WHERE id = ?1");
  if (!who) return who.error();
  who->bind(1, source_id);
  auto row = who->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error(ErrorCode::kDatabase, "no source with id " + std::to_string(source_id),
                      db_.path());
  }
  std::optional<UnixTime> until = who->optional_int64(2);
  return make_error(ErrorCode::kBusy,
                    what + printable(who->text(1), 120) +
                        (until ? ", its lease running to " + format_rfc3339_local(*until) : ""),
                    who->text(0), "it is read here once that process lets go, or its lease runs out",
                    Retry::kYes);
}

Status SqlStore::end_read(std::int64_t source_id) {
  auto stmt = db_.prepare(
      "UPDATE sources SET reading_since = NULL, lease_holder = '', lease_until = NULL "
      "WHERE id = ?1 AND lease_holder IN ('', ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, source_id).bind(2, lease_holder_);
  return stmt->run();
}

Status SqlStore::abandon_read(std::int64_t source_id) {
  auto stmt = db_.prepare(
      "UPDATE sources SET reading_since = NULL, lease_holder = '', lease_until = NULL "
      "WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, source_id);
  return stmt->run();
}

Status SqlStore::schedule_poll(std::int64_t source_id, UnixTime at) {
  auto stmt = db_.prepare("UPDATE sources SET next_poll_at = ?2 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, source_id).bind(2, at);
  return stmt->run();
}

Result<std::optional<std::string>> SqlStore::last_delivered_digest() {
  auto stmt = db_.prepare("SELECT MAX(slot) FROM digests WHERE delivered_at IS NOT NULL");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (stmt->is_null(0)) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

Result<std::vector<Episode>> SqlStore::episodes() {
  auto stmt = db_.prepare(
      "SELECT id, guid, title, link, published_at, published_text, episode_number, season, "
      "duration_seconds, comments_feed, social_thread FROM episodes "
      "ORDER BY published_at DESC, id DESC");
  if (!stmt) return stmt.error();
  std::vector<Episode> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    Episode e;
    e.id = stmt->int64(0);
    e.guid = stmt->text(1);
    e.title = stmt->text(2);
    e.link = stmt->text(3);
    e.published_at = stmt->optional_int64(4);
    e.published_text = stmt->text(5);
    if (!stmt->is_null(6)) e.number = static_cast<int>(stmt->int64(6));
    if (!stmt->is_null(7)) e.season = static_cast<int>(stmt->int64(7));
    if (!stmt->is_null(8)) e.duration_seconds = static_cast<int>(stmt->int64(8));
    e.comments_feed = stmt->text(9);
    e.social_thread = stmt->text(10);
    out.push_back(std::move(e));
  }
  auto sent = db_.prepare("SELECT episode_id, message_id FROM newsletters ORDER BY sent_at");
  if (!sent) return sent.error();
  std::unordered_map<std::int64_t, Episode*> by_id;
  for (auto& e : out) by_id[e.id] = &e;
  while (true) {
    auto row = sent->step();
    if (!row) return row.error();
    if (!*row) break;
    if (auto it = by_id.find(sent->int64(0)); it != by_id.end()) {
      it->second->newsletter_ids.push_back(sent->text(1));
    }
  }
  return out;
}

namespace {

// The people waiting for an answer (their newest human message is after their last answer,
// and not history), with their conversation's signals. ?5 is [digest] start; `listed` is when
// each person was last in a delivered digest of another slot than ?4.
constexpr const char* kWaitingSql = R"sql(
WITH last_answer AS (
  SELECT contact_id, MAX(at) AS at FROM (
    SELECT contact_id, answered_at AS at FROM answers
    UNION ALL
    SELECT i.contact_id, s.sent_at FROM sent_mail s
      JOIN identities i ON i.kind = 'email' AND i.value = s.recipient)
  GROUP BY contact_id
),
human AS (
  SELECT m.id, m.received_at, i.contact_id, m.identity_id, m.episode_id, m.reply_chars,
         m.asks_question
  FROM messages m JOIN identities i ON i.id = m.identity_id
  WHERE m.class = 'human'
),
flagged AS (
  -- open: not answered yet (newer than the last answer, and not history).
  SELECT h.*, a.at AS answered_at,
         ((a.at IS NULL OR h.received_at > a.at) AND h.received_at >= ?5) AS open
  FROM human h LEFT JOIN last_answer a ON a.contact_id = h.contact_id
),
newest AS (
  -- The conversation is the unit: its signals are the strongest across the open messages,
  -- so writing again never lowers anyone (a short "no rush!" keeps the question before it).
  SELECT f.*,
         ROW_NUMBER() OVER (PARTITION BY f.contact_id
                            ORDER BY f.received_at DESC, f.id DESC) AS rn,
         COUNT(*) OVER (PARTITION BY f.contact_id) AS total,
         SUM(f.open) OVER (PARTITION BY f.contact_id) AS n,
         MIN(CASE WHEN f.open THEN f.received_at END) OVER (PARTITION BY f.contact_id) AS since,
         MAX(CASE WHEN f.open THEN f.reply_chars ELSE 0 END)
           OVER (PARTITION BY f.contact_id) AS open_chars,
         MAX(CASE WHEN f.open THEN f.asks_question ELSE 0 END)
           OVER (PARTITION BY f.contact_id) AS open_question,
         -- the newest episode (the highest id) their open messages answer; one window with
         -- the others, so no second sort of every message
         MAX(CASE WHEN f.open THEN f.episode_id END)
           OVER (PARTITION BY f.contact_id) AS open_episode
  FROM flagged f
),
waiting AS (
  SELECT * FROM newest WHERE rn = 1 AND open
),
listed AS (
  SELECT di.contact_id, MAX(d.delivered_at) AS at FROM digest_items di
  JOIN digests d ON d.id = di.digest_id
  WHERE d.delivered_at IS NOT NULL AND d.slot <> ?4 GROUP BY di.contact_id
),
idents AS (
  SELECT contact_id, group_concat(shown, char(10)) AS list
  FROM (SELECT contact_id, CASE WHEN written <> '' THEN written ELSE value END AS shown
          FROM identities ORDER BY contact_id, id)
  GROUP BY contact_id
),
judged AS (
  -- Why the filter leaves someone out (the first reason that holds), or NULL: a candidate.
  SELECT w.*,
         CASE WHEN c.snoozed_until > ?1 THEN 'snoozed'
              WHEN w.since > ?1 - ?2 THEN 'new'
              WHEN NOT (listed.at IS NULL OR listed.at <= ?1 - ?3
                        OR w.received_at > listed.at) THEN 'listed' END AS why,
         CASE WHEN c.snoozed_until > ?1 THEN c.snoozed_until
              WHEN w.since > ?1 - ?2 THEN w.since + ?2
              ELSE listed.at + ?3 END AS back_at
  FROM waiting w
  JOIN contacts c ON c.id = w.contact_id
  LEFT JOIN listed ON listed.contact_id = c.id
)
SELECT c.id, c.display_name, CASE WHEN wi.written <> '' THEN wi.written ELSE wi.value END,
       c.first_seen_at, c.last_seen_at,
       w.total, w.n, w.answered_at,
       w.id, w.open_chars, w.open_question, w.received_at, e.title, e.episode_number,
       w.since, wi.kind,
       CASE WHEN w.why IS NULL THEN
         (SELECT COALESCE(SUM(m3.amount_sats), 0) FROM messages m3
            JOIN identities i3 ON i3.id = m3.identity_id
            WHERE i3.contact_id = c.id AND m3.amount_sats IS NOT NULL) END,
       CASE WHEN w.why IS NULL THEN
         EXISTS (SELECT 1 FROM contact_tags t
                 WHERE t.contact_id = c.id AND t.tag = 'supporter') END,
       e.published_at,
       ids.list, wi.value, e.link,
       w.why, w.back_at
FROM judged w
JOIN identities wi ON wi.id = w.identity_id
JOIN contacts c ON c.id = w.contact_id
LEFT JOIN idents ids ON ids.contact_id = c.id AND w.why IS NULL
LEFT JOIN episodes e ON e.id = w.open_episode
ORDER BY c.first_seen_at DESC, c.id DESC
)sql";

}  // namespace

Result<Waiting> SqlStore::waiting(const CandidateFilter& f) {
  // One pass over every message for both: who is listed and who is set aside (and why).
  auto stmt = db_.prepare(kWaitingSql);
  if (!stmt) return stmt.error();
  // No filter (now = 0) means every candidate: a far-future "now" with no waits.
  UnixTime now = f.now == 0 ? std::numeric_limits<std::int32_t>::max() * std::int64_t{4} : f.now;
  stmt->bind(1, now)
      .bind(2, f.min_wait_seconds)
      .bind(3, f.relist_after_seconds)
      .bind(4, f.current_slot)
      .bind(5, f.history_before);
  Waiting out;
  // Gathered in a deque and moved into a vector of the exact size: a growing vector of
  // 20,000 candidates would hold its old and its new buffer at once, twice the memory.
  std::deque<DigestCandidate> gathered;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    if (!stmt->is_null(22)) {
      std::string why = stmt->text(22);
      AsideGroup& g = why == "snoozed" ? out.set_aside.snoozed
                      : why == "new"   ? out.set_aside.too_new
                                       : out.set_aside.listed;
      ++g.people;
      if (auto back = stmt->optional_int64(23); back && (!g.first_back || *back < *g.first_back)) {
        g.first_back = back;
      }
      continue;
    }
    DigestCandidate c;
    c.contact_id = stmt->int64(0);
    c.display_name = stmt->text(1);
    c.address = stmt->text(2);
    c.first_seen_at = stmt->int64(3);
    c.last_seen_at = stmt->int64(4);
    c.total_human_messages = static_cast<int>(stmt->int64(5));
    c.unanswered_messages = static_cast<int>(stmt->int64(6));
    c.last_answered_at = stmt->optional_int64(7);
    c.message_row = stmt->int64(8);
    c.reply_chars = stmt->int64(9);
    c.asks_question = stmt->int64(10) != 0;
    c.received_at = stmt->int64(11);
    c.episode_title = stmt->text(12);
    if (!stmt->is_null(13)) c.episode_number = static_cast<int>(stmt->int64(13));
    c.waiting_since = stmt->int64(14);
    c.identity_kind = stmt->text(15);
    c.boost_sats = stmt->int64(16);
    c.supporter = stmt->int64(17) != 0;
    c.episode_published_at = stmt->optional_int64(18);
    c.identities = split_lines(stmt->text(19));
    c.identity_value = stmt->text(20);
    c.episode_link = stmt->text(21);
    gathered.push_back(std::move(c));
  }
  out.candidates.reserve(gathered.size());
  while (!gathered.empty()) {
    out.candidates.push_back(std::move(gathered.front()));
    gathered.pop_front();
  }
  if (f.with_messages) {
    std::vector<DigestCandidate*> all;
    for (auto& c : out.candidates) all.push_back(&c);
    if (auto s = load_newest_messages(all); !s) return s.error();
  }
  return out;
}

Status SqlStore::load_newest_messages(const std::vector<DigestCandidate*>& candidates) {
  // The open messages: the person's messages since the oldest one they wait on, newest first.
  auto open = cached(
      "SELECT m.id, m.received_at, m.kind, m.subject, m.reply_text, m.details, m.url, "
      "m.message_id, m.refs, m.from_address FROM messages m "
      "JOIN identities i ON i.id = m.identity_id "
      "WHERE i.contact_id = ?1 AND m.class = 'human' AND m.received_at >= ?2 "
      "ORDER BY m.received_at DESC, m.id DESC LIMIT ?3");
  if (!open) return open.error();
  auto newest = cached(
      "SELECT subject, message_id, reply_text, url, kind, details, from_address, rating "
      "FROM messages WHERE id = ?1");
  if (!newest) return newest.error();
  // Before the conversation: the newest email they sent, for the thread a reply continues.
  auto thread = cached(
      "SELECT m.subject, m.message_id, m.refs FROM messages m "
      "JOIN identities i ON i.id = m.identity_id "
      "WHERE i.contact_id = ?1 AND m.class = 'human' AND m.kind = 'email' AND m.message_id <> '' "
      "ORDER BY m.received_at DESC, m.id DESC LIMIT 1");
  if (!thread) return thread.error();
  for (DigestCandidate* c : candidates) {
    (*newest)->reset();
    (*newest)->bind(1, c->message_row);
    auto row = (*newest)->step();
    if (!row) return row.error();
    if (!*row) continue;
    c->subject = (*newest)->text(0);
    c->message_id = (*newest)->text(1);
    c->reply_text = (*newest)->text(2);
    c->url = (*newest)->text(3);
    c->message_kind = (*newest)->text(4);
    c->details = (*newest)->text(5);
    c->rating.reset();
    if (!(*newest)->is_null(7)) c->rating = static_cast<int>((*newest)->int64(7));
    // Answer the address as they wrote it: the identity is its normal form (a Gmail address
    // without its dots), which is how they are recognised, not how they like to be written to.
    if (std::string from = (*newest)->text(6); c->identity_kind == "email" && !from.empty()) {
      c->address = from;
    }
    (*newest)->reset();

    c->conversation.clear();
    c->thread_subject.clear();
    c->thread_message_id.clear();
    c->thread_references.clear();
    (*open)->reset();
    (*open)->bind(1, c->contact_id).bind(2, c->waiting_since).bind(3, kOpenMessages);
    while (true) {
      auto r = (*open)->step();
      if (!r) return r.error();
      if (!*r) break;
      OpenMessage m;
      m.id = (*open)->int64(0);
      m.received_at = (*open)->int64(1);
      m.kind = (*open)->text(2);
      m.subject = (*open)->text(3);
      m.reply_text = (*open)->text(4);
      m.details = (*open)->text(5);
      m.url = (*open)->text(6);
      if (c->thread_message_id.empty() && m.kind == "email" && !(*open)->text(7).empty()) {
        c->thread_subject = m.subject;
        c->thread_message_id = (*open)->text(7);
        c->thread_references = split_refs((*open)->text(8));
      }
      c->conversation.push_back(std::move(m));
    }
    (*open)->reset();
    std::reverse(c->conversation.begin(), c->conversation.end());
    if (c->thread_message_id.empty() && c->identity_kind == "email") {
      (*thread)->reset();
      (*thread)->bind(1, c->contact_id);
      auto r = (*thread)->step();
      if (!r) return r.error();
      if (*r) {
        c->thread_subject = (*thread)->text(0);
        c->thread_message_id = (*thread)->text(1);
        c->thread_references = split_refs((*thread)->text(2));
      }
      (*thread)->reset();
    }
  }
  return {};
}

Result<std::int64_t> SqlStore::find_contact(std::string_view who) {
  std::string w(trim(who));
  if (!w.empty() && w.find_first_not_of("0123456789") == std::string::npos) {
    auto stmt = db_.prepare("SELECT id, merged_into FROM contacts WHERE id = ?1");
    if (!stmt) return stmt.error();
    std::int64_t id = std::stoll(w.substr(0, 18));
    // A merged contact is found as the one it joined (following a chain of merges).
    for (int hops = 0; hops < 64; ++hops) {
      stmt->reset();
      stmt->bind(1, id);
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) break;
      if (stmt->is_null(1)) return id;
      id = stmt->int64(1);
    }
  }
  auto by_identity = db_.prepare("SELECT contact_id FROM identities WHERE value = ?1");
  if (!by_identity) return by_identity.error();
  by_identity->bind(1, ascii_lower(w));
  auto row = by_identity->step();
  if (!row) return row.error();
  if (*row) return by_identity->int64(0);
  auto by_name = db_.prepare(
      "SELECT id FROM contacts WHERE lower(display_name) = lower(?1) AND merged_into IS NULL "
      "ORDER BY id LIMIT 2");
  if (!by_name) return by_name.error();
  by_name->bind(1, w);
  std::vector<std::int64_t> ids;
  while (true) {
    auto r = by_name->step();
    if (!r) return r.error();
    if (!*r) break;
    ids.push_back(by_name->int64(0));
  }
  if (ids.size() == 1) return ids.front();
  return make_error(
      ErrorCode::kNotFound,
      ids.empty() ? "no one called \"" + w + "\"" : "more than one person is called \"" + w + "\"",
      db_.path(), "name them by their address, or by their contact id");
}

Result<std::vector<ContactRecord>> SqlStore::contacts_named(std::string_view folded,
                                                               bool prefix, int limit) {
  std::vector<ContactRecord> out;
  if (folded.empty()) return out;
  // A prefix is a range of the index: [prefix, prefix + 0xFF) holds every longer name.
  auto stmt = db_.prepare(
      prefix ? "SELECT id, display_name FROM contacts WHERE merged_into IS NULL "
               "AND name_folded >= ?1 AND name_folded < ?2 ORDER BY id LIMIT ?3"
             : "SELECT id, display_name FROM contacts WHERE merged_into IS NULL "
               "AND name_folded = ?1 ORDER BY id LIMIT ?3");
  if (!stmt) return stmt.error();
  std::string upper = std::string(folded) + "\xFF";
  stmt->bind(1, folded).bind(3, limit);
  if (prefix) stmt->bind(2, upper);
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    ContactRecord r;
    r.id = stmt->int64(0);
    r.display_name = stmt->text(1);
    out.push_back(std::move(r));
  }
  auto ids = db_.prepare(
      "SELECT kind, value, written FROM identities WHERE contact_id = ?1 ORDER BY id");
  if (!ids) return ids.error();
  for (auto& r : out) {
    ids->reset();
    ids->bind(1, r.id);
    for (;;) {
      auto row = ids->step();
      if (!row) return row.error();
      if (!*row) break;
      r.identities.push_back({ids->text(0), ids->text(1), ids->text(2)});
    }
  }
  return out;
}

Status SqlStore::record_answer(std::int64_t contact_id, UnixTime at, std::string_view how,
                                  std::string_view reference) {
  auto stmt = db_.prepare(
      "INSERT INTO answers (contact_id, answered_at, how, message_ref, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, at).bind(3, how).bind(4, reference);
  return stmt->run();
}

Status SqlStore::snooze(std::int64_t contact_id, std::optional<UnixTime> until) {
  auto stmt = db_.prepare("UPDATE contacts SET snoozed_until = ?2 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id).bind(2, until);
  return stmt->run();
}

Result<UnixTime> SqlStore::undo_answer(std::int64_t contact_id) {
  auto find = db_.prepare(
      "SELECT id, answered_at FROM answers WHERE contact_id = ?1 "
      "AND how IN ('manual', 'digest_reply') ORDER BY answered_at DESC, id DESC LIMIT 1");
  if (!find) return find.error();
  find->bind(1, contact_id);
  auto row = find->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error(ErrorCode::kNotFound, "no answer of yours to take back", "",
                      "only answers recorded with `rapport answered` or a reply to the digest "
                      "are taken back; one in your Sent folder stays");
  }
  std::int64_t id = find->int64(0);
  UnixTime at = find->int64(1);
  auto del = db_.prepare("DELETE FROM answers WHERE id = ?1");
  if (!del) return del.error();
  del->bind(1, id);
  if (auto st = del->run(); !st) return st.error();
  return at;
}

Result<std::string> SqlStore::contact_label(std::int64_t contact_id) {
  auto stmt = db_.prepare(
      "SELECT c.display_name, (SELECT CASE WHEN written <> '' THEN written ELSE value END "
      "FROM identities WHERE contact_id = c.id ORDER BY id LIMIT 1) FROM contacts c "
      "WHERE c.id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, contact_id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no contact " + std::to_string(contact_id));
  std::string name = stmt->text(0);
  std::string identity = stmt->text(1);
  return name.empty() ? identity : name + " <" + identity + ">";
}

Result<PeriodSummary> SqlStore::period_summary(UnixTime since) {
  PeriodSummary p;
  p.since = since;
  auto totals = db_.prepare(
      "SELECT (SELECT COUNT(*) FROM messages WHERE class = 'human' AND received_at > ?1), "
      "(SELECT COUNT(*) FROM contacts WHERE first_seen_at > ?1)");
  if (!totals) return totals.error();
  totals->bind(1, since);
  auto row = totals->step();
  if (!row) return row.error();
  p.replies = totals->int64(0);
  p.new_people = totals->int64(1);
  auto episodes = db_.prepare(
      "SELECT e.title, COUNT(*) AS n FROM messages m JOIN episodes e ON e.id = m.episode_id "
      "WHERE m.class = 'human' AND m.received_at > ?1 GROUP BY e.id "
      "ORDER BY n DESC, e.published_at DESC LIMIT 5");
  if (!episodes) return episodes.error();
  episodes->bind(1, since);
  while (true) {
    auto r = episodes->step();
    if (!r) return r.error();
    if (!*r) break;
    p.by_episode.emplace_back(episodes->text(0), episodes->int64(1));
  }
  return p;
}

Result<std::vector<std::int64_t>> SqlStore::digest_listing(std::string_view message_id) {
  auto stmt = db_.prepare(
      "SELECT di.contact_id FROM digest_items di JOIN digests d ON d.id = di.digest_id "
      "WHERE d.message_id = ?1 AND d.delivered_at IS NOT NULL ORDER BY di.position");
  if (!stmt) return stmt.error();
  stmt->bind(1, message_id);
  std::vector<std::int64_t> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(stmt->int64(0));
  }
  return out;
}

Result<bool> SqlStore::record_digest_command(std::string_view reply_key, std::string_view line,
                                                std::string_view result, UnixTime at) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO digest_commands (reply_key, line, result, created_at) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, reply_key).bind(2, line).bind(3, result).bind(4, at);
  if (auto s = stmt->run(); !s) return s.error();
  return db_.changes() == 1;
}

Result<std::vector<std::string>> SqlStore::unconfirmed_digest_commands() {
  auto stmt =
      db_.prepare("SELECT result FROM digest_commands WHERE confirmed_slot IS NULL ORDER BY id");
  if (!stmt) return stmt.error();
  std::vector<std::string> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(stmt->text(0));
  }
  return out;
}

Status SqlStore::confirm_digest_commands(std::string_view slot) {
  auto stmt =
      db_.prepare("UPDATE digest_commands SET confirmed_slot = ?1 WHERE confirmed_slot IS NULL");
  if (!stmt) return stmt.error();
  stmt->bind(1, slot);
  return stmt->run();
}

Result<std::optional<UnixTime>> SqlStore::last_delivery_time() {
  auto stmt = db_.prepare("SELECT MAX(delivered_at) FROM digests");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return stmt->optional_int64(0);
}

Result<Counts> SqlStore::counts(UnixTime history_before) {
  auto stmt = db_.prepare(R"sql(
SELECT (SELECT COUNT(*) FROM episodes),
       (SELECT COUNT(*) FROM messages),
       (SELECT COUNT(*) FROM messages WHERE class = 'human'),
       (SELECT COUNT(*) FROM contacts WHERE merged_into IS NULL),
       (SELECT COUNT(*) FROM identities),
       (SELECT COUNT(DISTINCT i.contact_id)
          FROM messages m JOIN identities i ON i.id = m.identity_id
          LEFT JOIN (SELECT contact_id, MAX(at) AS at FROM (
                       SELECT contact_id, answered_at AS at FROM answers
                       UNION ALL
                       SELECT i2.contact_id, s.sent_at FROM sent_mail s
                         JOIN identities i2 ON i2.kind = 'email' AND i2.value = s.recipient)
                     GROUP BY contact_id) a
            ON a.contact_id = i.contact_id
         WHERE m.class = 'human' AND (a.at IS NULL OR m.received_at > a.at)
           AND m.received_at >= ?1),
       (SELECT COUNT(*) FROM digests)
)sql");
  if (!stmt) return stmt.error();
  stmt->bind(1, history_before);
  auto row = stmt->step();
  if (!row) return row.error();
  Counts c;
  c.episodes = stmt->int64(0);
  c.messages = stmt->int64(1);
  c.human_messages = stmt->int64(2);
  c.contacts = stmt->int64(3);
  c.identities = stmt->int64(4);
  c.unanswered_contacts = stmt->int64(5);
  c.digests = stmt->int64(6);
  return c;
}

Result<std::int64_t> SqlStore::record_digest(const Digest& digest) {
  auto tx = db::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto upsert = db_.prepare(
      "INSERT INTO digests (slot, generated_at) VALUES (?1, ?2) "
      "ON CONFLICT (slot) DO UPDATE SET generated_at = excluded.generated_at "
      "RETURNING id");
  if (!upsert) return upsert.error();
  upsert->bind(1, digest.slot).bind(2, digest.generated_at);
  auto row = upsert->step();
  if (!row) return row.error();
  std::int64_t id = upsert->int64(0);
  upsert->reset();
  auto clear = db_.prepare("DELETE FROM digest_items WHERE digest_id = ?1");
  if (!clear) return clear.error();
  clear->bind(1, id);
  if (auto s = clear->run(); !s) return s.error();
  auto item = db_.prepare(
      "INSERT INTO digest_items (digest_id, position, contact_id, message_id, score, reason) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!item) return item.error();
  int position = 0;
  for (const auto& it : digest.items) {
    std::string reason;
    for (const auto& r : it.reasons) {
      if (!reason.empty()) reason += "; ";
      reason += r;
    }
    item->bind(1, id)
        .bind(2, ++position)
        .bind(3, it.who.contact_id)
        .bind(4,
              it.who.message_row ? std::optional<std::int64_t>(it.who.message_row) : std::nullopt)
        .bind(5, it.score)
        .bind(6, reason);
    if (auto s = item->run(); !s) return s.error();
  }
  if (auto s = tx->commit(); !s) return s.error();
  return id;
}

Status SqlStore::mark_digest_delivered(std::int64_t digest_id, std::string_view delivery,
                                          std::string_view message_id, UnixTime at) {
  auto stmt = db_.prepare(
      "UPDATE digests SET delivered_at = ?2, delivery = ?3, message_id = ?4 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, digest_id).bind(2, at).bind(3, delivery).bind(4, message_id);
  return stmt->run();
}

Result<StoredMessage> SqlStore::stored_message(std::int64_t id) {
  auto stmt = db_.prepare(R"sql(
SELECT m.id, s.name, m.kind, m.class, m.class_reason, m.received_at, m.date_text, m.from_name,
       m.from_address, m.subject, m.message_id, m.in_reply_to, m.refs, m.body_text, m.reply_text,
       m.url, m.details, m.warnings, m.attachments, m.amount_sats, i.contact_id,
       COALESCE(c.display_name, ''), COALESCE(e.title, ''), COALESCE(e.link, '')
  FROM messages m JOIN sources s ON s.id = m.source_id
  LEFT JOIN identities i ON i.id = m.identity_id
  LEFT JOIN contacts c ON c.id = i.contact_id
  LEFT JOIN episodes e ON e.id = m.episode_id
 WHERE m.id = ?1
)sql");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error(ErrorCode::kNotFound, "no message " + std::to_string(id), "",
                      "message ids are shown by `rapport contacts show WHO` and in the digest");
  }
  StoredMessage m;
  m.id = stmt->int64(0);
  m.source = stmt->text(1);
  m.kind = stmt->text(2);
  m.message_class = stmt->text(3);
  m.class_reason = stmt->text(4);
  m.received_at = stmt->int64(5);
  m.date_text = stmt->text(6);
  m.from_name = stmt->text(7);
  m.from_address = stmt->text(8);
  m.subject = stmt->text(9);
  m.message_id = stmt->text(10);
  m.in_reply_to = stmt->text(11);
  m.references = split_refs(stmt->text(12));
  m.body_text = stmt->text(13);
  m.reply_text = stmt->text(14);
  m.url = stmt->text(15);
  m.details = stmt->text(16);
  m.warnings = split_lines(stmt->text(17));
  for (const std::string& line : split_lines(stmt->text(18))) {
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) continue;
    Attachment a;
    a.size = std::strtoll(line.substr(0, t1).c_str(), nullptr, 10);
    a.type = line.substr(t1 + 1, t2 - t1 - 1);
    a.name = line.substr(t2 + 1);
    m.attachments.push_back(std::move(a));
  }
  m.amount_sats = stmt->optional_int64(19);
  m.contact_id = stmt->optional_int64(20);
  m.contact_name = stmt->text(21);
  m.episode_title = stmt->text(22);
  m.episode_link = stmt->text(23);
  return m;
}

Status SqlStore::keep_digest_text(std::int64_t digest_id, std::string_view text) {
  auto stmt = db_.prepare("UPDATE digests SET text = ?2 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, digest_id).bind(2, text);
  return stmt->run();
}

Result<std::vector<DigestRecord>> SqlStore::digests(int limit) {
  auto stmt = db_.prepare(
      "SELECT id, slot, generated_at, delivered_at, delivery, text FROM digests "
      "ORDER BY generated_at DESC, id DESC LIMIT ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, limit);
  std::vector<DigestRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    DigestRecord d;
    d.id = stmt->int64(0);
    d.slot = stmt->text(1);
    d.generated_at = stmt->int64(2);
    d.delivered_at = stmt->optional_int64(3);
    d.delivery = stmt->text(4);
    d.text = stmt->text(5);
    out.push_back(std::move(d));
  }
  auto items = db_.prepare(
      "SELECT di.position, di.contact_id, COALESCE(c.display_name, ''), di.reason "
      "FROM digest_items di LEFT JOIN contacts c ON c.id = di.contact_id "
      "WHERE di.digest_id = ?1 ORDER BY di.position");
  if (!items) return items.error();
  for (DigestRecord& d : out) {
    items->bind(1, d.id);
    for (;;) {
      auto row = items->step();
      if (!row) return row.error();
      if (!*row) break;
      d.listed.push_back({static_cast<int>(items->int64(0)), items->int64(1), items->text(2),
                          items->text(3)});
    }
    items->reset();
  }
  return out;
}

Result<std::vector<DigestCommandRecord>> SqlStore::digest_commands(int limit) {
  auto stmt = db_.prepare(
      "SELECT line, result, created_at, COALESCE(confirmed_slot, '') FROM digest_commands "
      "ORDER BY created_at DESC, id DESC LIMIT ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, limit);
  std::vector<DigestCommandRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({stmt->text(0), stmt->text(1), stmt->int64(2), stmt->text(3)});
  }
  return out;
}

}  // namespace rapport
