// Log: one line per event on stderr. Never pass a secret to it.
#pragma once

#include <string_view>

namespace rapport::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// Lines below this level are dropped. Default kInfo. Not thread-safe to change while
// other threads log; set it once at start-up.
void set_level(Level level);
// kText: "rapport: info: message". kJson: {"time":"…","level":"info","message":"…"} per line.
void set_format(Format format);
Format format();
Level level();
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warn(std::string_view m) { write(Level::kWarn, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace rapport::log
