#include "app/daemon.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "app/command_common.h"
#include "app/database_lock.h"
#include "app/progress.h"
#include "app/from_config.h"
#include "app/listener.h"
#include "app/web_server.h"
#include "config/config.h"
#include "core/log.h"
#include "core/text.h"
#include "ingest/feed/feed_source.h"
#include "ingest/feed/http_client.h"
#include "notify/mailer.h"
#include "pipeline/run_once.h"
#include "pipeline/schedule.h"
#include "store/sql_store.h"

namespace rapport::app {
namespace {

constexpr int kStopGraceSeconds = 8;  // then abandon polls in flight; SQLite rolls them back
// The longest the daemon sleeps without looking at the database: it wakes when something is
// due, when a poll ends, when the inbox marks a source due, on a signal; and at least this
// often, for what it cannot be told of: a laptop waking from sleep (the wait's clock stops
// while the machine sleeps) or a `rapport serve` on the same database marking a source due.
constexpr std::int64_t kLongestSleepSeconds = 60;

using Scheduled = ScheduledSource;

class Daemon {
 public:
  Daemon(std::string config_path, config::Config cfg)
      : path_(std::move(config_path)), cfg_(std::move(cfg)), rng_(std::random_device{}()) {}

  int run() {
    apply_timezone();
    auto lock = DatabaseLock::acquire(cfg_.store, "daemon");
    if (!lock) {
      std::cerr << "rapport: " << lock.error().to_string() << "\n";
      return 2;
    }
    lock_ = std::move(*lock);
    auto store = open_store(cfg_.store);
    if (!store) {
      std::cerr << "rapport: " << store.error().to_string() << "\n";
      // A config the database cannot take (a show begun with its own people opened as
      // sharing the network's) is a config error: systemd does not start it again as it is.
      return exit_status(store.error());
    }
    store_ = std::move(*store);
    auto sources = make_sources(cfg_, http_, clock_);
    auto served = served_inboxes(cfg_);
    if (!sources || !served) {
      std::cerr << "rapport: " << (!sources ? sources.error() : served.error()).to_string() << "\n";
      return 2;
    }
    sources_ = std::move(*sources);
    started_at_ = clock_.now();
    retire_unlisted();
    if (!start_listener(std::move(*served))) return 1;
    if (!start_web()) return 1;
    std::thread signals([this] { wait_for_signals(); });
    signals.detach();
    log::info("daemon started (pid " + std::to_string(::getpid()) +
              "): " + std::to_string(sources_.size()) + " sources, database " + cfg_.store.where());

    // Nothing ticks: each pass finds when the next thing is due and sleeps until then (or
    // until woken), so an idle daemon costs next to nothing.
    while (!stop_) {
      if (reload_.exchange(false)) reload();
      if (auto held = lock_->still_held(); !held) {
        if (held.error().code == ErrorCode::kUsage) {
          log::error(held.error().to_string());
          lock_lost_ = true;
          stop_ = true;
          break;
        }
        // The server is away: polls fail and are retried as they would without the lock.
      }
      const UnixTime now = clock_.now();
      UnixTime next = std::min(dispatch_due_polls(now), send_digest_if_due(now));
      if (polls_ended_.exchange(false)) {
        report_outage();
        give_back_memory();
      }
      ++passes_;
      std::unique_lock<std::mutex> lk(mutex_);
      if (woken_) {
        woken_ = false;
        continue;
      }
      std::int64_t sleep = std::clamp<std::int64_t>(next - clock_.now(), 1, kLongestSleepSeconds);
      wake_.wait_for(lk, std::chrono::seconds(sleep),
                     [this] { return stop_.load() || reload_.load() || woken_; });
      woken_ = false;
    }
    return shut_down();
  }

 private:
  void apply_timezone() {
    if (cfg_.digest.timezone.empty()) return;
    setenv("TZ", cfg_.digest.timezone.c_str(), 1);
    tzset();
  }

