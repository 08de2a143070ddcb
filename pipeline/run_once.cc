#include "pipeline/run_once.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/process.h"
#include "core/text.h"
#include "ingest/feed/feed_source.h"
#include "ingest/social/social_source.h"
#include "pipeline/excerpt.h"
#include "ingest/feed/http_source.h"
#include "notify/digest_render.h"
#include "notify/mime_writer.h"
#include "pipeline/classify.h"
#include "pipeline/digest_reply.h"
#include "pipeline/extract.h"
#include "pipeline/link.h"
#include "pipeline/rank.h"
#include "pipeline/resolve.h"

namespace rapport::pipeline {

void process_message(Message& m, const std::vector<Episode>& episodes, const IdentityRules& rules) {
  process_message(m, EpisodeIndex(episodes), rules);
}

void process_message(Message& m, const EpisodeIndex& episodes, const IdentityRules& rules) {
  if (m.outgoing) {
    // The creator's own message: nothing to classify or resolve; its own words may hold
    // commands for the digest it answers. A newsletter is matched to its episode.
    m.reply_text = extract_reply(m.text);
    m.recipients.clear();
    for (const Address& to : m.to) {
      if (Identity r = email_identity(to.address, rules); !r.empty()) {
        m.recipients.push_back(std::move(r));
      }
    }
    m.newsletter = is_newsletter(m);
    if (m.newsletter) m.episode_id = episodes.link(m);
    return;
  }
  Classification c = classify(m);
  m.message_class = c.cls;
  m.class_reason = c.reason;
  m.reply_text = extract_reply(m.text);
  m.asks = m.message_class == MessageClass::kHuman && asks_anything(m.reply_text);
  m.episode_id = episodes.link(m);
  resolve(m, rules);
}

namespace {

struct Pending {
  ingest::Source* source = nullptr;
  SourceState state;
  size_t outcome = 0;  // index into the outcomes
};

// Classifies, extracts, links and resolves every message of a batch just read.
void understand(Result<Batch>& batch, const EpisodeIndex& episodes,
                const std::vector<std::string>& creator_addresses, const IdentityRules& rules) {
  if (!batch) return;
  mark_outgoing(batch->messages, creator_addresses);
  for (Message& m : batch->messages) process_message(m, episodes, rules);
}

// Stores what one source returned, understood (or its failure), and fills its outcome.
// Returns whether the batch was committed; the caller then calls the source's after_commit.
bool commit(Store& store, const Pending& p, Result<Batch>& batch, const Clock& clock,
            SourceOutcome& out, const IdentityRules& rules) {
  if (!batch) {
    out.error = batch.error();
    if (auto s = store.record_failure(p.state.id, batch.error(), clock.now()); !s) {
      log::error("cannot record the failure of " + p.state.name + ": " + s.error().to_string());
    }
    return false;
  }
  auto stored = store.commit_batch(p.state.id, *batch, clock.now());
  if (!stored) {
    out.error = stored.error();
    (void)store.record_failure(p.state.id, stored.error(), clock.now());
    return false;
  }
  out.stored += *stored;
  if (auto applied = apply_digest_replies(store, batch->messages, clock.now(), rules);
      !applied) {
    log::error("replies to a digest: " + applied.error().to_string());
  }
  out.moved_to = batch->moved_to;
  out.ttl_seconds = batch->ttl_seconds;
  out.warnings.insert(out.warnings.end(), std::make_move_iterator(batch->warnings.begin()),
                      std::make_move_iterator(batch->warnings.end()));
  return true;
}

void settle(Store& store, const Pending& p, Result<Batch> batch,
            const std::vector<Episode>& episodes, const Clock& clock, SourceOutcome& out,
            const std::vector<std::string>& creator_addresses, const IdentityRules& rules) {
  understand(batch, EpisodeIndex(episodes), creator_addresses, rules);
  if (commit(store, p, batch, clock, out, rules)) p.source->after_commit(*batch);
}

// One poll of a source that reads itself, understood; a throw becomes an error.
Result<Batch> read_and_understand(ingest::Source& source, const std::string& cursor,
                                  const EpisodeIndex& episodes,
                                  const std::vector<std::string>& creator_addresses,
                                  const IdentityRules& rules) {
  Result<Batch> batch = make_error(ErrorCode::kInternal, "not polled");
  try {
    batch = source.poll(cursor);
    understand(batch, episodes, creator_addresses, rules);
  } catch (const std::exception& e) {
    // A library threw past its wrapper: a bug, but one source must not stop the rest.
    batch = make_error(ErrorCode::kInternal, std::string("unexpected failure: ") + e.what(),
                       source.location());
  }
  return batch;
}

// Marks a source's read as under way, and holds its lease, for as long as it lives (see
// Store::begin_read). When the mark cannot be made — another process reads the source, or the
// database failed — the source is not read: taken() says so, and tell() puts why in the outcome.
class ReadMark {
 public:
  ReadMark(Store& store, std::int64_t source_id, UnixTime now)
      : store_(store), id_(source_id), status_(store_.begin_read(id_, now)) {}
  ~ReadMark() {
    if (!status_) return;
    if (auto s = store_.end_read(id_); !s) log::warn(s.error().to_string());
  }
  ReadMark(const ReadMark&) = delete;
  ReadMark& operator=(const ReadMark&) = delete;

