#include "core/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace rapport::log {
namespace {
Level g_level = Level::kInfo;
Format g_format = Format::kText;
std::mutex g_mutex;

const char* name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}
}  // namespace

void set_level(Level level) { g_level = level; }
void set_format(Format format) { g_format = format; }
Format format() { return g_format; }
Level level() { return g_level; }

void write(Level level, std::string_view message) {
  if (level < g_level) return;
  std::string line;
  if (g_format == Format::kJson) {
    line = "{\"time\":\"" + format_rfc3339_utc(SystemClock().now()) + "\",\"level\":\"" +
           name(level) + "\",\"message\":";
    append_json_string(line, message);
    line += "}\n";
  } else {
    line = std::string("rapport: ") + name(level) + ": ";
    // One event, one line: embedded newlines would let input forge log lines, and terminal
    // escapes from a feed or a message would reach the terminal.
    line += printable(message, 64 * 1024);
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rapport::log