  bool start_listener(std::vector<ServedInbox> served) {
    if (listener_) listener_->stop();
    listener_.reset();
    listener_store_.reset();
    if (served.empty() || !cfg_.listener.enabled) return true;
    auto s = open_store(cfg_.store);  // the listener's own connection
    if (!s) {
      log::error("listener: " + s.error().to_string());
      return false;
    }
    listener_store_ = std::move(*s);
    ListenerOptions options;
    options.address = cfg_.listener.address;
    options.port = cfg_.listener.port;
    options.max_body_bytes = cfg_.listener.max_body_bytes;
    options.trusted_proxy = cfg_.listener.trusted_proxy;
    options.identity_rules = identity_rules(cfg_);
    listener_ = std::make_unique<Listener>(options, std::move(served), *listener_store_, clock_);
    if (auto st = listener_->start(); !st) {
      log::error(st.error().to_string());
      return false;
    }
    log::info("listening on http://" + options.address + ":" + std::to_string(listener_->port()));
    return true;
  }

  // The web inbox, when [web] asks for it; restarted with the config.
  bool start_web() {
    if (web_) web_->stop();
    web_.reset();
    if (!cfg_.web.enabled) return true;
    auto w = WebServer::start(cfg_, clock_, [this] { wake(); });
    if (!w) {
      log::error("web inbox: " + w.error().to_string());
      return false;
    }
    web_ = std::move(*w);
    log::info("the inbox is at " + web_->url());
    return true;
  }

  void wait_for_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    while (!stop_) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        log::info("SIGHUP: reloading " + path_);
        reload_ = true;
      } else {
        log::info(std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
        stop_ = true;
      }
      wake_.notify_all();
    }
  }

  void reload() {
    auto cfg = config::load(path_);
    if (!cfg) {
      log::error("the new config is not valid, the running one is kept: " +
                 cfg.error().to_string());
      return;
    }
    if (cfg->store.where() != cfg_.store.where()) {
      log::error("the new config names another database (" + cfg->store.where() +
                 "); restart the daemon to switch; the running config is kept");
      return;
    }
    auto sources = make_sources(*cfg, http_, clock_);
    auto served = served_inboxes(*cfg);
    if (!sources || !served) {
      log::error("the new config cannot be used, the running one is kept: " +
                 (!sources ? sources.error() : served.error()).to_string());
      return;
    }
    cfg_ = std::move(*cfg);
    apply_timezone();
    sources_ = std::move(*sources);  // polls in flight keep their own source alive
    retire_unlisted();
    discovered_at_ = 0;              // the comment-feed limit may have changed
    next_slot_at_ = 0;               // and the digest's time
    start_listener(std::move(*served));
    start_web();
    log::info("reloaded " + path_ + ": " + std::to_string(sources_.size()) + " sources");
  }

  // What the config no longer names leaves status and the digest (its data stays).
  void retire_unlisted() {
    std::vector<std::string> live;
    for (const auto& s : sources_) live.push_back(s.source->name());
    if (auto st = store_->retire_sources(live, clock_.now()); !st) log::warn(st.error().to_string());
  }

