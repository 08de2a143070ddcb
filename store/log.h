// Log: one line per event on stderr. Never pass a secret to it.
#pragma once

#include <string_view>

namespace rapport::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Lines below this level are dropped. Default kInfo. Not thread-safe to change while
// other threads log; set it once at start-up.
void set_level(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warn(std::string_view m) { write(Level::kWarn, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace rapport::log