  bool taken() const { return status_.ok(); }
  void tell(SourceOutcome& out) const {
    if (status_.error().code == ErrorCode::kBusy) {
      out.skipped = status_.error().what;
    } else {
      out.error = status_.error();
    }
  }

 private:
  Store& store_;
  std::int64_t id_;
  Status status_;
};

// Reads a source's batches one after another on a thread of its own, each read and
// understood, up to kAhead batches ahead of the one being committed: parsing goes on while the
// database writes, and through the pauses when it checkpoints. Batches come out of next() in
// the order read. The source's after_commit() runs on the reading thread, between two polls
// (or after the thread has stopped), so a source never sees both at once.
class ReadAhead {
 public:
  static constexpr size_t kAhead = 1;

  ReadAhead(ingest::Source& source, std::string cursor, const EpisodeIndex& episodes,
            const std::vector<std::string>& creator_addresses, const IdentityRules& rules)
      : source_(source),
        episodes_(episodes),
        creator_addresses_(creator_addresses),
        rules_(rules),
        thread_([this, cursor = std::move(cursor)] { read_all(cursor); }) {}
  ~ReadAhead() { stop(); }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next batch, waiting for it; call only while the last one said there is more.
  Result<Batch> next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty(); });
    Result<Batch> b = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return b;
  }

  // Hands a committed batch back for the source's after_commit().
  void committed(Batch batch) {
    std::lock_guard lock(mutex_);
    committed_.push_back(std::move(batch));
  }

  // Stops reading (a read under way finishes first) and runs the after_commit() still due.
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
    after_commits();
  }

 private:
  void read_all(std::string cursor) {
    for (;;) {
      after_commits();
      Result<Batch> b = read_and_understand(source_, cursor, episodes_, creator_addresses_, rules_);
      bool more = b && b->more && b->cursor != cursor;
      if (b) cursor = b->cursor;
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return ready_.size() < kAhead || stopping_; });
      if (stopping_) return;
      ready_.push_back(std::move(b));
      changed_.notify_all();
      if (!more) return;
    }
  }

  void after_commits() {
    std::deque<Batch> done;
    {
      std::lock_guard lock(mutex_);
      done.swap(committed_);
    }
    for (const Batch& b : done) source_.after_commit(b);
  }

  ingest::Source& source_;
  const EpisodeIndex& episodes_;
  const std::vector<std::string>& creator_addresses_;
  const IdentityRules& rules_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Result<Batch>> ready_;
  std::deque<Batch> committed_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above is ready
};