  // After the last poll under way has ended: the memory its threads freed goes back to the
  // system (glibc keeps each thread's arena otherwise), so the daemon rests small.
  void give_back_memory() {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      if (!in_flight_.empty()) return;
    }
    ::malloc_trim(0);
  }

  // Ends the main loop's sleep: something may be due sooner than it planned.
  void wake() {
    std::lock_guard<std::mutex> lk(mutex_);
    woken_ = true;
    wake_.notify_all();
  }

  // The comment feeds (wfw:commentRss) of the newest episodes, polled like configured feeds.
  std::vector<Scheduled> episode_comment_feeds() {
    std::vector<Scheduled> out;
    if (cfg_.fetch.episode_comment_feeds <= 0) return out;
    auto episodes = store_->episodes();
    if (!episodes) return out;
    pipeline::PollPolicy policy;
    policy.interval_seconds = 60 * 60;
    policy.backoff_cap_seconds = std::int64_t{cfg_.daemon.max_backoff_minutes} * 60;
    for (const Episode& e : *episodes) {
      if (static_cast<int>(out.size()) >= cfg_.fetch.episode_comment_feeds) break;
      if (e.comments_feed.empty()) continue;
      ingest::FeedSourceOptions o;
      o.name = "comments of " + e.guid;
      o.url = e.comments_feed;
      o.kind = ingest::FeedKind::kComments;
      o.episode_guid = e.guid;
      out.push_back({std::make_shared<ingest::FeedSource>(o, http_, clock_), policy});
    }
    // The episodes' social threads, as often as their comment feeds.
    for (auto& thread : pipeline::social_threads(*episodes, cfg_.fetch.episode_comment_feeds,
                                                 http_, clock_)) {
      out.push_back({std::shared_ptr<ingest::Source>(std::move(thread)), policy});
    }
    return out;
  }

  // Starts the polls that are due; returns when the next one not under way is due (a poll
  // under way wakes the loop when it ends).
  UnixTime dispatch_due_polls(UnixTime now) {
    UnixTime next = now + kLongestSleepSeconds;
    // Episodes change only when a feed is read: their comment feeds are looked up again only
    // after a poll brought new episodes.
    if (episodes_changed_.exchange(false) || !discovered_at_) {
      discovered_ = episode_comment_feeds();
      discovered_at_ = now;
    }
    std::vector<Scheduled> all = sources_;
    all.insert(all.end(), discovered_.begin(), discovered_.end());
    for (const auto& s : all) {
      {
        std::lock_guard<std::mutex> lk(mutex_);
        if (stop_ || static_cast<int>(in_flight_.size()) >= cfg_.daemon.concurrency) return next;
        if (in_flight_.count(s.source->name())) continue;
      }
      auto state = store_->source(s.source->kind(), s.source->name(), s.source->location(), now);
      if (!state) {
        log::error(state.error().to_string());
        continue;
      }
      if (state->dead_since) continue;
      if (auto elsewhere = pipeline::read_elsewhere(*store_, *state, now)) {
        // Another process reads it (a lease left by a daemon whose connection was lost, or a
        // machine of the network): looked at again when that lease runs out.
        log::info(s.source->name() + ": " + *elsewhere);
        next = std::min(next, state->lease_until.value_or(now + 60));
        continue;
      }
      if (auto interrupted = pipeline::settle_interrupted_read(*store_, *state, now)) {
        // The last read of it never finished (this daemon, or one before it, stopped during
        // it): a failure, retried after the backoff, so one source cannot stop the rest.
        int failures = state->consecutive_failures + 1;
        double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        UnixTime retry = pipeline::next_poll_time(s.policy, now, failures, 0, std::nullopt, jitter);
        (void)store_->schedule_poll(state->id, retry);
        log::warn(s.source->name() + " (" + std::string(s.source->kind()) + ") failed, " +
                  std::to_string(failures) + " in a row: " + interrupted->to_string() +
                  " (next poll " + format_rfc3339_local(retry) + ")");
        next = std::min(next, retry);
        continue;
      }
      UnixTime due = std::max(state->next_due_at.value_or(now), state->next_poll_at.value_or(now));
      if (due > now) {  // not yet, or a wait the server asked for (Retry-After)
        next = std::min(next, due);
        continue;
      }
      {
        std::lock_guard<std::mutex> lk(mutex_);
        in_flight_.insert(s.source->name());
      }
      double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
      // The worker gets copies of what it needs from the config: a reload may replace it.
      std::thread([this, s, st = *state, jitter, db = cfg_.store, me = cfg_.creator.email,
                   rules = identity_rules(cfg_)] {
        poll(s, st, jitter, db, me, rules);
      }).detach();
    }
    return next;
  }

  // On a worker thread, with its own database connection.
  void poll(Scheduled s, SourceState state, double jitter, const config::StoreConfig& db,
            const std::string& creator_email, const pipeline::IdentityRules& rules) {
    auto store = open_store(db);
    if (store) {
      auto episodes = (*store)->episodes();
      // A long read (a first IMAP read of years of mail) logs how far it is every few seconds.
      ProgressLines progress(ProgressLines::Mode::kLog);
      auto out = pipeline::poll_source(**store, *s.source, state,
                                       episodes ? *episodes : std::vector<Episode>{}, clock_,
                                       {creator_email}, rules, progress.sink());
      if (out.stored.episodes_added > 0) {
        episodes_changed_ = true;
        auto all = (*store)->episodes();
        auto linked = pipeline::relink_messages(
            **store, all ? *all : std::vector<Episode>{},
            clock_.now() - pipeline::kRelinkDays * 86400);
        if (!linked) log::warn("linking messages to new episodes: " + linked.error().to_string());
      }
      // What it stored is made searchable now, on this connection, so a search never waits
      // for a large read to be indexed.
      while (out.stored.messages_added > 0) {
        auto indexed = (*store)->index_for_search(20'000);
        if (!indexed) log::warn("indexing for search: " + indexed.error().to_string());
        if (!indexed || *indexed == 0) break;
      }
      int failures = out.error ? state.consecutive_failures + 1 : 0;
      std::int64_t retry_after = out.error ? out.error->retry_after_seconds : 0;
      UnixTime next = pipeline::next_poll_time(s.policy, clock_.now(), failures, retry_after,
                                               out.ttl_seconds, jitter);
      (void)(*store)->schedule_poll(state.id, next);
      std::string when = " (next poll " + format_rfc3339_local(next) + ")";
      if (out.error) {
        log::warn(out.name + " (" + out.kind + ") failed, " + std::to_string(failures) +
                  " in a row: " + out.error->to_string() + when);
      } else {
        log::info(out.name + " (" + out.kind + "): " + std::to_string(out.stored.episodes_added) +
                  " new episodes, " + std::to_string(out.stored.messages_added) +
                  " new messages, " + std::to_string(out.stored.contacts_added) + " new people" +
                  when);
      }
    } else {
      log::error(store.error().to_string());
    }
    polls_ended_ = true;
    std::lock_guard<std::mutex> lk(mutex_);
    in_flight_.erase(s.source->name());
    woken_ = true;
    wake_.notify_all();
  }

  // Sends the digest when its time has come; returns when to look again.
  UnixTime send_digest_if_due(UnixTime now) {
    const UnixTime later = now + kLongestSleepSeconds;
    if (!cfg_.digest.at_minute) return later;
    {
      // Let the polls under way finish first, so the digest includes what they bring (the
      // last one to end wakes the loop).
      std::lock_guard<std::mutex> lk(mutex_);
      if (!in_flight_.empty()) return later;
    }
    pipeline::DigestSchedule schedule;
    schedule.minute_of_day = *cfg_.digest.at_minute;
    schedule.days = cfg_.digest.days;
    const UnixTime next_slot = pipeline::next_digest_slot(schedule, now).value_or(later);
    // Looked up only when a slot may have come: the last delivered digest is in the database.
    if (now < next_slot_at_ && retry_digest_at_ == 0) return next_slot_at_;
    auto last = store_->last_delivered_digest();
    if (!last) {
      log::error(last.error().to_string());
      return later;
    }
    auto due = pipeline::digest_due(schedule, *last, now);
    if (!due) {
      next_slot_at_ = next_slot;
      retry_digest_at_ = 0;
      return next_slot;
    }
    if (failed_slot_ == *due && now < retry_digest_at_) return retry_digest_at_;
    pipeline::DigestSettings settings = digest_settings(cfg_);
    apply_weights(cfg_.digest.weights, settings.weights);
    auto digest = pipeline::build_digest(*store_, settings, now);
    if (digest) {
      digest->slot = *due;
      auto mailer = make_mailer(cfg_);
      if (!mailer) {
        log::error("digest for " + *due + " not delivered: " + mailer.error().to_string());
        failed_slot_ = *due;
        retry_digest_at_ = now + 3600;
        return retry_digest_at_;
      }
      auto sent = pipeline::deliver_digest(*store_, *digest, settings, **mailer, now);
      if (sent) {
        log::info("digest for " + *due + " delivered: " + sent->delivered + " (" +
                  std::to_string(digest->items.size()) + " people)");
        failed_slot_.clear();
        retry_digest_at_ = 0;
        next_slot_at_ = next_slot;
        return next_slot;
      }
      log::error("digest for " + *due + " not delivered: " + sent.error().to_string());
    } else {
      log::error("digest for " + *due + " not built: " + digest.error().to_string());
    }
    // Not delivered: try again with a growing wait (1, 2, 4 … 60 minutes); it is never
    // recorded as sent before the server accepted it, so the slot gets one email.
    if (failed_slot_ != *due) digest_failures_ = 0;
    failed_slot_ = *due;
    retry_digest_at_ =
        now + std::min<std::int64_t>(3600, std::int64_t{60} << std::min(digest_failures_++, 6));
    return retry_digest_at_;
  }

  void report_outage() {
    auto sources = store_->sources();
    if (!sources) return;
    bool outage = pipeline::looks_like_network_outage(*sources);
    if (outage && !outage_reported_) {
      log::warn(
          "every network source is failing: the network looks down (not one dead feed); "
          "polling goes on with backoff");
    } else if (!outage && outage_reported_) {
      log::info("network sources are answering again");
    }
    outage_reported_ = outage;
  }

  int shut_down() {
    if (web_) web_->stop();
    if (listener_) listener_->stop();
    std::unique_lock<std::mutex> lk(mutex_);
    bool idle = wake_.wait_for(lk, std::chrono::seconds(kStopGraceSeconds),
                               [this] { return in_flight_.empty(); });
    if (!idle) {
      log::warn("stopping with " + std::to_string(in_flight_.size()) +
                " poll(s) unfinished; their transactions are rolled back and read again next time");
      std::cerr.flush();
      std::_Exit(0);
    }
    // How often it woke: a daemon with nothing due sleeps (a minute at a time at the most).
    log::info("stopped (woke " + std::to_string(passes_) + " times in " +
              std::to_string(clock_.now() - started_at_) + " s)");
    return lock_lost_ ? 1 : 0;
  }

  std::string path_;
  config::Config cfg_;
  std::unique_ptr<DatabaseLock> lock_;
  bool lock_lost_ = false;  // another daemon took the database while ours was away
  std::unique_ptr<SqlStore> store_;  // the main thread's connection
  std::unique_ptr<SqlStore> listener_store_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<WebServer> web_;
  ingest::CurlHttpClient http_;  // used from worker threads: CurlHttpClient keeps no state
  SystemClock clock_;
  std::vector<Scheduled> sources_;
  std::vector<Scheduled> discovered_;  // the newest episodes' comment feeds
  UnixTime discovered_at_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> in_flight_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::mt19937_64 rng_;
  bool outage_reported_ = false;
  std::string failed_slot_;
  UnixTime retry_digest_at_ = 0;  // 0: no failed digest waiting to be tried again
  UnixTime next_slot_at_ = 0;     // the next digest time, once known
  bool woken_ = false;            // under mutex_: the sleep is to end
  std::atomic<bool> polls_ended_{false};
  std::atomic<bool> episodes_changed_{false};
  std::uint64_t passes_ = 0;      // of the main loop
  UnixTime started_at_ = 0;
  int digest_failures_ = 0;
};

}  // namespace

int daemon_command(const Invocation& inv) {
  if (inv.get("--log-format", "text") == "json") {
    log::set_format(log::Format::kJson);
  } else if (inv.get("--log-format", "text") != "text") {
    std::cerr << "rapport: --log-format must be text or json\n";
    return 2;
  }
  std::string path = inv.get("--config", config::default_config_path());
  auto cfg = config::load(path);
  if (!cfg) {
    std::cerr << "rapport: " << cfg.error().to_string() << "\n";
    return 2;
  }
  Daemon daemon(path, std::move(*cfg));
  return daemon.run();
}

}  // namespace rapport::app
