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

namespace rapport::ingest {
namespace {

struct ListenerCase {
  const char* text;
  DateOrder order;
  std::optional<UnixTime> expected;
  bool ambiguous = false;
};

void PrintTo(const ListenerCase& c, std::ostream* os) {
  *os << c.text << " (" << (c.order == DateOrder::kUnset ? "unset" : to_string(c.order)) << ")";
}

class ParseListenerDate : public ::testing::TestWithParam<ListenerCase> {};

TEST_P(ParseListenerDate, ReadsWhatSpreadsheetsAndFormToolsWrite) {
  ListenerDate d = parse_listener_date(GetParam().text, GetParam().order);
  EXPECT_EQ(d.at, GetParam().expected);
  EXPECT_EQ(d.ambiguous, GetParam().ambiguous);
}

// The suite runs with TZ=UTC: a date without a zone is local time, here UTC.
// 1795615392 is 2026-11-25T14:03:12Z; 1795564800 is 2026-11-25T00:00:00Z.
constexpr auto kUnset = DateOrder::kUnset;
constexpr auto kMdy = DateOrder::kMdy;
constexpr auto kDmy = DateOrder::kDmy;
constexpr auto kYmd = DateOrder::kYmd;
INSTANTIATE_TEST_SUITE_P(
    Tools, ParseListenerDate,
    ::testing::Values(
        // Google Sheets in English (US), its export's Timestamp column.
        ListenerCase{"11/25/2026 14:03:12", kUnset, 1795615392},
        ListenerCase{"11/25/2026 14:03:12", kMdy, 1795615392},
        ListenerCase{"11/25/2026 14:03:12", kDmy, std::nullopt},  // said dmy: not a date
        // Excel and Numbers with a 12-hour clock.
        ListenerCase{"11/25/2026 2:03:12 PM", kUnset, 1795615392},
        ListenerCase{"11/25/2026 12:10 AM", kMdy, 1795564800 + 600},
        ListenerCase{"11/25/2026 13:10 PM", kMdy, std::nullopt},
        // The UK and most of Europe.
        ListenerCase{"25/11/2026", kUnset, 1795564800}, ListenerCase{"25/11/2026", kDmy, 1795564800},
        ListenerCase{"25.11.2026 14:03:12", kUnset, 1795615392},
        ListenerCase{"25.11.2026, 14:03:12", kDmy, 1795615392},
        ListenerCase{"25-11-2026 14:03:12", kUnset, 1795615392},
        // Two readings: the order decides, and without one it is refused as ambiguous.
        ListenerCase{"03/04/2026", kUnset, std::nullopt, true},
        ListenerCase{"03/04/2026", kMdy, 1772582400},  // 4 March
        ListenerCase{"03/04/2026", kDmy, 1775174400},  // 3 April
        ListenerCase{"05/05/2026", kUnset, 1777939200},  // the same day either way
        // Two-digit years, as a short date format writes them.
        ListenerCase{"11/25/26 14:03:12", kMdy, 1795615392},
        ListenerCase{"26/11/25", kYmd, 1795564800},
        // Year first: Google Forms and ISO.
        ListenerCase{"2026/11/25 14:03:12", kUnset, 1795615392},
        ListenerCase{"2026/11/25 2:03:12 PM GMT+1", kDmy, 1795615392 - 3600},
        ListenerCase{"2026-11-25T14:03:12Z", kDmy, 1795615392},
        ListenerCase{"2026-11-25T15:03:12+01:00", kUnset, 1795615392},
        ListenerCase{"2026-11-25 14:03:12", kUnset, 1795615392},
        // Month names, as Airtable, Typeform and people write them.
        ListenerCase{"Nov 25, 2026 2:03:12 PM", kUnset, 1795615392},
        ListenerCase{"November 25, 2026 at 2:03:12 PM", kUnset, 1795615392},
        ListenerCase{"Wednesday, November 25th, 2026 14:03:12", kUnset, 1795615392},
        ListenerCase{"25 Nov 2026 2:03:12 pm", kUnset, 1795615392},
        ListenerCase{"Wed, 25 Nov 2026 14:03:12 +0000", kUnset, 1795615392},
        // Not dates.
        ListenerCase{"13/13/2026", kUnset, std::nullopt}, ListenerCase{"31/02/2026", kDmy, std::nullopt},
        ListenerCase{"11/25", kUnset, std::nullopt}, ListenerCase{"yesterday", kUnset, std::nullopt},
        ListenerCase{"11/25/2026 14:03 junk", kUnset, std::nullopt},
        ListenerCase{"11/25/2026/12", kUnset, std::nullopt}));

TEST(ParseListenerDate, AZonelessTimeIsTheConfiguredZones) {
  setenv("TZ", "Europe/Madrid", 1);
  tzset();
  ListenerDate winter = parse_listener_date("25/11/2026 15:03:12", DateOrder::kDmy);
  ListenerDate summer = parse_listener_date("2026-07-01 10:00", DateOrder::kUnset);
  ListenerDate zoned = parse_listener_date("2026-11-25T14:03:12Z", DateOrder::kUnset);
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(winter.at, 1795615392);        // 15:03 in Madrid in November is 14:03 UTC
  EXPECT_EQ(summer.at, 1782892800);  // 10:00 in summer time is 08:00 UTC
  EXPECT_EQ(zoned.at, 1795615392);         // a written zone wins
}

TEST(DateReading, SaysWhichOrdersMakeADate) {
  EXPECT_EQ(date_reading("25/11/2026"), DateReading::kDayFirst);
  EXPECT_EQ(date_reading("11/25/2026 14:03"), DateReading::kMonthFirst);
  EXPECT_EQ(date_reading("03/04/2026"), DateReading::kEither);
  EXPECT_EQ(date_reading("04/04/2026"), DateReading::kSame);
  EXPECT_EQ(date_reading("2026/11/25"), DateReading::kYearFirst);
  EXPECT_EQ(date_reading("13/13/2026"), DateReading::kNeither);
  EXPECT_EQ(date_reading("2026-11-25T14:03:12Z"), DateReading::kNotNumeric);
  EXPECT_EQ(date_reading("Nov 25, 2026"), DateReading::kNotNumeric);
}

TEST(DateOrder, ReadsItsThreeNames) {
  EXPECT_EQ(date_order_from_string("mdy"), DateOrder::kMdy);
  EXPECT_EQ(date_order_from_string("dmy"), DateOrder::kDmy);
  EXPECT_EQ(date_order_from_string("ymd"), DateOrder::kYmd);
  EXPECT_EQ(date_order_from_string("DMY"), std::nullopt);
  EXPECT_EQ(to_string(DateOrder::kDmy), "dmy");
}

}  // namespace
}  // namespace rapport::ingest
