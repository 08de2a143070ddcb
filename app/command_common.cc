#include "app/command_common.h"

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "app/from_config.h"
#include "core/text.h"
#include "pipeline/who.h"

namespace rapport::app {

void print_error(const Error& e) {
  std::cerr << "rapport: " << printable(e.to_string(), 64 * 1024) << "\n";
}

std::string config_path(const Invocation& inv) {
  return inv.get("--config", config::default_config_path());
}

std::optional<config::Config> load_config(const Invocation& inv) {
  auto cfg = config::load(config_path(inv));
  if (!cfg) {
    print_error(cfg.error());
    std::vector<Error> all = config::check(config_path(inv));
    if (all.size() > 1) {
      std::cerr << "rapport: " << count_of(static_cast<std::int64_t>(all.size() - 1),
                                           "more problem", "more problems")
                << "; run `rapport check --config " << config_path(inv) << "` for all\n";
    }
    return std::nullopt;
  }
  // Times are shown in the creator's time zone ([digest] timezone), as the digest keeps them.
  if (!cfg->digest.timezone.empty()) {
    setenv("TZ", cfg->digest.timezone.c_str(), 1);
    tzset();
  }
  return std::move(*cfg);
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
  auto found = pipeline::find_person(*store, who, identity_rules(*cfg));
  if (!found) {
    print_error(found.error());
    return kUsage;
  }
  id = *found;
  return kOk;
}

}  // namespace rapport::app
