// rapport run: one pass of what is due, then the digest when it is due.
#include <signal.h>

#include <iostream>
#include <memory>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/database_lock.h"
#include "app/from_config.h"
#include "app/progress.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/text.h"
#include "ingest/feed/http_client.h"
#include "notify/digest_render.h"
#include "pipeline/run_once.h"
#include "pipeline/schedule.h"

namespace rapport::app {

namespace {

std::string describe(const pipeline::SourceOutcome& o) {
  const BatchResult& r = o.stored;
  std::string s = o.name + " (" + o.kind + "): ";
  if (o.kind == "feed") {
    s += std::to_string(r.episodes_added) + " new episodes, " + std::to_string(r.episodes_updated) +
         " updated";
  } else if (o.kind == "sent folder") {
    s += std::to_string(r.answers_added) + " answers found";
  } else if (o.kind == "import" || o.kind == "drop folder") {
    s += std::to_string(r.messages_added) + " new messages, " + std::to_string(r.contacts_added) +
         " new people";
    if (r.messages_known) s += ", " + std::to_string(r.messages_known) + " already stored";
  } else if (o.kind == "comments") {
    s += std::to_string(r.messages_added) + " new comments, " + std::to_string(r.contacts_added) +
         " new people";
  } else {
    s += std::to_string(r.messages_added) + " new messages (" + std::to_string(r.human_added) +
         " from people, " + std::to_string(r.automatic_added) + " automatic), " +
         std::to_string(r.contacts_added) + " new people";
    if (r.messages_known) s += ", " + std::to_string(r.messages_known) + " already stored";
  }
  if (!o.warnings.empty()) s += "; " + std::to_string(o.warnings.size()) + " warnings";
  return s;
}

// The outcome of each source as a JSON array.
void write_sources(JsonWriter& j, const std::vector<pipeline::SourceOutcome>& outcomes) {
  j.begin_array();
  for (const auto& o : outcomes) {
    j.begin_object().key("name").value(o.name).key("kind").value(o.kind).key("ok").value(
        !o.error.has_value());
    j.key("error");
    if (o.error) {
      j.value(o.error->to_string());
    } else {
      j.null();
    }
    j.key("skipped").value(o.skipped);
    j.key("episodes_added")
        .value(o.stored.episodes_added)
        .key("episodes_updated")
        .value(o.stored.episodes_updated)
        .key("messages_added")
        .value(o.stored.messages_added)
        .key("messages_known")
        .value(o.stored.messages_known)
        .key("human_added")
        .value(o.stored.human_added)
        .key("automatic_added")
        .value(o.stored.automatic_added)
        .key("people_added")
        .value(o.stored.contacts_added)
        .key("warnings")
        .begin_array();
    for (const auto& w : o.warnings) j.value(w);
    j.end_array().end_object();
  }
  j.end_array();
}

// Where the digest went, in the log: "written" only when a file was.
void log_delivery(const std::string& delivered) {
  if (delivered.rfind("file ", 0) == 0) {
    log::info("digest written to " + delivered.substr(5));
  } else {
    log::info("digest sent: " + delivered);
  }
}

}  // namespace

int run_command(const Invocation& inv) {
  if (inv.has("--quiet")) log::set_level(log::Level::kWarn);
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  ingest::CurlHttpClient http;
  SystemClock clock;
  auto sources = make_sources(*cfg, http, clock);
  if (!sources) {
    print_error(sources.error());
    return kUsage;
  }
  // One process reads sources into a database at a time: a daemon, or this run.
  auto lock = DatabaseLock::acquire(cfg->store.path, "run");
  if (!lock) {
    print_error(lock.error());
    return kFailure;
  }
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  {
    // What the config no longer names leaves status and the digest (its data stays).
    std::vector<std::string> live;
    for (const auto& src : *sources) live.push_back(src.source->name());
    if (auto st = (*store)->retire_sources(live, clock.now()); !st) log::warn(st.error().to_string());
  }
  pipeline::PollOptions poll;
  poll.http = &http;
  poll.limits = {cfg->fetch.max_connections, cfg->fetch.max_connections_per_host};
  poll.episode_comment_feeds = cfg->fetch.episode_comment_feeds;
  poll.only_due = !inv.has("--all");
  poll.creator_addresses = {cfg->creator.email};
  poll.identity_rules = identity_rules(*cfg);
  ProgressLines progress(ProgressLines::mode_for(inv.has("--quiet")));
  poll.on_progress = progress.sink();
  std::vector<ingest::Source*> list;
  for (const auto& s : *sources) {
    list.push_back(s.source.get());
    poll.policies[s.source->name()] = s.policy;
  }
  auto outcomes = pipeline::poll_sources(**store, list, clock, poll);
  bool failed = false;
  for (const auto& o : outcomes) {
    if (o.error) {
      failed = true;
      log::error(o.name + " (" + o.kind + ") failed: " + o.error->to_string());
      continue;
    }
    if (o.not_due) {
      log::info(o.name + " (" + o.kind + "): " + o.skipped);
      continue;
    }
    if (!o.skipped.empty()) {
      log::warn(o.name + " (" + o.kind + ") skipped: " + o.skipped);
      continue;
    }
    log::info(describe(o));
    if (!o.moved_to.empty()) {
      log::warn(o.name + " moved permanently to " + o.moved_to +
                "; it is read there from now on (update its url in the config)");
    }
    for (const auto& w : o.warnings) log::debug(o.name + ": " + w);
  }

  const bool json = inv.has("--json");
  const bool quiet = inv.has("--quiet");
  // What run prints: with --json one object always (the sources, the digest or null, the next
  // digest's time); else the digest's text when one was made, and nothing with --quiet.
  auto finish = [&](const Digest* digest, const std::optional<std::string>& delivered,
                    std::optional<UnixTime> next_digest) {
    if (json) {
      JsonWriter j;
      j.begin_object().key("sources");
      write_sources(j, outcomes);
      j.key("digest");
      if (digest) {
        write_digest(j, *digest, *cfg, delivered);
      } else {
        j.null();
      }
      j.key("next_digest");
      if (next_digest) {
        j.value(format_rfc3339_local(*next_digest));
      } else {
        j.null();
      }
      j.end_object();
      std::cout << j.str() << "\n";
    } else if (digest && !quiet) {
      std::cout << notify::render_text(*digest,
                                       {cfg->creator.name, cfg->digest.excerpt_chars,
                                        notify::reply_subject_for(cfg->digest.reply_subject,
                                                                  cfg->creator.show)});
    }
    return failed ? kFailure : kOk;
  };

  std::optional<std::string> slot;
  if (!cfg->digest.timezone.empty()) {
    setenv("TZ", cfg->digest.timezone.c_str(), 1);
    tzset();
  }
  pipeline::DigestSchedule schedule{cfg->digest.at_minute.value_or(0), cfg->digest.days};
  if (cfg->digest.at_minute && !inv.has("--all")) {
    // A schedule is set: deliver only when a slot is due, as the daemon would.
    auto last = (*store)->last_delivered_digest();
    if (!last) {
      print_error(last.error());
      return kFailure;
    }
    slot = pipeline::digest_due(schedule, *last, clock.now());
    if (!slot) {
      auto next = pipeline::next_digest_slot(schedule, clock.now());
      log::info("no digest due" +
                (next ? " (next: " + format_local_short(*next, clock.now()) + ")" : std::string()));
      return finish(nullptr, std::nullopt, next);
    }
  }
  auto digest = pipeline::build_digest(**store, digest_settings(*cfg), clock.now());
  if (digest && slot) digest->slot = *slot;
  if (!digest) {
    print_error(digest.error());
    return kFailure;
  }
  auto mailer = make_mailer(*cfg);
  if (!mailer) {
    print_error(mailer.error());
    return kUsage;
  }
  std::optional<UnixTime> next_digest;
  if (cfg->digest.at_minute) next_digest = pipeline::next_digest_slot(schedule, clock.now() + 60);
  if (cfg->smtp.enabled && !inv.has("--all")) {
    // One email per slot, however often run is called.
    auto last = (*store)->last_delivered_digest();
    if (last && *last && **last >= digest->slot) {
      log::info("the digest for " + digest->slot + " was already sent; --all sends it again");
      return finish(&*digest, std::nullopt, next_digest);
    }
  }
  auto delivery =
      pipeline::deliver_digest(**store, *digest, digest_settings(*cfg), **mailer, clock.now());
  if (!delivery) {
    print_error(delivery.error());
    return kFailure;
  }
  log_delivery(delivery->delivered);
  return finish(&*digest, delivery->delivered, next_digest);
}

}  // namespace rapport::app
