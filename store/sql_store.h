// SqlStore: the Store in SQL, on an embedded SQLite file (or in memory, for tests) or on a
// PostgreSQL server (store/db.h: one code, two backends).
#pragma once

#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/postgres.h"
#include "store/postgres_schema.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace rapport {

class SqlStore final : public Store {
 public:
  // Opens the database at path (":memory:" for a private one), creating the file's folder
  // when missing, and migrates it to the current schema. Fails with kDatabase or kIo.
  static Result<std::unique_ptr<SqlStore>> open(const std::string& path);
  // Connects to a PostgreSQL database, to the show `layout` places (postgres_schema.h), and
  // migrates it to the current schema (under an advisory lock: daemons starting at once
  // migrate once). Fails with kDatabase or kConfig.
  static Result<std::unique_ptr<SqlStore>> open_postgres(const postgres::ConnectOptions& options,
                                                         const postgres::Layout& layout = {});

  Result<SourceState> source(std::string_view kind, std::string_view name,
                             std::string_view location, UnixTime now) override;
  Result<std::vector<SourceState>> sources() override;
  Result<BatchResult> commit_batch(std::int64_t source_id, const Batch& batch,
                                   UnixTime now) override;
  Status record_failure(std::int64_t source_id, const Error& error, UnixTime now) override;
  Result<std::vector<Episode>> episodes() override;
  Status schedule_poll(std::int64_t source_id, UnixTime at) override;
  Status begin_read(std::int64_t source_id, UnixTime now) override;
  Status retire_sources(const std::vector<std::string>& live, UnixTime now) override;
  Result<std::vector<std::pair<std::int64_t, Message>>> unlinked_messages(UnixTime since,
                                                                          int limit) override;
  Status link_messages(
      const std::vector<std::pair<std::int64_t, std::int64_t>>& links) override;
  Status forget_source(std::string_view name, UnixTime now) override;
  Status end_read(std::int64_t source_id) override;
  Status abandon_read(std::int64_t source_id) override;
  const std::string& lease_holder() const override { return lease_holder_; }
  // Names this store's leases otherwise than by its process (process_label()): for a test
  // that plays two processes.
  void set_lease_holder(std::string holder) { lease_holder_ = std::move(holder); }
  Result<std::optional<std::string>> last_delivered_digest() override;
  Result<Waiting> waiting(const CandidateFilter& filter) override;
  Status load_newest_messages(const std::vector<DigestCandidate*>& candidates) override;
  Result<std::int64_t> find_contact(std::string_view who) override;
  Result<std::vector<ContactRecord>> contacts_named(std::string_view folded, bool prefix,
                                                    int limit) override;
  Status record_answer(std::int64_t contact_id, UnixTime at, std::string_view how,
                       std::string_view reference) override;
  Status snooze(std::int64_t contact_id, std::optional<UnixTime> until) override;
  Result<UnixTime> undo_answer(std::int64_t contact_id) override;
  Result<std::string> contact_label(std::int64_t contact_id) override;
  using Store::counts;
  Result<Counts> counts(UnixTime history_before) override;
  Result<std::int64_t> merge_contacts(std::int64_t from, std::int64_t into,
                                      std::string_view evidence, UnixTime now) override;
  Status unmerge(std::int64_t merge_id, UnixTime now) override;
  Result<std::vector<ContactSummary>> contacts(const ContactFilter& filter) override;
  Result<ContactDetail> contact_detail(std::int64_t contact_id, bool full_text) override;
  Result<SearchResults> search(const SearchQuery& query) override;
  Result<std::vector<DigestRecord>> digests(int limit) override;
  Status keep_digest_text(std::int64_t digest_id, std::string_view text) override;
  Status keep_apart(std::int64_t a, std::int64_t b, std::string_view evidence,
                    UnixTime now) override;
  Result<std::vector<DigestCommandRecord>> digest_commands(int limit) override;
  Result<std::int64_t> index_for_search(std::int64_t max_messages) override;
  using Store::contact_detail;
  Result<StoredMessage> stored_message(std::int64_t id) override;
  Result<std::vector<ContactRecord>> contact_records() override;
  Result<std::set<std::pair<std::int64_t, std::int64_t>>> contacts_apart() override;
  Status tag_contact(std::int64_t contact_id, std::string_view tag, bool add) override;
  Result<std::int64_t> add_note(std::int64_t contact_id, std::string_view note,
                                UnixTime now) override;
  Status edit_note(std::int64_t contact_id, std::int64_t note_id, std::string_view note,
                   UnixTime now) override;
  Status delete_note(std::int64_t contact_id, std::int64_t note_id) override;
  Result<PeriodSummary> period_summary(UnixTime since) override;
  Result<std::vector<std::int64_t>> digest_listing(std::string_view digest_message_id) override;
  Result<bool> record_digest_command(std::string_view reply_key, std::string_view line,
                                     std::string_view result, UnixTime at) override;
  Result<std::vector<std::string>> unconfirmed_digest_commands() override;
  Status confirm_digest_commands(std::string_view slot) override;
  Result<std::optional<UnixTime>> last_delivery_time() override;
  Result<std::int64_t> record_digest(const Digest& digest) override;
  Status mark_digest_delivered(std::int64_t digest_id, std::string_view delivery,
                               std::string_view message_id, UnixTime at) override;

