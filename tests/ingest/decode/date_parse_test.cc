#include "ingest/decode/date_parse.h"

#include <gtest/gtest.h>

namespace rapport::ingest {
namespace {

struct Case {
  const char* text;
  std::optional<UnixTime> expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.text; }

class ParseDate : public ::testing::TestWithParam<Case> {};

TEST_P(ParseDate, ReadsTheFormsMailAndFeedsUse) {
  EXPECT_EQ(parse_date(GetParam().text), GetParam().expected);
}

// 1794895200 is 2026-11-17T06:00:00Z.
INSTANTIATE_TEST_SUITE_P(
    Forms, ParseDate,
    ::testing::Values(
        Case{"Tue, 17 Nov 2026 06:00:00 +0000", 1794895200},
        Case{"Tue, 17 Nov 2026 07:00:00 +0100", 1794895200},
        Case{"17 Nov 2026 06:00:00 GMT", 1794895200},     // no weekday
        Case{"Tue, 17 Nov 2026 06:00 UT", 1794895200},    // no seconds
        Case{"Tue, 17 Nov 26 01:00:00 EST", 1794895200},  // two-digit year
        Case{"Mon, 16 Nov 2026 22:00:00 PST", 1794895200},
        Case{"Tue, 17 Nov 2026 06:00:00 Z", 1794895200},
        Case{"Tue, 17 Nov 2026 01:00:00 R", 1794895200},  // military -5
        Case{"Tue, 17 Nov 2026 06:00:00 +0000 (UTC)", 1794895200},
        Case{"Tue, 17 November 2026 06:00:00 GMT", 1794895200},
        Case{"Tue, 17-Nov-2026 06:00:00 GMT", 1794895200},
        Case{"Tue, 17 Nov 2026 06:00:00.123 +0000", 1794895200},
        Case{"2026-11-17T06:00:00Z", 1794895200}, Case{"2026-11-17T07:00:00+01:00", 1794895200},
        Case{"2026-11-17T01:00:00-0500", 1794895200}, Case{"2026-11-17T06:00:00.250Z", 1794895200},
        Case{"2026-11-17 06:00:00", 1794895200},  // no zone: UTC
        Case{"2026-11-17", 1794873600}, Case{"", std::nullopt}, Case{"next Tuesday", std::nullopt},
        Case{"Tue, 31 Feb 2026 06:00:00 GMT", std::nullopt}, Case{"2026-13-01", std::nullopt},
        Case{"Tue, 17 Nov 2026 06:00:00 +0000 junk", std::nullopt}));

}  // namespace
}  // namespace rapport::ingest