// Polls a source that reads itself (not over the shared HTTP fetch) and stores what it gives,
// batch after batch while it has more, each committed with its cursor: an interrupted run
// keeps what was committed and the next one resumes there. The batches are read and
// understood ahead on a second thread (ReadAhead), so parsing and the database work at once.
void poll_local(Store& store, const Pending& p, const std::vector<Episode>& episodes,
                const Clock& clock, SourceOutcome& out,
                const std::vector<std::string>& creator_addresses, const IdentityRules& rules,
                const ProgressSink& progress) {
  const auto began = std::chrono::steady_clock::now();
  ReadProgress told;
  told.name = p.state.name;
  told.kind = std::string(p.source->kind());
  const EpisodeIndex index(episodes);
  ReadMark mark(store, p.state.id, clock.now());
  if (!mark.taken()) {
    mark.tell(out);
    return;
  }
  std::string cursor = p.state.cursor;
  ReadAhead reader(*p.source, cursor, index, creator_addresses, rules);
  for (bool first = true;; first = false) {
    Result<Batch> batch = reader.next();
    if (batch && !first) batch->continues_read = true;
    bool more = batch && batch->more && batch->cursor != cursor;
    bool committed = commit(store, p, batch, clock, out, rules);
    if (committed && progress) {
      told.at = batch->progress;
      told.messages += static_cast<std::int64_t>(batch->messages.size() + batch->episodes.size());
      ++told.batches;
      told.more = more;
      told.elapsed_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      progress(told);
    }
    if (committed) {
      cursor = batch->cursor;
      reader.committed(std::move(*batch));
    }
    if (!more || !committed) break;
  }
  reader.stop();
}

// Records when a source is due next, after a poll that failed with `failures` in a row.
void schedule_after(Store& store, const SourceState& state, const PollOptions& options,
                    const SourceOutcome& out, int failures, const Clock& clock) {
  auto policy = options.policies.find(state.name);
  if (policy == options.policies.end()) return;
  std::int64_t retry_after = out.error ? out.error->retry_after_seconds : 0;
  // A stable jitter per source and poll count: no randomness in a one-shot run's output.
  double jitter = static_cast<double>(std::hash<std::string>{}(state.name) % 1000) / 1000.0;
  UnixTime next =
      next_poll_time(policy->second, clock.now(), failures, retry_after, out.ttl_seconds, jitter);
  (void)store.schedule_poll(state.id, next);
}

// Looks up each source's state and decides whether it is due; returns those to poll. A source
// whose last read never finished is not read now: that is recorded as its failure, and it is
// tried again after the backoff, so a source that crashes the process cannot stop every pass.
std::vector<Pending> prepare(Store& store, const std::vector<ingest::Source*>& sources,
                             const Clock& clock, std::vector<SourceOutcome>& outcomes,
                             const PollOptions& options, bool only_due = false) {
  std::vector<Pending> due;
  for (ingest::Source* source : sources) {
    SourceOutcome out;
    out.name = source->name();
    out.kind = std::string(source->kind());
    auto state = store.source(source->kind(), source->name(), source->location(), clock.now());
    if (!state) {
      out.error = state.error();
    } else if (state->dead_since) {
      out.skipped = "gone since " + format_rfc3339_local(*state->dead_since) +
                    " (HTTP 410); change its url in the config to read it again";
    } else if (auto elsewhere = read_elsewhere(store, *state, clock.now())) {
      out.skipped = std::move(*elsewhere);
    } else if (auto interrupted = settle_interrupted_read(store, *state, clock.now())) {
      out.error = std::move(interrupted);
      schedule_after(store, *state, options, out, state->consecutive_failures + 1, clock);
    } else if (only_due && state->next_poll_at && *state->next_poll_at > clock.now()) {
      out.skipped = "not due until " + format_rfc3339_local(*state->next_poll_at);
      out.not_due = true;
    } else if (state->next_due_at && *state->next_due_at > clock.now()) {
      out.skipped = "the server asked to wait until " + format_rfc3339_local(*state->next_due_at);
    } else {
      out.first_read = state->cursor.empty() && !state->last_success_at;
      due.push_back({source, std::move(*state), outcomes.size()});
    }
    outcomes.push_back(std::move(out));
  }
  return due;
}