  // The connection, for tests and maintenance commands.
  db::Database& database() { return db_; }

 private:
  Status fold_stored_names();
  Status move_text_notes();
  explicit SqlStore(db::Database db);
  Result<BatchResult> commit_batch_once(std::int64_t source_id, const Batch& batch, UnixTime now);
  Status write_episode(std::int64_t source_id, const Episode& e, UnixTime now, BatchResult& r);
  Status write_newsletter(std::int64_t source_id, const Message& m, UnixTime now, BatchResult& r);
  // `stored`: the natural keys known to be stored (the batch's, looked up at once, and those it
  // wrote); a key that is not listable() is looked up alone.
  Status write_message(std::int64_t source_id, const Message& m, UnixTime now, BatchResult& r,
                       std::unordered_set<std::string>& stored);
  // Reads the identities a batch's messages carry, at once, into batch_identities_.
  Status read_batch_identities(const Batch& batch);
  static std::string identity_key(std::string_view kind, std::string_view value);  // "kind\x1fvalue"
  // Whether `s` reads back from a JSON list as it is (valid UTF-8, no control characters):
  // what is looked up a batch at a time. Anything else is looked up alone.
  static bool listable(std::string_view s);
  Result<std::int64_t> resolve_identity(std::int64_t source_id, const Message& m, UnixTime now,
                                        BatchResult& r);
  Result<db::Statement*> cached(const char* sql);
  // Recomputes a contact's name and first/last seen from the messages of its identities.
  Status recompute_contact(std::int64_t contact_id);
  Result<bool> split_between(std::int64_t a, std::int64_t b);
  // kBusy naming who holds the source's lease: "<what> studio-2 pid 4242, its lease …".
  Status read_elsewhere(std::int64_t source_id, const std::string& what);

  db::Database db_;
  std::string lease_holder_;
  // While a batch is written: its identities ("kind\x1fvalue") that are stored, with their ids
  // and people, read at once and kept up to date as it writes (a round trip per identity to a
  // database server otherwise). Dropped when a merge moves identities; then each is looked up.
  using IdentityIds = std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>>;
  std::optional<IdentityIds> batch_identities_;
  // While a batch is written: what its messages say of each person (their name, and the
  // earliest and latest times), and of how each identity was spelled, written once per person
  // and identity at the end (write_seen), in the order of their ids, instead of once a message.
  struct Seen {
    std::string name;
    UnixTime name_at = 0;
    bool named = false;
    UnixTime first = std::numeric_limits<UnixTime>::max();
    UnixTime last = std::numeric_limits<UnixTime>::min();
  };
  struct Spelling {
    std::string written;
    UnixTime at = 0;
    bool set = false;
  };
  std::map<std::int64_t, Seen> seen_contacts_;
  std::map<std::int64_t, Spelling> seen_written_;
  // Writes what the batch saw of people and identities (`doing`: what for, for errors).
  Status write_seen(const std::string& doing);
  // Ids drawn for the batch's new people and identities, on PostgreSQL; used up from the back.
  std::vector<std::int64_t> drawn_contact_ids_;
  std::vector<std::int64_t> drawn_identity_ids_;
  // PostgreSQL's statistics: rows this store added since it last had them gathered, and
  // before (see commit_batch).
  std::int64_t rows_since_analyze_ = 0;
  std::int64_t rows_analyzed_ = 0;
  // Prepared once, reused for every row: keyed by the SQL text's address.
  // A deque: a statement handed out stays where it is while others are added.
  std::deque<std::pair<const char*, db::Statement>> statements_;
};

}  // namespace rapport
