#include "pipeline/schedule.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// The moment of local `minute_of_day` on the local day `days_from_today` after now's.
UnixTime local_time_on(UnixTime now, int days_from_today, int minute_of_day) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_mday += days_from_today;
  tm.tm_hour = minute_of_day / 60;
  tm.tm_min = minute_of_day % 60;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;  // let the zone decide: DST changes move the UTC moment, not the local one
  return static_cast<UnixTime>(std::mktime(&tm));
}

int local_weekday(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm.tm_wday;
}

}  // namespace

UnixTime next_poll_time(const PollPolicy& policy, UnixTime now, int failures,
                        std::int64_t retry_after_seconds, std::optional<std::int64_t> ttl_seconds,
                        double random01) {
  double delay;
  if (failures <= 0) {
    delay = static_cast<double>(std::max(policy.interval_seconds, ttl_seconds.value_or(0)));
  } else {
    double base = std::max<double>(60.0, static_cast<double>(policy.interval_seconds) / 4.0);
    delay = std::min(static_cast<double>(policy.backoff_cap_seconds),
                     base * std::pow(2.0, std::min(failures - 1, 30)));
  }
  delay *= 1.0 + policy.jitter * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0);
  UnixTime next = now + static_cast<std::int64_t>(std::llround(std::max(delay, 1.0)));
  if (retry_after_seconds > 0) next = std::max(next, now + retry_after_seconds);
  return next;
}

bool looks_like_network_outage(const std::vector<SourceState>& sources) {
  int network = 0;
  int failing = 0;
  for (const auto& s : sources) {
    if (s.kind != "feed" && s.kind != "comments") continue;
    if (s.dead_since) continue;  // a gone feed says nothing about the network
    ++network;
    if (s.consecutive_failures > 0) ++failing;
  }
  return network >= 2 && failing == network;
}

std::optional<UnixTime> last_digest_slot(const DigestSchedule& schedule, UnixTime now) {
  for (int back = 0; back <= 8; ++back) {
    UnixTime t = local_time_on(now, -back, schedule.minute_of_day);
    if (t <= now && schedule.days[static_cast<size_t>(local_weekday(t))]) return t;
  }
  return std::nullopt;
}

std::optional<UnixTime> next_digest_slot(const DigestSchedule& schedule, UnixTime now) {
  for (int ahead = 0; ahead <= 8; ++ahead) {
    UnixTime t = local_time_on(now, ahead, schedule.minute_of_day);
    if (t > now && schedule.days[static_cast<size_t>(local_weekday(t))]) return t;
  }
  return std::nullopt;
}

std::string delivery_slot(const std::array<bool, 7>& days, UnixTime now) {
  for (int ahead = 0; ahead < 7; ++ahead) {
    UnixTime t = local_time_on(now, ahead, 12 * 60);
    if (days[static_cast<size_t>(local_weekday(t))]) return local_date(t);
  }
  return local_date(now);  // no day at all: cannot happen for a valid config
}

std::optional<std::string> digest_due(const DigestSchedule& schedule,
                                      const std::optional<std::string>& last_delivered_slot,
                                      UnixTime now) {
  auto slot = last_digest_slot(schedule, now);
  if (!slot) return std::nullopt;
  std::string name = local_date(*slot);
  if (last_delivered_slot && *last_delivered_slot >= name) return std::nullopt;
  return name;
}

}  // namespace rapport::pipeline