std::vector<Episode> load_episodes(Store& store) {
  auto e = store.episodes();
  if (!e) {
    log::error("cannot read episodes: " + e.error().to_string());
    return {};
  }
  return std::move(*e);
}

// Sources that can add episodes: feeds, and Sent folders (a newsletter no feed knows becomes
// an issue of its own). What is polled after them links against what they added.
bool adds_episodes(const ingest::Source* s) {
  return s->kind() == "feed" || s->kind() == "sent folder";
}

// Records when a source with a policy is due next, after the poll that produced `out`.
void schedule_next(Store& store, const Pending& p, const SourceOutcome& out, const Clock& clock,
                   const PollOptions& options) {
  int failures = out.error ? p.state.consecutive_failures + 1 : 0;
  schedule_after(store, p.state, options, out, failures, clock);
}

// Fetches every HTTP source of `wave` at once, then polls the others and stores all in order;
// episodes are read again once the episode feeds are stored, so what follows links to them.
void poll_wave(Store& store, const std::vector<Pending>& wave, const Clock& clock,
               const PollOptions& options, std::vector<SourceOutcome>& outcomes) {
  std::vector<ingest::HttpRequest> requests;
  std::vector<size_t> http_index(wave.size(), SIZE_MAX);
  for (size_t i = 0; i < wave.size(); ++i) {
    if (auto* h = dynamic_cast<ingest::HttpSource*>(wave[i].source); h && options.http) {
      http_index[i] = requests.size();
      requests.push_back(h->request(wave[i].state.cursor));
    }
  }
  std::vector<Result<ingest::HttpResponse>> responses;
  if (!requests.empty()) responses = options.http->get_many(requests, options.limits);
  std::vector<Episode> episodes = load_episodes(store);
  bool stale = false;
  bool new_episodes = false;
  for (size_t i = 0; i < wave.size(); ++i) {
    const Pending& p = wave[i];
    if (stale && p.source->kind() != "feed") {  // feeds in a row need no reload between them
      episodes = load_episodes(store);
      stale = false;
    }
    if (http_index[i] == SIZE_MAX) {
      poll_local(store, p, episodes, clock, outcomes[p.outcome], options.creator_addresses,
                 options.identity_rules, options.on_progress);
    } else {
      ReadMark mark(store, p.state.id, clock.now());
      if (!mark.taken()) {
        mark.tell(outcomes[p.outcome]);
        continue;
      }
      Result<Batch> batch = make_error(ErrorCode::kInternal, "not polled");
      try {
        batch = static_cast<ingest::HttpSource*>(p.source)->receive(
            p.state.cursor, std::move(responses[http_index[i]]));
      } catch (const std::exception& e) {
        batch = make_error(ErrorCode::kInternal, std::string("unexpected failure: ") + e.what(),
                           p.source->location());
      }
      settle(store, p, std::move(batch), episodes, clock, outcomes[p.outcome],
             options.creator_addresses, options.identity_rules);
    }
    schedule_next(store, p, outcomes[p.outcome], clock, options);
    if (adds_episodes(p.source)) {
      stale = true;
      new_episodes |= outcomes[p.outcome].stored.episodes_added > 0;
    }
  }
  if (new_episodes) {
    // Messages read while their episode was unknown (the feed failing, or read later) get it
    // now, by the same rules.
    auto linked = relink_messages(store, load_episodes(store), clock.now() - kRelinkDays * 86400);
    if (!linked) log::warn("linking messages to new episodes: " + linked.error().to_string());
  }
}

}  // namespace

