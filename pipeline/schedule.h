// Schedule: when each source is polled next, and when a digest is due. Pure functions of
// their inputs and a clock value, so they are tested with a fixed clock.
//
// Local time is the process's time zone (the TZ environment variable); the daemon sets it
// from [digest] timezone at start.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/model.h"

namespace rapport::pipeline {

struct PollPolicy {
  std::int64_t interval_seconds = 30 * 60;
  std::int64_t backoff_cap_seconds = 6 * 3600;
  double jitter = 0.1;  // the delay varies by up to this fraction either way
};

// When to poll a source next, after a poll at `now`.
// - Success (failures == 0): the interval, or the feed's own ttl when longer.
// - Failure: exponential backoff from a quarter of the interval (at least a minute), doubling
//   with each consecutive failure up to the cap. A source is never given up on.
// - A server's Retry-After is a floor.
// `random01` in [0, 1) picks the jitter; the daemon passes a random value, tests a fixed one.
UnixTime next_poll_time(const PollPolicy& policy, UnixTime now, int failures,
                        std::int64_t retry_after_seconds, std::optional<std::int64_t> ttl_seconds,
                        double random01);

// True when every one of at least two network sources is failing: the machine's network is
// probably down, rather than one feed being dead.
bool looks_like_network_outage(const std::vector<SourceState>& sources);

struct DigestSchedule {
  int minute_of_day = 8 * 60;                                             // local time
  std::array<bool, 7> days = {true, true, true, true, true, true, true};  // Sunday = 0
};

// The most recent scheduled moment at or before `now` (within the last 8 days), or nullopt.
std::optional<UnixTime> last_digest_slot(const DigestSchedule& schedule, UnixTime now);
// The first scheduled moment after `now`.
std::optional<UnixTime> next_digest_slot(const DigestSchedule& schedule, UnixTime now);

// The slot (a local date, YYYY-MM-DD) a digest delivered now, outside the schedule (`run
// --all`, `digest --send`, a run without [digest] at), is for: today when today is one of the
// days, else the next day that is — never a past one, which may have had its digest.
std::string delivery_slot(const std::array<bool, 7>& days, UnixTime now);

// The slot (a local date, YYYY-MM-DD) a digest is due for now, given the slot of the last
// delivered digest; nullopt when nothing is due. After a machine slept through several
// scheduled times, only the most recent is due: one digest on waking, not one per missed day.
std::optional<std::string> digest_due(const DigestSchedule& schedule,
                                      const std::optional<std::string>& last_delivered_slot,
                                      UnixTime now);

}  // namespace rapport::pipeline
