// Store: everything Rapport keeps. The pipeline and the commands talk to this interface;
// SqlStore implements it once, on an embedded SQLite file or a PostgreSQL server.
//
// Every method returns an Error with code kDatabase when the backend fails; nothing is
// half-written then. Implementations are not thread-safe: one Store per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace rapport {

// What commit_batch changed.
struct BatchResult {
  int episodes_added = 0;
  int episodes_updated = 0;
  int messages_added = 0;
  int messages_known = 0;   // already stored (same natural key): left untouched
  int human_added = 0;      // of messages_added: written by a person
  int automatic_added = 0;  // of messages_added: auto-replies, bounces, unsubscribes, lists
  int answers_added = 0;    // people answered by the creator's own (outgoing) messages
  int contacts_added = 0;
  std::optional<UnixTime> oldest_human_at;  // the oldest of the human messages added

  BatchResult& operator+=(const BatchResult& o) {
    if (o.oldest_human_at && (!oldest_human_at || *o.oldest_human_at < *oldest_human_at)) {
      oldest_human_at = o.oldest_human_at;
    }
    episodes_added += o.episodes_added;
    episodes_updated += o.episodes_updated;
    messages_added += o.messages_added;
    messages_known += o.messages_known;
    human_added += o.human_added;
    automatic_added += o.automatic_added;
    answers_added += o.answers_added;
    contacts_added += o.contacts_added;
    return *this;
  }
};

// Which candidates a digest may list.
struct CandidateFilter {
  UnixTime now = 0;
  std::int64_t min_wait_seconds = 0;      // the oldest unanswered message is at least this old
  std::int64_t relist_after_seconds = 0;  // someone listed recently is left out this long...
  std::string current_slot;               // ...unless listed in this slot (a re-render)
  // Whether each candidate's newest message (subject, id, reply text, url, kind, details) is
  // read too. Ranking needs none of it; build_digest reads it for the people listed only.
  bool with_messages = true;
  // Messages received before this are history ([digest] start): stored and counted, but
  // nobody waits for an answer to them.
  UnixTime history_before = 0;
};

// The people waiting for an answer, as a digest sees them (see Store::waiting).
struct Waiting {
  std::vector<DigestCandidate> candidates;  // those the filter lets through
  SetAside set_aside;                       // those it leaves out, by why
};

class Store {
 public:
  virtual ~Store() = default;

  // The stored state of the source called `name`, created on first use. A changed kind or
  // location (the config was edited) starts it afresh and makes it due at once; the cursor is
  // kept only when the location is unchanged. A retired source named again is live again.
  virtual Result<SourceState> source(std::string_view kind, std::string_view name,
                                     std::string_view location, UnixTime now) = 0;
  // Every source but the forgotten ones, retired ones included (see retired_at).
  virtual Result<std::vector<SourceState>> sources() = 0;
  // Marks every source not in `live` (the names the config gives) as retired at `now`; the
  // comment feeds Rapport finds itself ("comments of …") are left alone.
  virtual Status retire_sources(const std::vector<std::string>& live, UnixTime now) = 0;
  // Forgets a source: its cursor and state go (it is read afresh if the config names it
  // again); its messages and episodes stay. kNotFound when there is no such source.
  virtual Status forget_source(std::string_view name, UnixTime now) = 0;

  // Writes a batch and the cursor that follows it in one transaction, and marks the poll
  // a success (clearing any wait or dead mark; recording batch.moved_to when set): episodes are
  // upserted by (source, guid); messages are inserted by natural key, a known key leaves the stored
  // message untouched; each new message's identity is resolved to a contact, created when the
  // identity is new. All or nothing.
  virtual Result<BatchResult> commit_batch(std::int64_t source_id, const Batch& batch,
                                           UnixTime now) = 0;

  // Records a failed poll: the error, its time, one more consecutive failure; a Retry-After
  // in the error sets when the source is next due; kGone marks it dead until its location
  // changes in the config. The cursor and data are untouched.
  virtual Status record_failure(std::int64_t source_id, const Error& error, UnixTime now) = 0;

