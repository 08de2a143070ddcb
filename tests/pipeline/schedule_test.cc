#include "pipeline/schedule.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

namespace rapport::pipeline {
namespace {

// Runs a test body in a time zone, restoring UTC after (the suite runs with TZ=UTC).
class InZone {
 public:
  explicit InZone(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
  }
  ~InZone() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

constexpr UnixTime kMonday0800Utc = 1795420800;  // Mon 23 Nov 2026 08:00:00 UTC

TEST(NextPoll, WaitsTheIntervalWithJitterWithinBounds) {
  PollPolicy p{1800, 6 * 3600, 0.1};
  EXPECT_EQ(next_poll_time(p, 1000, 0, 0, std::nullopt, 0.5), 1000 + 1800);
  EXPECT_EQ(next_poll_time(p, 1000, 0, 0, std::nullopt, 0.0), 1000 + 1620);       // -10%
  EXPECT_EQ(next_poll_time(p, 1000, 0, 0, std::nullopt, 0.999999), 1000 + 1980);  // +10%
  for (double r = 0; r < 1; r += 0.01) {
    UnixTime t = next_poll_time(p, 0, 0, 0, std::nullopt, r);
    EXPECT_GE(t, 1620);
    EXPECT_LE(t, 1980);
  }
}

TEST(NextPoll, HonoursALongerFeedTtlAndRetryAfter) {
  PollPolicy p{1800, 6 * 3600, 0};
  EXPECT_EQ(next_poll_time(p, 0, 0, 0, 7200, 0.5), 7200);
  EXPECT_EQ(next_poll_time(p, 0, 0, 0, 600, 0.5), 1800);  // a shorter ttl does not speed up
  EXPECT_EQ(next_poll_time(p, 0, 1, 3600, std::nullopt, 0.5), 3600);
}

TEST(NextPoll, BacksOffExponentiallyToTheCapAndRecovers) {
  PollPolicy p{1800, 6 * 3600, 0};
  std::vector<std::int64_t> delays;
  for (int failures = 1; failures <= 9; ++failures) {
    delays.push_back(next_poll_time(p, 0, failures, 0, std::nullopt, 0.5));
  }
  EXPECT_EQ(delays,
            (std::vector<std::int64_t>{450, 900, 1800, 3600, 7200, 14400, 21600, 21600, 21600}));
  EXPECT_EQ(next_poll_time(p, 0, 1000, 0, std::nullopt, 0.5), 21600);  // never beyond, never gone
  EXPECT_EQ(next_poll_time(p, 0, 0, 0, std::nullopt, 0.5), 1800);      // a success resets it
  PollPolicy fast{120, 3600, 0};
  EXPECT_EQ(next_poll_time(fast, 0, 1, 0, std::nullopt, 0.5), 60);  // at least a minute
}

TEST(NetworkOutage, IsToldApartFromOneDeadFeed) {
  auto source = [](const char* kind, const char* name, int failures) {
    SourceState s;
    s.kind = kind;
    s.name = name;
    s.consecutive_failures = failures;
    return s;
  };
  SourceState a = source("feed", "a", 1);
  SourceState b = source("feed", "b", 0);
  SourceState mail = source("maildir", "m", 0);
  EXPECT_FALSE(looks_like_network_outage({a, b, mail}));  // one failing feed
  b.consecutive_failures = 3;
  EXPECT_TRUE(looks_like_network_outage({a, b, mail}));  // every network source failing
  EXPECT_FALSE(looks_like_network_outage({a, mail}));    // one source cannot tell
}

TEST(DigestSchedule, IsDueOnceForTheMostRecentSlotAfterASleep) {
  DigestSchedule weekdays;
  weekdays.minute_of_day = 8 * 60;
  weekdays.days = {false, true, true, true, true, true, false};
  // Monday 07:59: the last slot was Friday 20 Nov.
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-20"), kMonday0800Utc - 60), std::nullopt);
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-19"), kMonday0800Utc - 60), "2026-11-20");
  // Monday 08:00: due.
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-20"), kMonday0800Utc), "2026-11-23");
  // Asleep from Monday 07:00 to Thursday 10:00: one digest, for Thursday.
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-20"), kMonday0800Utc + 3 * 86400 + 7200),
            "2026-11-26");
  // Sent: not again the same day.
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-26"), kMonday0800Utc + 3 * 86400 + 9000),
            std::nullopt);
  // Saturday: the last slot is Friday's, already sent.
  EXPECT_EQ(digest_due(weekdays, std::string("2026-11-27"), kMonday0800Utc + 5 * 86400),
            std::nullopt);
  EXPECT_EQ(next_digest_slot(weekdays, kMonday0800Utc + 5 * 86400), kMonday0800Utc + 7 * 86400);
  // Never sent before: the most recent slot is due at once.
  EXPECT_EQ(digest_due(weekdays, std::nullopt, kMonday0800Utc + 3600), "2026-11-23");
}

TEST(DigestSchedule, KeepsLocalTimeAcrossADaylightSavingChange) {
  InZone berlin("Europe/Berlin");
  DigestSchedule daily;
  daily.minute_of_day = 8 * 60;
  // Sat 24 Oct 2026 08:00 CEST is 06:00 UTC; Sun 25 Oct 08:00 CET (after the change) is 07:00 UTC.
  const UnixTime sat_0800_cest = 1792821600;
  EXPECT_EQ(last_digest_slot(daily, sat_0800_cest + 60), sat_0800_cest);
  auto next = next_digest_slot(daily, sat_0800_cest + 60);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next - sat_0800_cest, 25 * 3600);  // a 25-hour day
  EXPECT_EQ(digest_due(daily, std::string("2026-10-24"), *next - 60), std::nullopt);
  EXPECT_EQ(digest_due(daily, std::string("2026-10-24"), *next), "2026-10-25");
  // And in spring: Sun 29 Mar 2026 has 23 hours.
  const UnixTime sat_0800_cet = 1774681200;  // Sat 28 Mar 2026 08:00 CET = 07:00 UTC
  EXPECT_EQ(*next_digest_slot(daily, sat_0800_cet + 60) - sat_0800_cet, 23 * 3600);
}

