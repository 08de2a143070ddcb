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

}  // namespace rapport::ingest