  // Records when the daemon polls the source next.
  virtual Status schedule_poll(std::int64_t source_id, UnixTime at) = 0;
  // Marks a read of the source as under way (committed at once), and as finished. A mark left
  // behind means the process stopped during the read — a crash in a parser, say — and the
  // next pass records that as a failure instead of reading the source straight away again.
  //
  // The mark is also a lease: begin_read takes it for this process (lease_holder()) until
  // now + kReadLeaseSeconds, and each batch committed renews it, so two processes never read
  // one source at once. It fails with kBusy naming the holder while another process holds an
  // unexpired lease. end_read lets go of this process's mark only; abandon_read clears
  // whoever's (a read that never finished, its process gone).
  static constexpr std::int64_t kReadLeaseSeconds = 15 * 60;
  virtual Status begin_read(std::int64_t source_id, UnixTime now) = 0;
  virtual Status end_read(std::int64_t source_id) = 0;
  virtual Status abandon_read(std::int64_t source_id) = 0;
  // The name this process's leases carry.
  virtual const std::string& lease_holder() const = 0;
  // The slot (YYYY-MM-DD) of the newest delivered digest, or nullopt before the first.
  virtual Result<std::optional<std::string>> last_delivered_digest() = 0;

  // Messages from people (and auto-replies) received since `since` that no episode was linked
  // to, newest first, at most `limit`: each with its row id and what linking reads (subject,
  // In-Reply-To, References, text, url, the episode it names).
  virtual Result<std::vector<std::pair<std::int64_t, Message>>> unlinked_messages(UnixTime since,
                                                                                  int limit) = 0;
  // Links messages (row id) to episodes (id), in one transaction; one already linked is left.
  virtual Status link_messages(
      const std::vector<std::pair<std::int64_t, std::int64_t>>& links) = 0;

  // Every stored episode of every feed, newest first.
  virtual Result<std::vector<Episode>> episodes() = 0;

  // Contacts with human messages newer than the creator's last answer to them, each with
  // its newest such message, leaving out the snoozed and, per `filter`, those who have not
  // waited long enough or were listed recently without writing since. The conversation is
  // the unit: effort (reply_chars), a question (asks_question) and the episode are the
  // strongest across all their unanswered messages. Order: newest relationship (first seen)
  // first.
  // With them, in the same pass, the people waiting whom `filter` leaves out, grouped by why.
  virtual Result<Waiting> waiting(const CandidateFilter& filter) = 0;
  Result<std::vector<DigestCandidate>> digest_candidates(const CandidateFilter& filter) {
    auto w = waiting(filter);
    if (!w) return w.error();
    return std::move(w->candidates);
  }
  Result<std::vector<DigestCandidate>> digest_candidates() { return digest_candidates({}); }
  // Fills in the newest message of each candidate (see CandidateFilter::with_messages), its
  // conversation (the open messages, oldest first) and the email thread a reply continues.
  virtual Status load_newest_messages(const std::vector<DigestCandidate*>& candidates) = 0;
  // The people waiting for an answer whom `filter` leaves out, grouped by why.
  Result<SetAside> waiting_set_aside(const CandidateFilter& filter) {
    auto w = waiting(filter);
    if (!w) return w.error();
    return w->set_aside;
  }

  // People and messages matching `query` (see SearchQuery). Brings the message index up to
  // date first (what arrived since the last search).
  virtual Result<SearchResults> search(const SearchQuery& query) = 0;
  // Indexes, for search, the messages stored since it last ran, at most `max_messages` of
  // them; returns how many. The daemon runs it after its polls so search stays instant.
  virtual Result<std::int64_t> index_for_search(std::int64_t max_messages) = 0;

  // The contact `who` names: its id, one of its identities (an address as written), or its
  // display name when exactly one contact has it. kNotFound otherwise (with the candidates).
  virtual Result<std::int64_t> find_contact(std::string_view who) = 0;
  // People (not merged into another) whose folded name (core/unicode.h fold_name) is `folded`,
  // or begins with it when `prefix`: at most `limit`, lowest id first, each with its
  // identities as written.
  virtual Result<std::vector<ContactRecord>> contacts_named(std::string_view folded, bool prefix,
                                                            int limit) = 0;
  // Records that the creator answered the contact at `at` ("manual", "sent_folder", …).
  virtual Status record_answer(std::int64_t contact_id, UnixTime at, std::string_view how,
                               std::string_view reference) = 0;
  // Leaves the contact out of digests until `until`; nullopt clears a snooze.
  virtual Status snooze(std::int64_t contact_id, std::optional<UnixTime> until) = 0;
  // Takes back the newest answer the creator recorded by hand, by a reply to the digest or by
  // one of its one-tap links (an
  // answer seen in the Sent folder is a fact, not taken back). Returns when it was; kNotFound
  // when there is none.
  virtual Result<UnixTime> undo_answer(std::int64_t contact_id) = 0;
  // The display name (or an identity when it has none) of a contact.
  virtual Result<std::string> contact_label(std::int64_t contact_id) = 0;

