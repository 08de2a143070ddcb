// Dates as mail and feeds write them: RFC 5322 / RFC 822 (with the usual deviations) and
// ISO 8601 / RFC 3339.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace rapport::ingest {

// The moment `text` names, in UTC, or nullopt when it cannot be read. Accepts a missing
// weekday, a missing seconds field, two-digit years, named (GMT, EST, …) and numeric zones;
// a date without a zone is read as UTC.
std::optional<UnixTime> parse_date(std::string_view text);

// Which number is the day in a date written as numbers: "11/25/2026" is month first (mdy, as
// US spreadsheets and Google Sheets write it), "25/11/2026" day first (dmy, the UK and most of
// Europe), "2026/11/25" year first (ymd).
enum class DateOrder { kUnset, kMdy, kDmy, kYmd };
std::optional<DateOrder> date_order_from_string(std::string_view s);  // "mdy", "dmy", "ymd"
std::string_view to_string(DateOrder order);

// How a date written as numbers can be read, whatever the order it was written in.
enum class DateReading {
  kNotNumeric,  // not a date written as numbers ("2026-11-25T14:03Z", "25 Nov 2026")
  kYearFirst,   // "2026/11/25": one reading
  kSame,        // "05/05/2026": the same day read either way
  kDayFirst,    // "25/11/2026": only day first makes a date
  kMonthFirst,  // "11/25/2026": only month first makes a date
  kEither,      // "03/04/2026": two different days; the order decides
  kNeither,     // "13/13/2026": no reading makes a date
};
DateReading date_reading(std::string_view text);

// What a listener tool wrote in a date field. `ambiguous` is set when the text is a date that
// reads as two different days and `order` is kUnset.
struct ListenerDate {
  std::optional<UnixTime> at;
  bool ambiguous = false;
};

// Dates as spreadsheets, form tools and webhooks write them: everything parse_date reads,
// numbers with '/', '.' or '-' ("11/25/2026 14:03:12", "25.11.2026 14:03", "2026/11/25
// 2:03:12 PM GMT+1"), and month names first ("Nov 25, 2026 2:03 PM"). A 12-hour clock with
// AM/PM is read. A date without a zone is the local time of the process (TZ: the configured
// [digest] timezone): a spreadsheet's times are its owner's.
ListenerDate parse_listener_date(std::string_view text, DateOrder order);

}  // namespace rapport::ingest
