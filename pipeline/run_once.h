// RunOnce: one pass of everything: poll each source, process and store what it returned,
// then build, record and deliver the digest. No I/O of its own beyond the interfaces it is
// given (Source, Store, Mailer, Clock).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ingest/feed/http_client.h"
#include "ingest/source.h"
#include "notify/mailer.h"
#include "pipeline/identity.h"
#include "pipeline/link.h"
#include "pipeline/rank.h"
#include "pipeline/schedule.h"
#include "store/store.h"

namespace rapport::pipeline {

// Fills the pipeline's fields of a message from a source: class, reply text, episode,
// identity and display name.
void process_message(Message& message, const std::vector<Episode>& episodes,
                     const IdentityRules& rules = {});
// The same, with the episodes prepared once for a whole batch.
void process_message(Message& message, const EpisodeIndex& episodes,
                     const IdentityRules& rules = {});

struct SourceOutcome {
  std::string name;
  std::string kind;
  std::optional<Error> error;  // set when the poll or the commit failed; nothing was stored
  std::string skipped;         // set when the source was not polled, with why
  bool not_due = false;        // skipped only because its scheduled time has not come
  std::string moved_to;        // set when a permanent redirect moved it this time
  std::optional<std::int64_t> ttl_seconds;  // the feed's ttl, when it gave one
  BatchResult stored;
  std::vector<std::string> warnings;
  bool first_read = false;  // the source had never been read before this poll
};

// Where one source's read has got, told after each batch it committed: for progress lines.
struct ReadProgress {
  std::string name;
  std::string kind;
  Progress at;                   // the source's own position, when it knows it (at.total > 0)
  std::int64_t messages = 0;     // messages and episodes read by this poll so far
  std::int64_t batches = 0;      // batches committed by this poll so far
  bool more = false;             // more batches follow
  double elapsed_seconds = 0;    // since this poll began
};
using ProgressSink = std::function<void(const ReadProgress&)>;

struct PollOptions {
  ingest::HttpClient* http = nullptr;  // for fetching HTTP sources concurrently; required
  ingest::FetchLimits limits;
  // Comment feeds (wfw:commentRss) of this many newest episodes are read too; 0: none.
  int episode_comment_feeds = 20;
  int timeout_seconds = 30;  // for those comment feeds
  // When set, a source is polled only when its scheduled time has come (rapport run for cron
  // users), and each polled source with a policy here (by name) gets its next time scheduled.
  bool only_due = false;
  // The creator's own addresses: their messages in any mailbox are answers, not listener mail.
  std::vector<std::string> creator_addresses;
  IdentityRules identity_rules;  // [contacts]: when two spellings are one identity
  std::map<std::string, PollPolicy> policies;
  ProgressSink on_progress;  // told after each committed batch of a source; may be empty
};

// Polls every source that is due, and commits each batch with its cursor in one transaction.
// HTTP sources are fetched concurrently within the limits; then batches are stored in order:
// episode feeds, comment feeds, the comment feeds of recent episodes, then everything else, so
// messages can be linked to the episodes they answer. A source that is gone (HTTP 410) or
// asked to be left alone (Retry-After) is skipped with the reason. A failing source is
// recorded on its row and the others go on. Never throws.
std::vector<SourceOutcome> poll_sources(Store& store,
                                        std::span<const std::unique_ptr<ingest::Source>> sources,
                                        const Clock& clock, const PollOptions& options);
std::vector<SourceOutcome> poll_sources(Store& store, const std::vector<ingest::Source*>& sources,
                                        const Clock& clock, const PollOptions& options);

// Polls one source from `state` (its stored row) and stores what it returned, or records its
// failure; calls after_commit() once the batch is committed. For the daemon, which polls each
// source on its own schedule. Never throws. Not thread-safe with other users of `store`.
SourceOutcome poll_source(Store& store, ingest::Source& source, const SourceState& state,
                          const std::vector<Episode>& episodes, const Clock& clock,
                          const std::vector<std::string>& creator_addresses = {},
                          const IdentityRules& rules = {}, const ProgressSink& progress = {});

// The social threads (podcast:socialInteract, activitypub) of the `newest` episodes, each a
// source of its replies, linked to its episode. `http` and `clock` must outlive them.
std::vector<std::unique_ptr<ingest::Source>> social_threads(const std::vector<Episode>& episodes,
                                                           int newest, ingest::HttpClient& http,
                                                           const Clock& clock,
                                                           int timeout_seconds = 30);

// How far back messages without an episode are linked again when new episodes arrive.
constexpr std::int64_t kRelinkDays = 90;

// Links the messages received since `since` that have no episode yet to `episodes`, by the
// rules every message is linked by (pipeline/link.h): for a message read while the feed was
// failing, or before the episode was published. Returns how many were linked. poll_sources
// calls it whenever a source added episodes.
Result<int> relink_messages(Store& store, const std::vector<Episode>& episodes, UnixTime since);

// When the last read of a source never finished (Store::begin_read's mark is left while no
// process reads it), records that as a failure, clears the mark and returns the error; else
// nullopt. The caller schedules the retry. Call only while holding the database's lock.
std::optional<Error> settle_interrupted_read(Store& store, const SourceState& state, UnixTime now);

// When another process reads the source now (its lease on the read has not run out, and it is
// not a process of this machine that has gone), what to say of it ("being read by studio-2
// pid 4242, its lease running to …"); else nullopt. Ask before settle_interrupted_read: a
// read under way elsewhere is not an interrupted one.
std::optional<std::string> read_elsewhere(const Store& store, const SourceState& state,
                                          UnixTime now);

// Marks messages from the creator's own addresses as outgoing (answers to their recipients).
void mark_outgoing(std::vector<Message>& messages,
                   const std::vector<std::string>& creator_addresses);

struct DigestSettings {
  std::string creator_name;
  std::string creator_email;
  std::string show;
  std::string to;
  int max_people = 10;
  int excerpt_chars = 600;  // per person, across their unanswered messages
  std::int64_t min_wait_seconds = 12 * 3600;  // list someone once they have waited this long
  std::int64_t relist_after_seconds = 3 * 24 * 3600;  // list them again after this, not daily
  UnixTime history_before = 0;  // [digest] start: nobody waits for an answer to older mail
  std::string reply_subject;    // for people who wrote no subject; see notify::RenderOptions
  std::array<bool, 7> days = {true, true, true, true, true, true, true};  // [digest] days
  RankWeights weights;
  // The one-tap links of a person listed in the digest of `slot` made at `at` ([web]
  // public_url); unset: none.
  std::function<std::vector<ActionLink>(std::int64_t contact_id, const std::string& slot,
                                        UnixTime at)>
      action_links;
};

// Selects and ranks the people to answer now. Fails only when the store does.
Result<Digest> build_digest(Store& store, const DigestSettings& settings, UnixTime now);

// The people waiting, ranked as the digest ranks them (build_digest is its first page):
// `limit` of them from `offset`, each with their conversation and its excerpt.
struct RankedPage {
  std::vector<DigestItem> items;
  int total = 0;       // everyone the settings let through
  SetAside set_aside;  // those they leave out, by why
};
Result<RankedPage> ranked_waiting(Store& store, const DigestSettings& settings, UnixTime now,
                                  int offset, int limit);

// What a listed person asked, across their conversation (read by load_newest_messages), within
// `budget` characters.
std::vector<ExcerptPart> excerpt_for(const DigestCandidate& who, int budget);

struct DigestDelivery {
  std::string text;  // the plain-text digest as sent
  std::string html;
  std::string email;      // the whole message
  std::string delivered;  // where it went, in words
};

// Records the digest for its slot, delivers it through `mailer`, and marks it delivered only
// after the mailer succeeded.
Result<DigestDelivery> deliver_digest(Store& store, const Digest& digest,
                                      const DigestSettings& settings, notify::Mailer& mailer,
                                      UnixTime now);

}  // namespace rapport::pipeline