std::vector<std::unique_ptr<ingest::Source>> social_threads(const std::vector<Episode>& episodes,
                                                           int newest, ingest::HttpClient& http,
                                                           const Clock& clock,
                                                           int timeout_seconds) {
  std::vector<std::unique_ptr<ingest::Source>> out;
  int taken = 0;
  for (const Episode& e : episodes) {
    if (taken >= newest) break;
    ++taken;
    if (e.social_thread.empty()) continue;
    ingest::ThreadOptions o;
    o.name = "thread of " + e.guid;
    o.uri = e.social_thread;
    o.episode_guid = e.guid;
    o.timeout_seconds = timeout_seconds;
    out.push_back(std::make_unique<ingest::ThreadSource>(std::move(o), http, clock));
  }
  return out;
}

std::vector<SourceOutcome> poll_sources(Store& store,
                                        std::span<const std::unique_ptr<ingest::Source>> sources,
                                        const Clock& clock, const PollOptions& options) {
  std::vector<ingest::Source*> raw;
  for (const auto& s : sources) raw.push_back(s.get());
  return poll_sources(store, raw, clock, options);
}

std::vector<SourceOutcome> poll_sources(Store& store, const std::vector<ingest::Source*>& sources,
                                        const Clock& clock, const PollOptions& options) {
  auto order = [](const ingest::Source* s) {
    if (s->kind() == "feed") return 0;
    if (s->kind() == "comments") return 1;
    // The Sent folder before the other mailboxes: replies link to the newsletters in it.
    if (s->kind() == "sent folder") return 2;
    return 3;
  };
  std::vector<ingest::Source*> ordered = sources;
  std::stable_sort(
      ordered.begin(), ordered.end(),
      [&](const ingest::Source* a, const ingest::Source* b) { return order(a) < order(b); });
  std::vector<SourceOutcome> outcomes;
  std::vector<Pending> due = prepare(store, ordered, clock, outcomes, options, options.only_due);
  std::vector<Pending> network;
  std::vector<Pending> local;
  for (auto& p : due) {
    (dynamic_cast<ingest::HttpSource*>(p.source) ? network : local).push_back(p);
  }
  // Feeds and comment feeds: one concurrent fetch, stored feeds first.
  poll_wave(store, network, clock, options, outcomes);

  // The comment feeds of the newest episodes, found in the episodes just stored.
  std::vector<std::unique_ptr<ingest::Source>> discovered;
  if (options.http && options.episode_comment_feeds > 0) {
    int taken = 0;
    for (const Episode& e : load_episodes(store)) {
      if (taken >= options.episode_comment_feeds) break;
      if (e.comments_feed.empty()) continue;
      ++taken;
      ingest::FeedSourceOptions o;
      o.name = "comments of " + e.guid;
      o.url = e.comments_feed;
      o.kind = ingest::FeedKind::kComments;
      o.episode_guid = e.guid;
      o.timeout_seconds = options.timeout_seconds;
      discovered.push_back(std::make_unique<ingest::FeedSource>(o, *options.http, clock));
    }
    for (auto& thread : social_threads(load_episodes(store), options.episode_comment_feeds,
                                       *options.http, clock, options.timeout_seconds)) {
      discovered.push_back(std::move(thread));
    }
  }
  if (!discovered.empty()) {
    std::vector<ingest::Source*> raw;
    for (auto& d : discovered) raw.push_back(d.get());
    poll_wave(store, prepare(store, raw, clock, outcomes, options), clock, options, outcomes);
  }

  // Mailboxes and other local sources last, linked against every episode now known.
  poll_wave(store, local, clock, options, outcomes);
  return outcomes;
}

Result<int> relink_messages(Store& store, const std::vector<Episode>& episodes, UnixTime since) {
  if (episodes.empty()) return 0;
  auto unlinked = store.unlinked_messages(since, 100000);
  if (!unlinked) return unlinked.error();
  const EpisodeIndex index(episodes);
  std::vector<std::pair<std::int64_t, std::int64_t>> links;
  for (const auto& [row, m] : *unlinked) {
    if (auto episode = index.link(m)) links.emplace_back(row, *episode);
  }
  if (auto s = store.link_messages(links); !s) return s.error();
  return static_cast<int>(links.size());
}

