#include "config/values.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace rapport::config {

std::optional<UnixTime> parse_day(const std::string& text) {
  int y = 0, mo = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3 || y < 1970 || mo < 1 ||
      mo > 12 || d < 1 || d > 31) {
    return std::nullopt;
  }
  // Days from the civil date (Howard Hinnant's algorithm).
  y -= mo <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<UnixTime>(era * 146097 + doe - 719468) * 86400;
}

std::optional<std::array<bool, 7>> parse_days(const std::string& text) {
  static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  auto day = [](std::string_view s) -> int {
    for (int i = 0; i < 7; ++i) {
      if (s == kNames[i]) return i;
    }
    return -1;
  };
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::array<bool, 7> days{};
  if (t == "daily" || t == "every day")
    return std::array<bool, 7>{true, true, true, true, true, true, true};
  if (t == "weekdays") return std::array<bool, 7>{false, true, true, true, true, true, false};
  if (t == "weekends") return std::array<bool, 7>{true, false, false, false, false, false, true};
  size_t start = 0;
  bool any = false;
  while (start <= t.size()) {
    size_t comma = t.find(',', start);
    std::string part =
        t.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    size_t dash = part.find('-');
    int a = day(part.substr(0, dash));
    int b = dash == std::string::npos ? a : day(part.substr(dash + 1));
    if (a < 0 || b < 0) return std::nullopt;
    for (int i = a;; i = (i + 1) % 7) {
      days[static_cast<size_t>(i)] = true;
      any = true;
      if (i == b) break;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!any) return std::nullopt;
  return days;
}

std::string expand_home(const std::string& p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + p.substr(1);
  }
  return p;
}

std::string data_home() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg && *xdg) return xdg;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share";
}

}  // namespace rapport::config