TEST(DigestSchedule, ADigestSentOnADayOffIsTheNextValidDaysNotThePastOne) {
  // A digest sent on a Saturday with days = mon-fri was recorded (and titled) as Saturday's.
  std::array<bool, 7> weekdays = {false, true, true, true, true, true, false};
  constexpr UnixTime kSaturday = kMonday0800Utc - 2 * 86400;  // Sat 21 Nov 2026
  EXPECT_EQ(delivery_slot(weekdays, kSaturday), "2026-11-23");
  EXPECT_EQ(delivery_slot(weekdays, kSaturday + 86400), "2026-11-23");  // Sunday
  EXPECT_EQ(delivery_slot(weekdays, kMonday0800Utc), "2026-11-23");
  EXPECT_EQ(delivery_slot(weekdays, kMonday0800Utc + 86400), "2026-11-24");
  std::array<bool, 7> daily = {true, true, true, true, true, true, true};
  EXPECT_EQ(delivery_slot(daily, kSaturday), "2026-11-21");
}

TEST(DigestSchedule, TheShippedTimerRunsWhenTheStarterConfigsDigestIsDue) {
  // The timer fired at 07:30 and the starter said 08:00: every digest arrived a day late.
  auto read = [](const std::string& name) {
    std::ifstream in(std::string(RAPPORT_SOURCE_DIR) + "/" + name);
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
  };
  std::string timer = read("config/systemd/rapport-run.timer");
  std::string starter = read("config/rapport.starter.toml");
  size_t on = timer.find("OnCalendar=*-*-* ");
  ASSERT_NE(on, std::string::npos);
  int timer_h = std::stoi(timer.substr(on + 17, 2)), timer_m = std::stoi(timer.substr(on + 20, 2));
  size_t at = starter.find("\nat = \"");
  ASSERT_NE(at, std::string::npos);
  int at_h = std::stoi(starter.substr(at + 7, 2)), at_m = std::stoi(starter.substr(at + 10, 2));
  EXPECT_GE(timer_h * 60 + timer_m, at_h * 60 + at_m);
  EXPECT_LE(timer_h * 60 + timer_m, at_h * 60 + at_m + 30) << "and not much later";
  // A config error is not fixed by restarting: the daemon's unit does not loop on it.
  EXPECT_NE(read("config/rapport.service").find("\nRestartPreventExitStatus=2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace rapport::pipeline