std::optional<Error> settle_interrupted_read(Store& store, const SourceState& state, UnixTime now) {
  if (!state.reading_since) return std::nullopt;
  Error e = make_error(ErrorCode::kInternal,
                       "its last read, begun " + format_rfc3339_local(*state.reading_since) +
                           ", never finished: Rapport stopped during it (a crash or a kill)",
                       state.name,
                       "it is read again after a pause; if this repeats, `rapport inspect` the "
                       "source and report what it shows",
                       Retry::kYes);
  if (auto s = store.record_failure(state.id, e, now); !s) log::error(s.error().to_string());
  if (auto s = store.abandon_read(state.id); !s) log::error(s.error().to_string());
  return e;
}

std::optional<std::string> read_elsewhere(const Store& store, const SourceState& state,
                                          UnixTime now) {
  if (state.lease_holder.empty() || state.lease_holder == store.lease_holder()) return std::nullopt;
  if (state.lease_until && *state.lease_until <= now) return std::nullopt;  // it ran out
  if (process_label_gone(state.lease_holder)) return std::nullopt;  // a crash on this machine
  return "being read by " + printable(state.lease_holder, 120) +
         (state.lease_until ? ", its lease running to " + format_rfc3339_local(*state.lease_until)
                            : "");
}

void mark_outgoing(std::vector<Message>& messages,
                   const std::vector<std::string>& creator_addresses) {
  std::vector<std::string> mine;  // the creator's addresses in their normal form, once a batch
  for (const auto& address : creator_addresses) {
    if (Identity i = email_identity(address); !i.empty()) mine.push_back(std::move(i.value));
  }
  if (mine.empty()) return;
  for (Message& m : messages) {
    Identity from = email_identity(m.from.address);
    if (!from.empty() && std::find(mine.begin(), mine.end(), from.value) != mine.end()) {
      m.outgoing = true;
    }
  }
}

SourceOutcome poll_source(Store& store, ingest::Source& source, const SourceState& state,
                          const std::vector<Episode>& episodes, const Clock& clock,
                          const std::vector<std::string>& creator_addresses,
                          const IdentityRules& rules, const ProgressSink& progress) {
  SourceOutcome out;
  out.name = source.name();
  out.kind = std::string(source.kind());
  out.first_read = state.cursor.empty() && !state.last_success_at;
  poll_local(store, Pending{&source, state, 0}, episodes, clock, out, creator_addresses, rules,
             progress);
  return out;
}

std::vector<ExcerptPart> excerpt_for(const DigestCandidate& who, int budget) {
  std::vector<std::string_view> words;
  for (const auto& m : who.conversation) words.push_back(m.reply_text);
  if (words.empty()) words.push_back(who.reply_text);
  return excerpt_conversation(words, static_cast<size_t>(std::max(budget, 40)));
}

Result<RankedPage> ranked_waiting(Store& store, const DigestSettings& settings, UnixTime now,
                                  int offset, int limit) {
  CandidateFilter filter;
  filter.now = now;
  filter.min_wait_seconds = settings.min_wait_seconds;
  filter.relist_after_seconds = settings.relist_after_seconds;
  filter.current_slot = local_date(now);
  filter.with_messages = false;  // read below for the people on the page only
  filter.history_before = settings.history_before;
  auto waiting = store.waiting(filter);
  if (!waiting) return waiting.error();
  RankedPage page;
  page.total = static_cast<int>(waiting->candidates.size());
  page.set_aside = waiting->set_aside;
  offset = std::max(offset, 0);
  std::vector<DigestItem> ranked = rank(std::move(waiting->candidates), now,
                                        offset + std::max(limit, 0), settings.weights);
  for (size_t i = static_cast<size_t>(offset); i < ranked.size(); ++i) {
    page.items.push_back(std::move(ranked[i]));
  }
  std::vector<DigestCandidate*> shown;
  for (auto& item : page.items) shown.push_back(&item.who);
  if (auto s = store.load_newest_messages(shown); !s) return s.error();
  for (auto& item : page.items) {
    item.excerpt = excerpt_for(item.who, settings.excerpt_chars);
    // A public review of one or two stars is someone unhappy where other listeners read it:
    // said next to why they are listed (known once their newest message is read).
    if (item.who.rating && *item.who.rating <= 2) {
      auto at = item.reasons.begin() + std::min<std::ptrdiff_t>(1, std::ssize(item.reasons));
      item.reasons.insert(at, "left a " + std::to_string(*item.who.rating) + "-star review");
    }
  }
  return page;
}

