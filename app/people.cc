// rapport answered and rapport snooze: what the creator did about a person.
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "core/clock.h"
#include "core/text.h"
#include "pipeline/digest_reply.h"

namespace rapport::app {

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

}  // namespace rapport::app
