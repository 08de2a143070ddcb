// rapport status: each source's state, what is stored, the last and next digest.
#include <iostream>
#include <string>
#include <vector>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/database_lock.h"
#include "app/from_config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "pipeline/schedule.h"

namespace rapport::app {

namespace {

// The reasons a source's last read gave (refused rows of an export, warnings of a feed), for
// the first few shown.
std::vector<std::string> first_lines(const std::string& text, size_t n) {
  std::vector<std::string> out;
  for (const auto& l : split_lines(text)) {
    if (l.empty()) continue;
    if (out.size() == n) break;
    out.push_back(l);
  }
  return out;
}

size_t line_count(const std::string& text) {
  size_t n = 0;
  for (const auto& l : split_lines(text)) n += !l.empty();
  return n;
}

}  // namespace

int status_command(const Invocation& inv) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  auto all_sources = (*store)->sources();
  auto counts = (*store)->counts(cfg->digest.start.value_or(0));
  auto last_digest = (*store)->last_delivered_digest();
  if (!all_sources || !counts || !last_digest) {
    print_error(!all_sources ? all_sources.error()
                : !counts    ? counts.error()
                             : last_digest.error());
    return kFailure;
  }
  // Sources the config no longer names are kept, but shown by `rapport sources` only.
  std::vector<SourceState> sources;
  size_t retired = 0;
  for (auto& s : *all_sources) {
    if (s.retired_at) {
      ++retired;
    } else {
      sources.push_back(std::move(s));
    }
  }
  UnixTime now = SystemClock().now();
  std::optional<UnixTime> next_digest;
  if (cfg->digest.at_minute) {
    next_digest = pipeline::next_digest_slot({*cfg->digest.at_minute, cfg->digest.days}, now);
  }
  bool outage = pipeline::looks_like_network_outage(sources);
  auto time_or_null = [](const std::optional<UnixTime>& t) {
    return t ? std::optional<std::string>(format_rfc3339_local(*t)) : std::nullopt;
  };
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object()
        .key("database")
        .value(cfg->store.where())
        .key("backend")
        .value(cfg->store.postgres() ? "postgresql" : "sqlite")
        .key("show")
        .value(text_or_null(cfg->store.show))
        .key("share_contacts")
        .value(cfg->store.share_contacts)
        .key("reading_sources")
        .value(DatabaseLock::holder(cfg->store, (*store)->database()))
        .key("other_shows")
        .begin_array();
    for (const auto& other : DatabaseLock::other_shows(cfg->store, (*store)->database())) {
      j.value(other);
    }
    j.end_array()
        .key("sources")
        .begin_array();
    for (const auto& s : sources) {
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
      j.key("last_read_warnings").begin_array();
      for (const auto& w : split_lines(s.last_warnings)) {
        if (!w.empty()) j.value(w);
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.key("retired_sources").value(static_cast<std::int64_t>(retired));
    j.key("network_outage").value(outage);
    j.key("last_digest").value(*last_digest);
    j.key("next_digest").value(time_or_null(next_digest));
    j.key("counts");
    write_counts(j, *counts);
    j.end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  auto when = [&](const std::optional<UnixTime>& t) {
    return t ? format_local_short(*t, now) : std::string("never");
  };
  std::cout << "database " << cfg->store.where()
            << (cfg->store.postgres() ? " (PostgreSQL)" : " (SQLite)") << "\n";
  if (cfg->store.postgres()) {
    if (!cfg->store.show.empty()) {
      std::cout << "show " << cfg->store.show
                << (cfg->store.share_contacts ? ", its people shared with the database's other shows"
                                              : "")
                << "\n";
    }
    auto holder = DatabaseLock::holder(cfg->store, (*store)->database());
    std::cout << "reading sources: " << (holder ? *holder : std::string("no daemon or run now"))
              << "\n";
    for (const auto& other : DatabaseLock::other_shows(cfg->store, (*store)->database())) {
      std::cout << "another show: " << other << "\n";
    }
  }
  std::cout << "\n";
  for (const auto& s : sources) {
    std::cout << printable(s.name) << " (" << s.kind << ") " << printable(s.location) << "\n"
              << "  last success " << when(s.last_success_at) << ", last attempt "
              << when(s.last_attempt_at) << "\n";
    if (!s.last_error.empty()) {
      std::cout << "  failing: " << printable(s.last_error, 1000) << " ("
                << count_of(s.consecutive_failures, "time", "times") << " in a row)\n";
    }
    if (size_t n = line_count(s.last_warnings)) {
      bool import = s.kind == "import" || s.kind == "drop folder";
      std::cout << "  last read: "
                << count_of(static_cast<std::int64_t>(n), import ? "row refused" : "warning",
                            import ? "rows refused" : "warnings");
      for (const auto& w : first_lines(s.last_warnings, 3)) {
        std::cout << "\n    " << printable(w, 300);
      }
      if (n > 3) std::cout << "\n    …";
      std::cout << "\n";
    }
    if (!s.moved_to.empty()) {
      std::cout << "  moved permanently to " << printable(s.moved_to)
                << "; update its url in the config\n";
    }
    if (s.dead_since) {
      std::cout << "  gone since " << when(s.dead_since)
                << " (HTTP 410): not read until its url changes in the config\n";
    } else if (s.next_poll_at) {
      std::cout << "  next poll " << when(s.next_poll_at) << "\n";
    }
    if (s.next_due_at && *s.next_due_at > now) {
      std::cout << "  not read before " << when(s.next_due_at) << " (the server asked to wait)\n";
    }
  }
  if (sources.empty()) std::cout << "no source has been read yet; run `rapport run`\n";
  if (retired) {
    std::cout << "\n"
              << count_of(static_cast<std::int64_t>(retired), "source is", "sources are")
              << " no longer in the config (their messages are kept): `rapport sources` lists "
                 "them\n";
  }
  if (outage) std::cout << "\nevery network source is failing: the network looks down\n";
  const Counts& c = *counts;
  std::cout << "\n"
            << count_of(c.episodes, "episode", "episodes") << ", "
            << count_of(c.messages, "message", "messages") << " (" << c.human_messages
            << " from people), " << count_of(c.contacts, "person", "people") << ", "
            << c.unanswered_contacts << " waiting for an answer, "
            << count_of(c.digests, "digest", "digests") << "\n";
  std::cout << "last digest " << (*last_digest ? **last_digest : std::string("none yet"));
  if (next_digest) {
    std::cout << ", next " << when(next_digest);
  } else {
    std::cout << " (no [digest] at: `rapport run` delivers one a day)";
  }
  std::cout << "\n";
  return kOk;
}

}  // namespace rapport::app
