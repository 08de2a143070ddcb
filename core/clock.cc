#include "core/clock.h"

#include <atomic>
#include <chrono>

namespace rapport {

namespace {
std::atomic<bool> fixed{false};
std::atomic<UnixTime> fixed_at{0};
}  // namespace

void fix_system_clock(UnixTime t) {
  fixed_at.store(t);
  fixed.store(true);
}

bool system_clock_fixed() { return fixed.load(); }

UnixTime SystemClock::now() const {
  if (fixed.load(std::memory_order_relaxed)) return fixed_at.load(std::memory_order_relaxed);
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace rapport
