#include "app/commands.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/database_lock.h"
#include "app/from_config.h"
#include "app/listener.h"
#include "config/config.h"
#include "ingest/http_client.h"
#include "ingest/import_source.h"
#include "notify/digest_render.h"
#include "pipeline/digest_reply.h"
#include "pipeline/run_once.h"
#include "pipeline/schedule.h"
#include "store/json_writer.h"
#include "store/log.h"
#include "store/sqlite_store.h"
#include "store/text.h"

namespace rapport::app {
namespace fs = std::filesystem;
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

void print_error(const Error& e) {
  std::cerr << "rapport: " << printable(e.to_string(), 64 * 1024) << "\n";
}

std::string config_path(const Invocation& inv) {
  return inv.get("--config", config::default_config_path());
}

// Loads the config; prints the problem and returns nullopt when it is invalid.
std::optional<config::Config> load_config(const Invocation& inv) {
  auto cfg = config::load(config_path(inv));
  if (!cfg) {
    print_error(cfg.error());
    std::vector<Error> all = config::check(config_path(inv));
    if (all.size() > 1) {
      std::cerr << "rapport: " << all.size() - 1 << " more problem(s); run `rapport check --config "
                << config_path(inv) << "` for all\n";
    }
    return std::nullopt;
  }
  return std::move(*cfg);
}

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

void write_counts(JsonWriter& j, const Counts& c) {
  j.begin_object()
      .key("episodes")
      .value(c.episodes)
      .key("messages")
      .value(c.messages)
      .key("human_messages")
      .value(c.human_messages)
      .key("people")
      .value(c.contacts)
      .key("identities")
      .value(c.identities)
      .key("unanswered_people")
      .value(c.unanswered_contacts)
      .key("digests")
      .value(c.digests)
      .end_object();
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
  pipeline::PollOptions poll;
  poll.http = &http;
  poll.limits = {cfg->fetch.max_connections, cfg->fetch.max_connections_per_host};
  poll.episode_comment_feeds = cfg->fetch.episode_comment_feeds;
  poll.only_due = !inv.has("--all");
  poll.creator_addresses = {cfg->creator.email};
  poll.identity_rules = identity_rules(*cfg);
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

  std::optional<std::string> slot;
  if (cfg->digest.at_minute && !inv.has("--all")) {
    // A schedule is set: deliver only when a slot is due, as the daemon would.
    if (!cfg->digest.timezone.empty()) {
      setenv("TZ", cfg->digest.timezone.c_str(), 1);
      tzset();
    }
    pipeline::DigestSchedule schedule{*cfg->digest.at_minute, cfg->digest.days};
    auto last = (*store)->last_delivered_digest();
    if (!last) {
      print_error(last.error());
      return kFailure;
    }
    slot = pipeline::digest_due(schedule, *last, clock.now());
    if (!slot) {
      auto next = pipeline::next_digest_slot(schedule, clock.now());
      log::info("no digest due" +
                (next ? " (next: " + format_rfc3339_utc(*next) + ")" : std::string()));
      return failed ? kFailure : kOk;
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
  if (cfg->smtp.enabled && !inv.has("--all")) {
    // One email per slot, however often run is called.
    auto last = (*store)->last_delivered_digest();
    if (last && *last && **last >= digest->slot) {
      log::info("the digest for " + digest->slot + " was already sent; --all sends it again");
      std::cout << notify::render_text(*digest, {cfg->creator.name, cfg->digest.excerpt_chars});
      return failed ? kFailure : kOk;
    }
  }
  auto delivery =
      pipeline::deliver_digest(**store, *digest, digest_settings(*cfg), **mailer, clock.now());
  if (!delivery) {
    print_error(delivery.error());
    return kFailure;
  }

  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("sources").begin_array();
    for (const auto& o : outcomes) {
      j.begin_object().key("name").value(o.name).key("kind").value(o.kind).key("ok").value(
          !o.error.has_value());
      j.key("error");
      if (o.error) {
        j.value(o.error->to_string());
      } else {
        j.null();
      }
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
    j.key("digest")
        .begin_object()
        .key("slot")
        .value(digest->slot)
        .key("delivered")
        .value(delivery->delivered)
        .key("waiting_total")
        .value(digest->waiting_total)
        .key("people")
        .begin_array();
    for (const auto& item : digest->items) {
      const DigestCandidate& c = item.who;
      j.begin_object()
          .key("contact_id")
          .value(c.contact_id)
          .key("name")
          .value(c.display_name)
          .key("address")
          .value(c.address)
          .key("score")
          .value(item.score)
          .key("reasons")
          .begin_array();
      for (const auto& r : item.reasons) j.value(r);
      j.end_array().key("subject").value(c.subject).key("excerpt").value(
          excerpt(c.reply_text, static_cast<size_t>(cfg->digest.excerpt_chars)));
      j.key("episode");
      if (c.episode_title.empty()) {
        j.null();
      } else {
        j.value(c.episode_title);
      }
      j.key("reply_link").value(notify::reply_link(c)).end_object();
    }
    j.end_array().end_object();
    j.key("counts");
    write_counts(j, digest->counts);
    j.end_object();
    std::cout << j.str() << "\n";
  } else {
    std::cout << delivery->text;
    log::info("digest written: " + delivery->delivered);
  }
  return failed ? kFailure : kOk;
}

int serve_command(const Invocation& inv) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto inboxes = served_inboxes(*cfg);
  if (!inboxes) {
    print_error(inboxes.error());
    return kUsage;
  }
  std::vector<ServedInbox> served = std::move(*inboxes);
  if (served.empty()) {
    print_error(make_error(ErrorCode::kConfig, "no [[inbox]] to serve", cfg->path,
                           "add an [[inbox]] of kind generic, voicemail, boostagram or form"));
    return kUsage;
  }
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  SystemClock clock;
  ListenerOptions options;
  options.address = cfg->listener.address;
  options.port = cfg->listener.port;
  options.max_body_bytes = cfg->listener.max_body_bytes;
  options.trusted_proxy = cfg->listener.trusted_proxy;
  options.identity_rules = identity_rules(*cfg);
  Listener listener(options, std::move(served), **store, clock);
  if (auto s = listener.start(); !s) {
    print_error(s.error());
    return kFailure;
  }
  log::info("listening on http://" + options.address + ":" + std::to_string(listener.port()));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::info(std::string("stopping (") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  listener.stop();
  return kOk;
}

int import_command(const Invocation& inv) {
  if (inv.arguments.size() != 1 || !inv.has("--source")) {
    std::cerr << "rapport: usage: rapport import FILE --source NAME (hint: run `rapport import "
                 "--help`)\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  const config::InboxConfig* inbox = nullptr;
  std::vector<std::string> names;
  for (const auto& in : cfg->inboxes) {
    if (in.kind == "csv" || in.kind == "jsonl") names.push_back(in.name);
    if (in.name == inv.get("--source")) inbox = &in;
  }
  if (!inbox || (inbox->kind != "csv" && inbox->kind != "jsonl")) {
    std::string near = config::nearest(inv.get("--source"), names);
    print_error(make_error(
        ErrorCode::kUsage, "no csv or jsonl [[inbox]] called \"" + inv.get("--source") + "\"",
        cfg->path, near.empty() ? "add one to the config" : "did you mean \"" + near + "\"?"));
    return kUsage;
  }
  SystemClock clock;
  std::string file = inv.arguments.front();
  auto reader = ingest::TableReader::open(file, inbox_of(*inbox), clock.now());
  if (!reader) {
    print_error(reader.error());
    return kFailure;
  }
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  auto src = (*store)->source("import", inbox->name,
                              inbox->path.empty() ? "rapport import" : inbox->path, clock.now());
  if (!src) {
    print_error(src.error());
    return kFailure;
  }
  auto stored_episodes = (*store)->episodes();
  const std::vector<Episode> episodes =
      stored_episodes ? std::move(*stored_episodes) : std::vector<Episode>{};
  const pipeline::EpisodeIndex index(episodes);
  const pipeline::IdentityRules rules = identity_rules(*cfg);
  // A batch at a time, each committed: an export of any size takes the memory of one batch,
  // and an interrupted import keeps what it committed (reading it again adds nothing).
  BatchResult total;
  std::int64_t rows = 0;
  std::vector<std::string> refused;  // for --json: the first ones, and a count of the rest
  std::size_t refused_count = 0;
  constexpr std::size_t kMaxListed = 1000;
  while (!(*reader)->done()) {
    ingest::ImportedFile part = (*reader)->next(ingest::kImportBatchRows);
    rows += part.rows;
    for (const auto& p : part.problems) {
      ++refused_count;
      if (inv.has("--json")) {
        if (refused.size() < kMaxListed) refused.push_back(p);
      } else {
        std::cerr << "rapport: " << printable(file, 1000) << ": " << printable(p, 1000) << "\n";
      }
    }
    Batch batch;
    batch.cursor = src->cursor;  // a manual import does not move the inbox's own cursor
    batch.warnings = std::move(part.problems);
    batch.messages = std::move(part.messages);
    for (auto& m : batch.messages) pipeline::process_message(m, index, rules);
    auto stored = (*store)->commit_batch(src->id, batch, clock.now());
    if (!stored) {
      print_error(stored.error());
      return kFailure;
    }
    total += *stored;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object()
        .key("file")
        .value(file)
        .key("rows")
        .value(rows)
        .key("imported")
        .value(total.messages_added)
        .key("already_stored")
        .value(total.messages_known)
        .key("people_added")
        .value(total.contacts_added)
        .key("refused_count")
        .value(static_cast<std::int64_t>(refused_count))
        .key("refused")
        .begin_array();
    for (const auto& p : refused) j.value(p);
    j.end_array().end_object();
    std::cout << j.str() << "\n";
  } else {
    std::cout << file << ": " << rows << " rows: " << total.messages_added << " imported, "
              << total.messages_known << " already stored, " << refused_count << " refused; "
              << total.contacts_added << " new people\n";
  }
  return refused_count == 0 ? kOk : kFailure;
}

namespace {

// Opens the database and finds the person `who` names. Prints the problem and returns the
// exit status when it cannot; kOk otherwise.
int find_person(const Invocation& inv, const std::string& who, std::unique_ptr<SqliteStore>& store,
                std::int64_t& id) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto opened = SqliteStore::open(cfg->store.path);
  if (!opened) {
    print_error(opened.error());
    return kFailure;
  }
  store = std::move(*opened);
  auto found = store->find_contact(who);
  if (!found) {
    print_error(found.error());
    return kUsage;
  }
  id = *found;
  return kOk;
}

}  // namespace

int answered_command(const Invocation& inv) {
  if (inv.arguments.size() != 1) {
    std::cerr
        << "rapport: usage: rapport answered WHO (hint: an address, an id or a unique name)\n";
    return kUsage;
  }
  std::unique_ptr<SqliteStore> store;
  std::int64_t id = 0;
  if (int status = find_person(inv, inv.arguments.front(), store, id); status != kOk) return status;
  if (auto s = store->record_answer(id, SystemClock().now(), "manual", ""); !s) {
    print_error(s.error());
    return kFailure;
  }
  std::cout << "answered: " << store->contact_label(id).value() << "\n";
  return kOk;
}

int snooze_command(const Invocation& inv) {
  if (inv.arguments.size() != 2) {
    std::cerr << "rapport: usage: rapport snooze WHO DURATION (hint: like `rapport snooze "
                 "ana@example.org 7d`)\n";
    return kUsage;
  }
  auto seconds = pipeline::parse_span(inv.arguments[1]);
  if (!seconds) {
    std::cerr << "rapport: \"" << inv.arguments[1]
              << "\" is not a duration (hint: like 12h, 7d or 2w)\n";
    return kUsage;
  }
  std::unique_ptr<SqliteStore> store;
  std::int64_t id = 0;
  if (int status = find_person(inv, inv.arguments.front(), store, id); status != kOk) return status;
  UnixTime until = SystemClock().now() + *seconds;
  if (auto s = store->snooze(id, until); !s) {
    print_error(s.error());
    return kFailure;
  }
  std::cout << "snoozed until " << format_rfc3339_utc(until) << ": "
            << store->contact_label(id).value() << "\n";
  return kOk;
}

int digest_command(const Invocation& inv) {
  bool preview = inv.has("--preview");
  bool send = inv.has("--send");
  if (preview == send) {
    std::cerr << "rapport: give --preview or --send (hint: run `rapport digest --help`)\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  if (!cfg->digest.timezone.empty()) {
    setenv("TZ", cfg->digest.timezone.c_str(), 1);
    tzset();
  }
  SystemClock clock;
  auto settings = digest_settings(*cfg);
  auto digest = pipeline::build_digest(**store, settings, clock.now());
  if (!digest) {
    print_error(digest.error());
    return kFailure;
  }
  notify::RenderOptions render{cfg->creator.name, cfg->digest.excerpt_chars};
  if (preview) {
    if (inv.has("--html")) {
      std::ofstream out(inv.get("--html"), std::ios::binary | std::ios::trunc);
      out << notify::render_html(*digest, render);
      if (!out) {
        print_error(make_error(ErrorCode::kIo, "cannot write the HTML", inv.get("--html")));
        return kFailure;
      }
    }
    std::cout << notify::render_text(*digest, render);
    return kOk;
  }
  auto mailer = make_mailer(*cfg);
  if (!mailer) {
    print_error(mailer.error());
    return kUsage;
  }
  auto sent = pipeline::deliver_digest(**store, *digest, settings, **mailer, clock.now());
  if (!sent) {
    print_error(sent.error());
    return kFailure;
  }
  std::cout << "digest for " << digest->slot << " delivered: " << sent->delivered << " ("
            << digest->items.size() << (digest->items.size() == 1 ? " person" : " people") << ")\n";
  return kOk;
}

int check_command(const Invocation& inv) {
  std::string path = config_path(inv);
  std::vector<Error> errors = config::check(path);
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object()
        .key("file")
        .value(path)
        .key("valid")
        .value(errors.empty())
        .key("problems")
        .begin_array();
    for (const auto& e : errors) {
      j.begin_object()
          .key("where")
          .value(e.where)
          .key("what")
          .value(e.what)
          .key("hint")
          .value(e.hint)
          .end_object();
    }
    j.end_array().end_object();
    std::cout << j.str() << "\n";
  } else if (errors.empty()) {
    auto cfg = config::load(path);
    std::cout << path << ": ok (" << cfg->feeds.size()
              << (cfg->feeds.size() == 1 ? " feed, " : " feeds, ") << cfg->mailboxes.size()
              << (cfg->mailboxes.size() == 1 ? " mailbox" : " mailboxes") << "; database "
              << cfg->store.path << ")\n";
  } else {
    for (const auto& e : errors) print_error(e);
  }
  return errors.empty() ? kOk : kUsage;
}

int init_command(const Invocation& inv) {
  std::string path = config_path(inv);
  std::error_code ec;
  if (fs::exists(path, ec) && !inv.has("--force")) {
    print_error(make_error(ErrorCode::kUsage, "a config file is already there", path,
                           "pass --force to replace it, or --config to write elsewhere"));
    return kUsage;
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << config::starter_config();
    if (!out) {
      print_error(make_error(ErrorCode::kIo, "cannot write the config file", path,
                             "check that the folder exists and is writable"));
      return kFailure;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    print_error(make_error(ErrorCode::kIo, "cannot write the config file: " + ec.message(), path));
    return kFailure;
  }
  std::cout << "wrote " << path << "\nEdit it, then run: rapport check --config " << path << "\n";
  return kOk;
}

int status_command(const Invocation& inv) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  auto sources = (*store)->sources();
  auto counts = (*store)->counts();
  auto last_digest = (*store)->last_delivered_digest();
  if (!sources || !counts || !last_digest) {
    print_error(!sources ? sources.error() : !counts ? counts.error() : last_digest.error());
    return kFailure;
  }
  UnixTime now = SystemClock().now();
  std::optional<UnixTime> next_digest;
  if (cfg->digest.at_minute) {
    if (!cfg->digest.timezone.empty()) {
      setenv("TZ", cfg->digest.timezone.c_str(), 1);
      tzset();
    }
    next_digest = pipeline::next_digest_slot({*cfg->digest.at_minute, cfg->digest.days}, now);
  }
  bool outage = pipeline::looks_like_network_outage(*sources);
  auto time_or_null = [](const std::optional<UnixTime>& t) {
    return t ? std::optional<std::string>(format_rfc3339_utc(*t)) : std::nullopt;
  };
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("database").value(cfg->store.path).key("sources").begin_array();
    for (const auto& s : *sources) {
      j.begin_object();
      j.key("name").value(s.name);
      j.key("kind").value(s.kind);
      j.key("location").value(s.location);
      j.key("last_attempt").value(time_or_null(s.last_attempt_at));
      j.key("last_success").value(time_or_null(s.last_success_at));
      j.key("last_error").value(text_or_null(s.last_error));
      j.key("consecutive_failures").value(s.consecutive_failures);
      j.key("next_poll").value(time_or_null(s.next_poll_at));
      j.key("not_before").value(time_or_null(s.next_due_at));
      j.key("moved_to").value(text_or_null(s.moved_to));
      j.key("gone_since").value(time_or_null(s.dead_since));
      j.end_object();
    }
    j.end_array();
    j.key("network_outage").value(outage);
    j.key("last_digest").value(*last_digest);
    j.key("next_digest").value(time_or_null(next_digest));
    j.key("counts");
    write_counts(j, *counts);
    j.end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  auto when = [](const std::optional<UnixTime>& t) {
    return t ? format_rfc3339_utc(*t) : std::string("never");
  };
  std::cout << "database " << cfg->store.path << "\n\n";
  for (const auto& s : *sources) {
    std::cout << s.name << " (" << s.kind << ") " << s.location << "\n"
              << "  last success " << when(s.last_success_at) << ", last attempt "
              << when(s.last_attempt_at) << "\n";
    if (!s.last_error.empty()) {
      std::cout << "  failing: " << s.last_error << " (" << s.consecutive_failures
                << " in a row)\n";
    }
    if (!s.moved_to.empty()) {
      std::cout << "  moved permanently to " << s.moved_to << "; update its url in the config\n";
    }
    if (s.dead_since) {
      std::cout << "  gone since " << format_rfc3339_utc(*s.dead_since)
                << " (HTTP 410): not read until its url changes in the config\n";
    } else if (s.next_poll_at) {
      std::cout << "  next poll " << format_rfc3339_utc(*s.next_poll_at) << "\n";
    }
    if (s.next_due_at && *s.next_due_at > now) {
      std::cout << "  not read before " << format_rfc3339_utc(*s.next_due_at)
                << " (the server asked to wait)\n";
    }
  }
  if (sources->empty()) std::cout << "no source has been read yet; run `rapport run`\n";
  if (outage) std::cout << "\nevery network source is failing: the network looks down\n";
  const Counts& c = *counts;
  std::cout << "\n"
            << c.episodes << " episodes, " << c.messages << " messages (" << c.human_messages
            << " from people), " << c.contacts << " people, " << c.unanswered_contacts
            << " waiting for an answer, " << c.digests << " digests\n";
  std::cout << "last digest " << (*last_digest ? **last_digest : std::string("none yet"));
  if (next_digest) {
    std::cout << ", next " << format_rfc3339_utc(*next_digest);
  } else {
    std::cout << " (no [digest] at: `rapport run` delivers one a day)";
  }
  std::cout << "\n";
  return kOk;
}

}  // namespace rapport::app