  // What is stored; unanswered_contacts leaves out messages received before history_before
  // (see CandidateFilter), as the digest does.
  virtual Result<Counts> counts(UnixTime history_before) = 0;
  Result<Counts> counts() { return counts(0); }

  // --- contacts ---
  // Joins `from` into `into`: its identities (and so its messages), answers and tags move,
  // and it is kept, pointing at `into`, with what moved recorded. Returns the merge's id.
  // Fails with kUsage when either is missing or already merged, or they are the same.
  virtual Result<std::int64_t> merge_contacts(std::int64_t from, std::int64_t into,
                                              std::string_view evidence, UnixTime now) = 0;
  // Undoes a merge: both people are as they would be had it never happened, with every
  // message that arrived since on the side its identity belongs to; a "split" is recorded so
  // the two are not joined automatically again.
  virtual Status unmerge(std::int64_t merge_id, UnixTime now) = 0;
  virtual Result<std::vector<ContactSummary>> contacts(const ContactFilter& filter) = 0;
  // A contact with their timeline; each message's words cut to 200 bytes, or whole when
  // `full_text`.
  virtual Result<ContactDetail> contact_detail(std::int64_t contact_id, bool full_text) = 0;
  Result<ContactDetail> contact_detail(std::int64_t contact_id) { return contact_detail(contact_id, false); }
  // One message by its row id, whole; kNotFound when there is none.
  virtual Result<StoredMessage> stored_message(std::int64_t id) = 0;
  virtual Result<std::vector<ContactRecord>> contact_records() = 0;
  // Pairs of contacts the creator said are two people (an undone merge), lower id first.
  virtual Result<std::set<std::pair<std::int64_t, std::int64_t>>> contacts_apart() = 0;
  // Records that the creator said `a` and `b` are two people (a "split", as an undone merge
  // leaves): they are never suggested or joined automatically again.
  virtual Status keep_apart(std::int64_t a, std::int64_t b, std::string_view evidence,
                            UnixTime now) = 0;
  // Tags are compared without case ("Supporter" is "supporter"). Removing a tag the contact
  // does not have fails with kNotFound.
  virtual Status tag_contact(std::int64_t contact_id, std::string_view tag, bool add) = 0;
  // Notes: added (returns the note's id), edited, removed. A note id that is not one of the
  // contact's notes fails with kNotFound.
  virtual Result<std::int64_t> add_note(std::int64_t contact_id, std::string_view note,
                                        UnixTime now) = 0;
  virtual Status edit_note(std::int64_t contact_id, std::int64_t note_id, std::string_view note,
                           UnixTime now) = 0;
  virtual Status delete_note(std::int64_t contact_id, std::int64_t note_id) = 0;
  // The people a delivered digest listed, by position (index 0 is item 1); empty when no
  // digest has that Message-ID.
  virtual Result<std::vector<std::int64_t>> digest_listing(std::string_view digest_message_id) = 0;
  // Records the outcome of one command from a reply to a digest; false when that reply's line
  // was already carried out (a reply read twice changes nothing).
  virtual Result<bool> record_digest_command(std::string_view reply_key, std::string_view line,
                                             std::string_view result, UnixTime at) = 0;
  // Keeps the digest's text as it is sent (its plain-text part).
  virtual Status keep_digest_text(std::int64_t digest_id, std::string_view text) = 0;
  // The newest `limit` digests, newest first, each with the people it listed.
  virtual Result<std::vector<DigestRecord>> digests(int limit) = 0;
  // The newest `limit` lines of replies to the digest and what each did, newest first.
  virtual Result<std::vector<DigestCommandRecord>> digest_commands(int limit) = 0;
  // Outcomes not yet shown in a digest, oldest first; and marking them shown in `slot`.
  virtual Result<std::vector<std::string>> unconfirmed_digest_commands() = 0;
  virtual Status confirm_digest_commands(std::string_view slot) = 0;

  // Replies, new people and replies per episode received after `since`.
  virtual Result<PeriodSummary> period_summary(UnixTime since) = 0;
  // When the newest delivered digest was delivered, or nullopt before the first.
  virtual Result<std::optional<UnixTime>> last_delivery_time() = 0;

  // Records the digest for its slot, replacing the list of an earlier digest for the same
  // slot. Returns the digest's id.
  virtual Result<std::int64_t> record_digest(const Digest& digest) = 0;
  // Marks a recorded digest as delivered; call only after delivery succeeded.
  virtual Status mark_digest_delivered(std::int64_t digest_id, std::string_view delivery,
                                       std::string_view message_id, UnixTime at) = 0;
};

}  // namespace rapport
