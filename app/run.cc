// rapport run: one pass of what is due, then the digest when it is due.
#include <malloc.h>
#include <signal.h>

#include <iostream>
#include <memory>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/database_lock.h"
#include "app/from_config.h"
#include "app/progress.h"
#include "config/values.h"
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
    s += count_of(r.episodes_added, "new episode", "new episodes") + ", " +
         grouped(r.episodes_updated) + " updated";
  } else if (o.kind == "sent folder") {
    s += count_of(r.answers_added, "answer", "answers") + " found";
  } else if (o.kind == "import" || o.kind == "drop folder") {
    s += count_of(r.messages_added, "new message", "new messages") + ", " +
         count_of(r.contacts_added, "new person", "new people");
    if (r.messages_known) s += ", " + grouped(r.messages_known) + " already stored";
  } else if (o.kind == "comments") {
    s += count_of(r.messages_added, "new comment", "new comments") + ", " +
         count_of(r.contacts_added, "new person", "new people");
  } else {
    s += count_of(r.messages_added, "new message", "new messages") + " (" +
         grouped(r.human_added) + " from people, " + grouped(r.automatic_added) + " automatic), " +
         count_of(r.contacts_added, "new person", "new people");
    if (r.messages_known) s += ", " + grouped(r.messages_known) + " already stored";
  }
  if (!o.warnings.empty()) {
    s += "; " + count_of(static_cast<std::int64_t>(o.warnings.size()), "warning", "warnings");
  }
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

// A first read that found mail older than this offers [digest] start.
constexpr std::int64_t kBacklogDays = 30;

// The sources whose first read this was and found people's mail from more than a month ago.
std::vector<const pipeline::SourceOutcome*> backlog_of(
    const std::vector<pipeline::SourceOutcome>& outcomes, UnixTime now) {
  std::vector<const pipeline::SourceOutcome*> out;
  for (const auto& o : outcomes) {
    if (o.first_read && !o.error && o.stored.human_added > 0 && o.stored.oldest_human_at &&
        *o.stored.oldest_human_at < now - kBacklogDays * 86400) {
      out.push_back(&o);
    }
  }
  return out;
}

// "replies (maildir): 12,233 messages from people, the oldest from 2019-04-02".
std::string backlog_line(const pipeline::SourceOutcome& o) {
  return o.name + " (" + o.kind + "): " +
         count_of(o.stored.human_added, "message from a person", "messages from people") +
         ", the oldest from " + local_date(*o.stored.oldest_human_at);
}

// Who waits now, and who would with [digest] start set to today.
struct Waiting {
  std::int64_t now = 0;
  std::int64_t from_today = 0;
  std::string today;  // YYYY-MM-DD, local
};

Result<Waiting> waiting_counts(Store& store, const config::Config& cfg, UnixTime now) {
  Waiting w;
  w.today = local_date(now);
  auto current = store.counts(cfg.digest.start.value_or(0));
  if (!current) return current.error();
  auto from_today = store.counts(config::parse_day(w.today).value_or(now));
  if (!from_today) return from_today.error();
  w.now = current->unanswered_contacts;
  w.from_today = from_today->unanswered_contacts;
  return w;
}

// The offer, in words: what start does and the line to add.
std::string start_offer(const Waiting& w, const std::string& config_file) {
  return "Without [digest] start, everyone in that mail waits for an answer (" +
         count_of(w.now, "person", "people") + " now; " + grouped(w.from_today) +
         " from today on). To begin from today, add to [digest] in " + config_file +
         ":  start = \"" + w.today +
         "\"  (older mail stays stored, counted and linked; nobody waits for it)";
}

// rapport run --first-read: every source read now, nothing delivered; what the backlog is and
// what [digest] start would make of it.
int report_first_read(const Invocation& inv, const config::Config& cfg, Store& store,
                      const std::vector<pipeline::SourceOutcome>& outcomes, UnixTime now,
                      bool failed) {
  auto w = waiting_counts(store, cfg, now);
  if (!w) {
    print_error(w.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("sources");
    write_sources(j, outcomes);
    j.key("oldest_message_from_a_person");
    std::optional<UnixTime> oldest;
    for (const auto& o : outcomes) {
      if (o.stored.oldest_human_at && (!oldest || *o.stored.oldest_human_at < *oldest)) {
        oldest = o.stored.oldest_human_at;
      }
    }
    if (oldest) {
      j.value(format_rfc3339_local(*oldest));
    } else {
      j.null();
    }
    j.key("start");
    if (cfg.digest.start) {
      j.value(format_rfc3339_utc(*cfg.digest.start).substr(0, 10));
    } else {
      j.null();
    }
    j.key("waiting").value(w->now).key("waiting_with_start_today").value(w->from_today);
    j.key("suggested_start").value(w->today).end_object();
    std::cout << j.str() << "\n";
    return failed ? kFailure : kOk;
  }
  if (inv.has("--quiet")) return failed ? kFailure : kOk;
  std::cout << "Read every source; no digest was made.\n";
  for (const auto& o : outcomes) {
    if (o.error) {
      std::cout << "  " << o.name << " (" << o.kind << "): failed: " << o.error->to_string() << "\n";
    } else if (o.kind == "feed") {
      std::cout << "  " << o.name << " (feed): "
                << count_of(o.stored.episodes_added, "new episode", "new episodes") << "\n";
    } else if (o.stored.oldest_human_at) {
      std::cout << "  " << backlog_line(o) << "\n";
    } else {
      std::cout << "  " << o.name << " (" << o.kind << "): "
                << count_of(o.stored.messages_added, "new message", "new messages") << "\n";
    }
  }
  if (cfg.digest.start) {
    std::cout << count_of(w->now, "person waits", "people wait") << " for an answer (mail from "
              << format_rfc3339_utc(*cfg.digest.start).substr(0, 10)
              << " on, as [digest] start says).\n";
  } else {
    std::cout << count_of(w->now, "person waits", "people wait") << " for an answer; with [digest] start = \""
              << w->today << "\" " << grouped(w->from_today) << " would.\n"
              << "To begin from today, add to [digest] in " << config_path(inv) << ":\n"
              << "  start = \"" << w->today << "\"\n"
              << "Mail before it stays stored, counted and linked to episodes; nobody waits for "
                 "an answer to it.\n";
  }
  std::cout << "`rapport run` makes the digest.\n";
  return failed ? kFailure : kOk;
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
  auto lock = DatabaseLock::acquire(cfg->store, "run");
  if (!lock) {
    print_error(lock.error());
    return kFailure;
  }
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return exit_status(store.error());
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
  const bool first_read = inv.has("--first-read");
  poll.only_due = !inv.has("--all") && !first_read;
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
  // What the reading threads freed goes back to the system before the digest is chosen (glibc
  // keeps each thread's arena otherwise), so the two peaks do not add up.
  ::malloc_trim(0);
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

  if (first_read) return report_first_read(inv, *cfg, **store, outcomes, clock.now(), failed);
  if (!cfg->digest.start) {
    // A first read of years of mail: offered, not asked, how to begin from today.
    auto backlog = backlog_of(outcomes, clock.now());
    if (!backlog.empty()) {
      for (const auto* o : backlog) log::info("first read of " + backlog_line(*o));
      if (auto w = waiting_counts(**store, *cfg, clock.now())) {
        log::info(start_offer(*w, config_path(inv)));
      }
    }
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