Result<Digest> build_digest(Store& store, const DigestSettings& settings, UnixTime now) {
  auto page = ranked_waiting(store, settings, now, 0, settings.max_people);
  if (!page) return page.error();
  auto counts = store.counts(settings.history_before);
  if (!counts) return counts.error();
  Digest d;
  d.slot = delivery_slot(settings.days, now);
  d.generated_at = now;
  d.show = settings.show;
  d.waiting_total = page->total;
  d.items = std::move(page->items);
  if (settings.action_links) {
    for (auto& item : d.items) item.actions = settings.action_links(item.who.contact_id, d.slot, now);
  }
  d.counts = *counts;
  d.set_aside = page->set_aside;
  // The period: since the last digest went out (a week at most, a day at least).
  auto last = store.last_delivery_time();
  UnixTime since = now - 7 * 86400;
  if (last && *last && **last > since && **last < now - 3600) since = **last;
  if (auto period = store.period_summary(since); period) d.period = std::move(*period);
  if (auto done = store.unconfirmed_digest_commands(); done) d.from_your_reply = std::move(*done);
  if (auto sources = store.sources(); sources) {
    for (auto& src : *sources) {
      if (src.retired_at) continue;  // no longer in the config: not the creator's concern
      // An export whose last read refused rows stays in view until the rows are fixed.
      bool refused_rows = (src.kind == "import" || src.kind == "drop folder") &&
                          !src.last_warnings.empty();
      if (src.consecutive_failures > 0 || src.dead_since || refused_rows) {
        d.needs_attention.push_back(std::move(src));
      }
    }
  }
  return d;
}

Result<DigestDelivery> deliver_digest(Store& store, const Digest& digest,
                                      const DigestSettings& settings, notify::Mailer& mailer,
                                      UnixTime now) {
  auto id = store.record_digest(digest);
  if (!id) return id.error();
  DigestDelivery out;
  notify::RenderOptions options{settings.creator_name, settings.excerpt_chars,
                                settings.reply_subject};
  out.text = notify::render_text(digest, options);
  out.html = notify::render_html(digest, options);
  if (auto s = store.keep_digest_text(*id, out.text); !s) return s.error();

  notify::OutgoingMessage msg;
  msg.from_name = "Rapport";
  msg.from_address = settings.creator_email;
  msg.to_name = settings.creator_name;
  msg.to_address = settings.to;
  msg.subject = notify::digest_subject(digest);
  std::string domain = settings.creator_email.substr(settings.creator_email.find('@') + 1);
  msg.message_id = "rapport-digest-" + digest.slot + "." + std::to_string(*id) + "@" + domain;
  msg.date = now;
  msg.text = out.text;
  msg.html = out.html;
  msg.extra_header_name = "X-Rapport-Digest";
  msg.extra_header_value = digest.slot;
  out.email = notify::compose(msg);

  notify::Envelope envelope{settings.creator_email, settings.to, "digest-" + digest.slot};
  auto sent = mailer.send(envelope, out.email);
  if (!sent) return sent.error();
  out.delivered = *sent;
  if (auto s = store.mark_digest_delivered(*id, *sent, msg.message_id, now); !s) return s.error();
  if (!digest.from_your_reply.empty()) {
    if (auto s = store.confirm_digest_commands(digest.slot); !s) return s.error();
  }
  return out;
}

}  // namespace rapport::pipeline
