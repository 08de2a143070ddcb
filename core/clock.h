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

class SystemClock final : public Clock {
 public:
  UnixTime now() const override;
};

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
