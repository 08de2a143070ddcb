// DigestReply: the creator answers the digest email with lines like `done 3` or
// `snooze 2 7d`; the reply, found in any mailbox by the digest's Message-ID, is carried out
// and confirmed in the next digest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/identity.h"
#include "store/store.h"

namespace rapport::pipeline {

struct DigestCommand {
  enum class Verb { kDone, kSnooze };
  Verb verb = Verb::kDone;
  int position = 0;                 // the number the digest gave the person; or
  std::string who;                  // the person as any command names them (see who.h)
  std::int64_t snooze_seconds = 0;  // for kSnooze
  std::string line;                 // as written, trimmed
};

// "90m", "12h", "7d", "2w" in seconds; nullopt when it is not such a span.
std::optional<std::int64_t> parse_span(std::string_view text);

// The commands in a reply's own words, one per line: "done 3", "answered 3", "snooze 2 7d"
// (m, h, d or w; a week when none is given), or with the person named instead of numbered
// ("done lucia.fernandez@gmail.com", "snooze Ana López 2w"). Other lines are ignored; so is
// anything after the first 50 lines.
std::vector<DigestCommand> parse_digest_commands(std::string_view reply_text);

// Carries out the commands of every outgoing message in `messages` that replies to a delivered
// digest (In-Reply-To or References). Each line is carried out once, however often the reply
// is read. Returns how many were carried out now.
// A person named by an address, a phone or a name is found as every command finds them (with
// `rules`); one that matches no one, or several, is reported back in the next digest.
Result<int> apply_digest_replies(Store& store, const std::vector<Message>& messages, UnixTime now,
                                 const IdentityRules& rules = {});

}  // namespace rapport::pipeline
