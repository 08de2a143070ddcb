// rapport status: each source's state, what is stored, the last and next digest.
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "pipeline/schedule.h"

namespace rapport::app {

int status_command(const Invocation& inv) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  auto sources = (*store)->sources();
  auto counts = (*store)->counts(cfg->digest.start.value_or(0));
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
