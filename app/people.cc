// rapport answered and rapport snooze: what the creator did about a person.
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "pipeline/digest_reply.h"

namespace rapport::app {

int answered_command(const Invocation& inv) {
  if (inv.arguments.size() != 1) {
    std::cerr << "rapport: usage: rapport answered WHO [--undo] (hint: an address, a phone, an "
                 "id or a name)\n";
    return kUsage;
  }
  std::unique_ptr<SqlStore> store;
  std::int64_t id = 0;
  if (int status = find_person(inv, inv.arguments.front(), store, id); status != kOk) return status;
  const std::string label = store->contact_label(id).value();
  if (inv.has("--undo")) {
    auto undone = store->undo_answer(id);
    if (!undone) {
      print_error(undone.error());
      return undone.error().code == ErrorCode::kNotFound ? kUsage : kFailure;
    }
    if (inv.has("--json")) {
      JsonWriter j;
      j.begin_object().key("contact").value(id).key("answer_taken_back");
      j.value(format_rfc3339_utc(*undone)).end_object();
      std::cout << j.str() << "\n";
    } else {
      std::cout << "answer of " << format_rfc3339_utc(*undone).substr(0, 10)
                << " taken back: " << label << "\n";
    }
    return kOk;
  }
  UnixTime now = SystemClock().now();
  if (auto s = store->record_answer(id, now, "manual", ""); !s) {
    print_error(s.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("contact").value(id).key("answered").value(format_rfc3339_utc(now));
    j.end_object();
    std::cout << j.str() << "\n";
  } else {
    std::cout << "answered: " << label << " (take it back with `rapport answered --undo " << id
              << "`)\n";
  }
  return kOk;
}

int snooze_command(const Invocation& inv) {
  const bool clear = inv.has("--clear");
  if (inv.arguments.size() != (clear ? 1u : 2u)) {
    std::cerr << "rapport: usage: rapport snooze WHO DURATION | rapport snooze --clear WHO (hint: "
                 "like `rapport snooze ana@example.org 7d`)\n";
    return kUsage;
  }
  std::optional<std::int64_t> seconds;
  if (!clear) {
    seconds = pipeline::parse_span(inv.arguments[1]);
    if (!seconds) {
      std::cerr << "rapport: \"" << printable(inv.arguments[1], 40)
                << "\" is not a duration (hint: like 12h, 7d or 2w)\n";
      return kUsage;
    }
  }
  std::unique_ptr<SqlStore> store;
  std::int64_t id = 0;
  if (int status = find_person(inv, inv.arguments.front(), store, id); status != kOk) return status;
  std::optional<UnixTime> until;
  if (seconds) until = SystemClock().now() + *seconds;
  if (auto s = store->snooze(id, until); !s) {
    print_error(s.error());
    return kFailure;
  }
  const std::string label = store->contact_label(id).value();
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("contact").value(id).key("snoozed_until");
    j.value(until ? std::optional<std::string>(format_rfc3339_utc(*until)) : std::nullopt);
    j.end_object();
    std::cout << j.str() << "\n";
  } else if (until) {
    std::cout << "snoozed until " << format_rfc3339_utc(*until) << ": " << label << "\n";
  } else {
    std::cout << "no longer snoozed: " << label << "\n";
  }
  return kOk;
}

}  // namespace rapport::app
