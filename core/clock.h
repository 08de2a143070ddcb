// Clock: where Rapport reads the current time, so tests can fix it.
#pragma once

#include <cstdint>

namespace rapport {

// Seconds since the Unix epoch, UTC. The one time type stored and passed around.
using UnixTime = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time. Never fails. Implementations are thread-safe.
  virtual UnixTime now() const = 0;
};

// The time of the machine, or the moment fix_system_clock was given.
class SystemClock final : public Clock {
 public:
  UnixTime now() const override;
};

// From now on, every SystemClock reads `t`: the program's RAPPORT_NOW, so the bundled demo
// reads as of its own morning and a test of the built program gets the same digest any day.
// Called once, before any thread starts.
void fix_system_clock(UnixTime t);
// Whether fix_system_clock was called.
bool system_clock_fixed();

// A clock that stands still until told to move; for tests.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixTime t) : t_(t) {}
  UnixTime now() const override { return t_; }
  void set(UnixTime t) { t_ = t; }
  void advance(std::int64_t seconds) { t_ += seconds; }

 private:
  UnixTime t_;
};

}  // namespace rapport
