#include "ingest/decode/date_parse.h"

#include <cctype>
#include <string>

#include "core/text.h"

namespace rapport::ingest {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool valid(int y, int mo, int d, int h, int mi, int s) {
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return y >= 1970 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= kDays[mo - 1] && h >= 0 &&
         h <= 24 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

std::optional<UnixTime> to_unix(int y, int mo, int d, int h, int mi, int s, int offset_seconds) {
  if (!valid(y, mo, d, h, mi, s)) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400 + h * 3600 + mi * 60 + s - offset_seconds;
}

// A cursor over the text with the few readers both formats need.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_space() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // Up to max_digits digits; nullopt when there is none.
  std::optional<int> number(size_t max_digits, size_t* count = nullptr) {
    size_t start = i_;
    int v = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(s_[i_])) && i_ - start < max_digits) {
      v = v * 10 + (s_[i_] - '0');
      ++i_;
    }
    if (count) *count = i_ - start;
    if (i_ == start) return std::nullopt;
    return v;
  }
  std::string word() {
    size_t start = i_;
    while (!done() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return ascii_lower(s_.substr(start, i_ - start));
  }
  std::string_view rest() const { return s_.substr(std::min(i_, s_.size())); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

int month_from_name(const std::string& w) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (w.compare(0, 3, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

// Named and military zones of RFC 822, and the common abbreviations feeds use.
std::optional<int> zone_offset(const std::string& z) {
  struct Zone {
    const char* name;
    int hours;
  };
  static const Zone kZones[] = {{"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},    {"est", -5},
                                {"edt", -4}, {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6},
                                {"pst", -8}, {"pdt", -7}, {"bst", 1},  {"cet", 1},  {"cest", 2},
                                {"eet", 2},  {"eest", 3}, {"ist", 1},  {"jst", 9},  {"aest", 10}};
  for (const auto& zone : kZones) {
    if (z == zone.name) return zone.hours * 3600;
  }
  // Military letters: A-I = +1..+9, K-M = +10..+12, N-Y = -1..-12 (RFC 822 meaning; RFC 5322
  // says they are unreliable, but feeds that use them mean this).
  if (z.size() == 1) {
    char c = z[0];
    if (c >= 'a' && c <= 'i') return (c - 'a' + 1) * 3600;
    if (c >= 'k' && c <= 'm') return (c - 'k' + 10) * 3600;
    if (c >= 'n' && c <= 'y') return -(c - 'n' + 1) * 3600;
  }
  return std::nullopt;
}

// "+0100", "-05:00", "+01"; nullopt when s is not a numeric offset.
std::optional<int> numeric_offset(Scanner& sc) {
  char sign = sc.peek();
  if (sign != '+' && sign != '-') return std::nullopt;
  sc.eat(sign);
  size_t n = 0;
  auto hh = sc.number(2, &n);
  if (!hh || n != 2) return std::nullopt;
  sc.eat(':');
  auto mm = sc.number(2);
  int offset = *hh * 3600 + (mm ? *mm : 0) * 60;
  return sign == '-' ? -offset : offset;
}

struct ClockTime {
  int h = 0, mi = 0, s = 0;
};

// HH:MM[:SS[.fraction]]; false when the text is not a time of day.
bool read_clock(Scanner& sc, ClockTime& t) {
  auto hh = sc.number(2);
  if (!hh || !sc.eat(':')) return false;
  auto mm = sc.number(2);
  if (!mm) return false;
  t.h = *hh;
  t.mi = *mm;
  if (sc.eat(':')) {
    auto ss = sc.number(2);
    if (!ss) return false;
    t.s = *ss;
  }
  if (sc.eat('.') || sc.eat(',')) sc.number(9);  // fractions of a second
  return true;
}

// [Day,] DD Mon YYYY HH:MM[:SS] [zone]
std::optional<UnixTime> parse_rfc822(std::string_view text) {
  Scanner sc(text);
  sc.skip_space();
  if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
    std::string w = sc.word();  // the weekday, or a month for "Nov 9 2026" forms
    int month = month_from_name(w);
    if (month) return std::nullopt;  // not this format
    sc.skip_space();
  }
  auto day = sc.number(2);
  if (!day) return std::nullopt;
  sc.skip_space();
  sc.eat('-');
  int month = month_from_name(sc.word());
  if (!month) return std::nullopt;
  sc.eat('-');
  sc.skip_space();
  size_t year_digits = 0;
  auto year = sc.number(4, &year_digits);
  if (!year) return std::nullopt;
  int y = *year;
  // Two-digit years: 00-49 are 20xx, 50-99 are 19xx (RFC 5322 section 4.3).
  if (year_digits <= 2) y += y < 50 ? 2000 : 1900;
  if (year_digits == 3) y += 1900;
  sc.skip_space();
  ClockTime t;
  if (std::isdigit(static_cast<unsigned char>(sc.peek())) && !read_clock(sc, t))
    return std::nullopt;
  sc.skip_space();
  int offset = 0;
  if (auto num = numeric_offset(sc)) {
    offset = *num;
  } else if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
    std::string z = sc.word();
    auto named = zone_offset(z);
    if (!named) return std::nullopt;
    offset = *named;
    // "GMT+0100" and "UTC-05:00".
    if (auto extra = numeric_offset(sc)) offset += *extra;
  }
  sc.skip_space();
  // Anything left must be a comment such as "(PST)".
  std::string_view rest = trim(sc.rest());
  if (!rest.empty() && rest.front() != '(') return std::nullopt;
  return to_unix(y, month, *day, t.h, t.mi, t.s, offset);
}

// YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±HH[:]MM]
std::optional<UnixTime> parse_iso8601(std::string_view text) {
  Scanner sc(text);
  size_t n = 0;
  auto y = sc.number(4, &n);
  if (!y || n != 4 || !sc.eat('-')) return std::nullopt;
  auto mo = sc.number(2);
  if (!mo || !sc.eat('-')) return std::nullopt;
  auto d = sc.number(2);
  if (!d) return std::nullopt;
  ClockTime t;
  int offset = 0;
  if (sc.eat('T') || sc.eat('t') || sc.eat(' ')) {
    if (!read_clock(sc, t)) return std::nullopt;
    if (sc.eat('Z') || sc.eat('z')) {
      offset = 0;
    } else if (auto num = numeric_offset(sc)) {
      offset = *num;
    } else {
      sc.skip_space();
      std::string z = sc.word();
      if (!z.empty()) {
        auto named = zone_offset(z);
        if (!named) return std::nullopt;
        offset = *named;
      }
    }
  }
  if (!trim(sc.rest()).empty()) return std::nullopt;
  return to_unix(*y, *mo, *d, t.h, t.mi, t.s, offset);
}

// YYYY/MM/DD[ H:MM[:SS][ AM|PM][ zone]]: spreadsheet and form exports (Google Forms).
std::optional<UnixTime> parse_year_first_slashes(std::string_view text) {
  Scanner sc(text);
  size_t n = 0;
  auto y = sc.number(4, &n);
  if (!y || n != 4 || !sc.eat('/')) return std::nullopt;
  auto mo = sc.number(2);
  if (!mo || !sc.eat('/')) return std::nullopt;
  auto d = sc.number(2);
  if (!d) return std::nullopt;
  ClockTime t;
  int offset = 0;
  sc.skip_space();
  if (!sc.done()) {
    if (!read_clock(sc, t)) return std::nullopt;
    sc.skip_space();
    if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
      std::string word = sc.word();
      if (word == "am" || word == "pm") {
        if (t.h < 1 || t.h > 12) return std::nullopt;
        t.h = t.h % 12 + (word == "pm" ? 12 : 0);
        sc.skip_space();
        word = sc.word();
      }
      if (!word.empty()) {
        auto named = zone_offset(word);
        if (!named) return std::nullopt;
        offset = *named;
        if (auto extra = numeric_offset(sc)) offset += *extra;
      }
    } else if (auto num = numeric_offset(sc)) {
      offset = *num;
    }
  }
  if (!trim(sc.rest()).empty()) return std::nullopt;
  return to_unix(*y, *mo, *d, t.h, t.mi, t.s, offset);
}

}  // namespace

std::optional<UnixTime> parse_date(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty() || s.size() > 200) return std::nullopt;
  if (auto iso = parse_iso8601(s)) return iso;
  if (auto slashes = parse_year_first_slashes(s)) return slashes;
  return parse_rfc822(s);
}

}  // namespace rapport::ingest
