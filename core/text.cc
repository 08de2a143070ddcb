#include "core/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace rapport {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

namespace {

// The length of the run of ASCII bytes at the start of `s`, eight bytes at a time: most text a
// listener sends is ASCII, and it needs no decoding.
size_t ascii_run(std::string_view s) {
  size_t i = 0;
  const char* p = s.data();
  while (i + 8 <= s.size()) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    i += ascii_run(s.substr(i));
    if (i == s.size()) break;
    size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t good = 0;  // s[good, i) is valid and not yet copied
  for (size_t i = 0; i < s.size();) {
    i += ascii_run(s.substr(i));
    if (i == s.size()) break;
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out.append(s.substr(good, i - good));
      out += "\xEF\xBF\xBD";
      good = ++i;
    } else {
      i += n;
    }
  }
  out.append(s.substr(good));
  return out;
}

std::string printable(std::string_view s, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes) + 8);
  for (size_t i = 0; i < s.size();) {
    if (out.size() >= max_bytes) {
      out += "\xE2\x80\xA6";  // …
      break;
    }
    size_t n = utf8_sequence(s, i);
    auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n == 1 && (c < 0x20 || c == 0x7F)) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      // C1 controls (U+0080 to U+009F): CSI and friends to a terminal.
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      out += "\\u00";
      out += kHex[c1 >> 4];
      out += kHex[c1 & 0xF];
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::string excerpt(std::string_view s, size_t max_chars) {
  std::string folded = collapse_spaces(s);
  // Count characters, not bytes.
  size_t chars = 0;
  size_t cut = folded.size();
  for (size_t i = 0; i < folded.size(); ++i) {
    if ((static_cast<unsigned char>(folded[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) {
        cut = i;
        break;
      }
      ++chars;
    }
  }
  if (cut == folded.size()) return folded;
  size_t word = folded.rfind(' ', cut);
  if (word != std::string::npos && word + 20 > cut && word > 0) cut = word;
  std::string out = folded.substr(0, cut);
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == '.')) {
    out.pop_back();
  }
  return out + "\xE2\x80\xA6";
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string url_encode(std::string_view s, std::string_view also_safe) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~' || also_safe.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool is_web_url(std::string_view url) {
  return istarts_with(url, "https://") || istarts_with(url, "http://");
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= s.size()) {
    size_t nl = s.find('\n', start);
    std::string_view line =
        s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

std::string format_rfc3339_utc(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string local_date(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

namespace {

std::string long_date(const std::tm& tm) {
  static const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  return std::string(kDays[tm.tm_wday]) + " " + std::to_string(tm.tm_mday) + " " +
         kMonths[tm.tm_mon] + " " + std::to_string(tm.tm_year + 1900);
}

}  // namespace

std::string format_rfc3339_local(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  const int hours = static_cast<int>(off / 3600 % 100);
  const int minutes = static_cast<int>(off % 3600 / 60);
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", sign, hours, minutes);
  return std::string(buf) + zone;
}

std::string format_local_short(UnixTime t, UnixTime now) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = static_cast<std::time_t>(t), nn = static_cast<std::time_t>(now);
  std::tm tm{}, nw{};
  localtime_r(&tt, &tm);
  localtime_r(&nn, &nw);
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", tm.tm_hour, tm.tm_min);
  std::string out = std::string(kDays[tm.tm_wday]) + " " + std::to_string(tm.tm_mday) + " " +
                    kMonths[tm.tm_mon];
  if (tm.tm_year != nw.tm_year) out += " " + std::to_string(tm.tm_year + 1900);
  return out + " " + hm;
}

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  if (n < 0) {
    out = "-";
    digits.erase(0, 1);
  }
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string count_of(std::int64_t n, std::string_view one, std::string_view many) {
  std::string out = grouped(n) + " ";
  out += n == 1 ? one : many;
  return out;
}

std::string long_local_date(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return long_date(tm);
}

std::string long_date_of_day(const std::string& ymd) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(ymd.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
      d < 1 || d > 31) {
    return ymd;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = 12;
  std::time_t t = timegm(&tm);  // noon UTC: the same calendar day wherever it is read
  std::tm day{};
  gmtime_r(&t, &day);
  return long_date(day);
}

std::string format_rfc5322(UnixTime t) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string strip_reply_prefixes(std::string_view subject) {
  std::string_view s = trim(subject);
  while (true) {
    bool stripped = false;
    for (const char* p : {"re:", "aw:", "sv:", "fwd:", "fw:", "wg:", "tr:", "antw:", "vs:", "ref:",
                          "rif:", "res:", "r:"}) {
      if (istarts_with(s, p)) {
        s = trim(s.substr(std::string_view(p).size()));
        stripped = true;
      }
    }
    // "Re[2]:" and "RE: [Show name]" tags.
    if (istarts_with(s, "re[")) {
      size_t close = s.find("]:");
      if (close != std::string_view::npos && close < 8) {
        s = trim(s.substr(close + 2));
        stripped = true;
      }
    }
    if (!s.empty() && s.front() == '[') {
      size_t close = s.find(']');
      if (close != std::string_view::npos && close < 60 && close + 1 < s.size()) {
        s = trim(s.substr(close + 1));
        stripped = true;
      }
    }
    if (!stripped) break;
  }
  return std::string(s);
}

std::string ordinal(int n) {
  int tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(n) + suffix;
}


}  // namespace rapport
