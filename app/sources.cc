// rapport sources: every source Rapport has read, those the config no longer names too, and
// forgetting one.
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "ingest/feed/http_client.h"

namespace rapport::app {

int sources_command(const Invocation& inv) {
  const auto& a = inv.arguments;
  std::string what = a.empty() ? "list" : a[0];
  if (!(what == "list" && a.size() <= 1) && !(what == "forget" && a.size() == 2)) {
    std::cerr << "rapport: usage: rapport sources [list] | rapport sources forget NAME\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  UnixTime now = SystemClock().now();
  if (what == "forget") {
    const std::string& name = a[1];
    bool configured = false;
    ingest::CurlHttpClient http;
    SystemClock clock;
    if (auto configured_sources = make_sources(*cfg, http, clock)) {
      for (const auto& s : *configured_sources) configured |= s.source->name() == name;
    }
    if (auto s = (*store)->forget_source(name, now); !s) {
      print_error(s.error());
      return s.error().code == ErrorCode::kNotFound ? kUsage : kFailure;
    }
    if (inv.has("--json")) {
      JsonWriter j;
      j.begin_object().key("forgotten").value(name).key("in_config").value(configured);
      j.end_object();
      std::cout << j.str() << "\n";
    } else {
      std::cout << "forgot " << printable(name, 200)
                << ": its place in the source is gone; its messages and episodes stay"
                << (configured ? " (the config still names it: it is read from the start "
                                 "next time, and nothing is stored twice)"
                               : "")
                << "\n";
    }
    return kOk;
  }
  auto sources = (*store)->sources();
  if (!sources) {
    print_error(sources.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("sources").begin_array();
    for (const auto& s : *sources) {
      j.begin_object().key("name").value(s.name).key("kind").value(s.kind);
      j.key("location").value(s.location);
      j.key("last_success")
          .value(s.last_success_at ? std::optional<std::string>(
                                         format_rfc3339_local(*s.last_success_at))
                                   : std::nullopt);
      j.key("retired_since")
          .value(s.retired_at ? std::optional<std::string>(format_rfc3339_local(*s.retired_at))
                              : std::nullopt);
      j.end_object();
    }
    j.end_array().end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  size_t retired = 0;
  for (const auto& s : *sources) {
    std::cout << printable(s.name) << " (" << s.kind << ") " << printable(s.location);
    if (s.retired_at) {
      ++retired;
      std::cout << " — not in the config since " << format_local_short(*s.retired_at, now);
    } else if (s.last_success_at) {
      std::cout << " — last read " << format_local_short(*s.last_success_at, now);
    } else {
      std::cout << " — not read yet";
    }
    std::cout << "\n";
  }
  if (sources->empty()) std::cout << "no source has been read yet; run `rapport run`\n";
  if (retired) {
    std::cout << "\n`rapport sources forget NAME` forgets one for good (its messages stay).\n";
  }
  return kOk;
}

}  // namespace rapport::app
