#include "app/command_common.h"

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "app/from_config.h"
#include "notify/digest_render.h"
#include "core/text.h"
#include "pipeline/who.h"

namespace rapport::app {

void print_error(const Error& e) {
  std::cerr << "rapport: " << printable(e.to_string(), 64 * 1024) << "\n";
}

int exit_status(const Error& e) {
  return e.code == ErrorCode::kUsage || e.code == ErrorCode::kConfig ? kUsage : kFailure;
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

void write_digest(JsonWriter& j, const Digest& d, const config::Config& cfg,
                  const std::optional<std::string>& delivered) {
  const std::string no_subject =
      notify::reply_subject_for(cfg.digest.reply_subject, cfg.creator.show);
  auto optional_time = [&](const std::optional<UnixTime>& t) {
    if (t) {
      j.value(format_rfc3339_local(*t));
    } else {
      j.null();
    }
  };
  j.begin_object().key("slot").value(d.slot).key("generated_at").value(
      format_rfc3339_local(d.generated_at));
  j.key("subject").value(notify::digest_subject(d)).key("delivered");
  if (delivered) {
    j.value(*delivered);
  } else {
    j.null();
  }
  j.key("waiting_total").value(static_cast<std::int64_t>(d.waiting_total)).key("people").begin_array();
  for (const auto& item : d.items) {
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
        .key("waiting_since")
        .value(format_rfc3339_local(c.waiting_since))
        .key("reasons")
        .begin_array();
    for (const auto& r : item.reasons) j.value(r);
    j.end_array().key("subject").value(c.subject).key("excerpt").begin_array();
    for (const auto& part : item.excerpt) {
      j.begin_object().key("message").value(static_cast<std::int64_t>(part.message + 1));
      j.key("text").value(part.text).end_object();
    }
    j.end_array().key("message_ids").begin_array();
    for (const auto& m : c.conversation) j.value(m.id);
    j.end_array();
    j.key("episode");
    if (c.episode_title.empty()) {
      j.null();
    } else {
      j.value(c.episode_title);
    }
    j.key("reply_link").value(notify::reply_link(c, no_subject)).end_object();
  }
  j.end_array().key("set_aside").begin_object();
  const std::pair<const char*, const AsideGroup*> groups[] = {
      {"listed", &d.set_aside.listed}, {"snoozed", &d.set_aside.snoozed},
      {"too_new", &d.set_aside.too_new}};
  for (const auto& [name, group] : groups) {
    j.key(name).begin_object().key("people").value(static_cast<std::int64_t>(group->people));
    j.key("first_back");
    optional_time(group->first_back);
    j.end_object();
  }
  j.end_object().key("needs_attention").begin_array();
  for (const auto& line : notify::health_lines(d)) j.value(line);
  j.end_array().key("from_your_reply").begin_array();
  for (const auto& line : d.from_your_reply) j.value(line);
  j.end_array().key("counts");
  write_counts(j, d.counts);
  j.end_object();
}

int find_person(const Invocation& inv, const std::string& who, std::unique_ptr<SqlStore>& store,
                std::int64_t& id) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto opened = open_store(cfg->store);
  if (!opened) {
    print_error(opened.error());
    return exit_status(opened.error());
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
