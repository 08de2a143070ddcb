#include "ingest/date_parse.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

#include <string>

#include "store/text.h"

namespace rapport::ingest {

std::optional<UnixTime> parse_date(std::string_view text) {
  std::string s(trim(text));
  if (s.empty() || s.size() > 200) return std::nullopt;
  // Comments such as "(PST)" after the zone confuse the parser and add nothing.
  if (size_t paren = s.find('('); paren != std::string::npos) s = std::string(trim(s.substr(0, paren)));
  try {
    Poco::DateTime dt;
    int tzd = 0;
    if (!Poco::DateTimeParser::tryParse(s, dt, tzd)) return std::nullopt;
    int year = dt.year();
    // Two-digit years: 00-49 are 20xx, 50-99 are 19xx (RFC 5322 section 4.3).
    if (year < 100) {
      year += year < 50 ? 2000 : 1900;
      dt.assign(year, dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second());
    }
    if (year < 1970 || year > 2200) return std::nullopt;
    return static_cast<UnixTime>(dt.timestamp().epochTime()) - tzd;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

}  // namespace rapport::ingest
