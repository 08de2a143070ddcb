#include "ingest/decode/date_parse.h"

#include <cctype>
#include <ctime>
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

// "+0100", "-05:00", "+01"; nullopt when s is not a numeric offset. After a zone's name
// ("GMT+1", "UTC-5") the hours may be one digit.
std::optional<int> numeric_offset(Scanner& sc, bool short_hours = false) {
  char sign = sc.peek();
  if (sign != '+' && sign != '-') return std::nullopt;
  sc.eat(sign);
  size_t n = 0;
  auto hh = sc.number(2, &n);
  if (!hh || (n != 2 && !short_hours) || *hh > 14) return std::nullopt;
  sc.eat(':');
  auto mm = sc.number(2);
  if (mm && *mm > 59) return std::nullopt;
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

// A date read from text, before it is placed in time.
struct Fields {
  int y = 0, mo = 0, d = 0;
  ClockTime t;
  std::optional<int> offset;  // seconds east of UTC; none when the text names no zone
};

std::optional<UnixTime> utc_of(const Fields& f) {
  return to_unix(f.y, f.mo, f.d, f.t.h, f.t.mi, f.t.s, f.offset.value_or(0));
}

// A date without a zone in the process's local time (TZ); with one, where the zone says.
std::optional<UnixTime> local_of(const Fields& f) {
  if (f.offset) return utc_of(f);
  if (!valid(f.y, f.mo, f.d, f.t.h, f.t.mi, f.t.s)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = f.y - 1900;
  tm.tm_mon = f.mo - 1;
  tm.tm_mday = f.d;
  tm.tm_hour = f.t.h;
  tm.tm_min = f.t.mi;
  tm.tm_sec = f.t.s;
  tm.tm_isdst = -1;  // whichever of summer and winter time was in force
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<UnixTime>(t);
}

// What may follow a date: [at] [clock [AM|PM]] [zone] [(comment)]. False when something else
// does. `twelve_hour` allows AM/PM.
bool read_time_tail(Scanner& sc, Fields& f, bool twelve_hour) {
  sc.skip_space();
  if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
    // "at" as in "November 25, 2026 at 2:03 PM"; any other word is the zone, read below.
    Scanner probe = sc;
    if (probe.word() == "at") {
      sc = probe;
      sc.skip_space();
    }
  }
  if (std::isdigit(static_cast<unsigned char>(sc.peek()))) {
    if (!read_clock(sc, f.t)) return false;
    sc.skip_space();
    if (twelve_hour && std::isalpha(static_cast<unsigned char>(sc.peek()))) {
      Scanner probe = sc;
      std::string w = probe.word();
      if (w == "am" || w == "pm") {
        if (f.t.h < 1 || f.t.h > 12) return false;
        f.t.h = f.t.h % 12 + (w == "pm" ? 12 : 0);
        sc = probe;
        sc.skip_space();
      }
    }
  }
  if (auto num = numeric_offset(sc)) {
    f.offset = *num;
  } else if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
    auto named = zone_offset(sc.word());
    if (!named) return false;
    f.offset = *named;
    // "GMT+0100", "UTC-05:00", "GMT+1".
    if (auto extra = numeric_offset(sc, true)) *f.offset += *extra;
  }
  sc.skip_space();
  // Anything left must be a comment such as "(PST)".
  std::string_view rest = trim(sc.rest());
  return rest.empty() || rest.front() == '(';
}

// Years written with two digits: 00-49 are 20xx, 50-99 are 19xx (RFC 5322 section 4.3).
int full_year(int y, size_t digits) {
  if (digits <= 2) return y + (y < 50 ? 2000 : 1900);
  if (digits == 3) return y + 1900;
  return y;
}

// Dates with the month's name: "[Day,] DD Mon YYYY ..." (RFC 5322 and people) and, when
// `month_first` forms are allowed, "[Day,] Month DD, YYYY ...".
std::optional<Fields> parse_named(std::string_view text, bool month_first) {
  Scanner sc(text);
  sc.skip_space();
  int month = 0;
  if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
    std::string w = sc.word();  // the weekday, or the month
    month = month_from_name(w);
    sc.eat('.');
    sc.skip_space();
    if (!month && std::isalpha(static_cast<unsigned char>(sc.peek()))) {
      month = month_from_name(sc.word());  // "Wednesday, November 25, 2026"
      sc.eat('.');
      sc.skip_space();
      if (!month) return std::nullopt;
    }
    if (month && !month_first) return std::nullopt;
  }
  Fields f;
  auto day = sc.number(2);
  if (!day) return std::nullopt;
  f.d = *day;
  if (month) {
    f.mo = month;
    // "25th" is how some tools write the day.
    if (std::isalpha(static_cast<unsigned char>(sc.peek()))) {
      std::string suffix = sc.word();
      if (suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th") return std::nullopt;
    }
    sc.skip_space();
  } else {
    sc.skip_space();
    sc.eat('-');
    f.mo = month_from_name(sc.word());
    if (!f.mo) return std::nullopt;
    sc.eat('.');
    sc.eat('-');
    sc.skip_space();
  }
  size_t year_digits = 0;
  auto year = sc.number(4, &year_digits);
  if (!year) return std::nullopt;
  f.y = full_year(*year, year_digits);
  if (!read_time_tail(sc, f, month_first)) return std::nullopt;
  return f;
}

// YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±HH[:]MM| zone]
std::optional<Fields> parse_iso8601(std::string_view text) {
  Scanner sc(text);
  size_t n = 0;
  auto y = sc.number(4, &n);
  if (!y || n != 4 || !sc.eat('-')) return std::nullopt;
  auto mo = sc.number(2);
  if (!mo || !sc.eat('-')) return std::nullopt;
  auto d = sc.number(2);
  if (!d) return std::nullopt;
  Fields f;
  f.y = *y;
  f.mo = *mo;
  f.d = *d;
  if (sc.eat('T') || sc.eat('t') || sc.eat(' ')) {
    if (!read_clock(sc, f.t)) return std::nullopt;
    if (sc.eat('Z') || sc.eat('z')) {
      f.offset = 0;
    } else if (auto num = numeric_offset(sc)) {
      f.offset = *num;
    } else {
      sc.skip_space();
      std::string z = sc.word();
      if (!z.empty()) {
        auto named = zone_offset(z);
        if (!named) return std::nullopt;
        f.offset = *named;
      }
    }
  }
  if (!trim(sc.rest()).empty()) return std::nullopt;
  return f;
}

// A date written as three numbers with '/', '.' or '-' between them, and what may follow it.
struct NumericDate {
  int a = 0, b = 0, c = 0;
  size_t a_digits = 0, c_digits = 0;
  Fields tail;  // the time and zone; its date fields unset
};

std::optional<NumericDate> parse_numeric(std::string_view text) {
  Scanner sc(text);
  NumericDate n;
  auto a = sc.number(4, &n.a_digits);
  char sep = sc.peek();
  if (!a || (sep != '/' && sep != '.' && sep != '-')) return std::nullopt;
  sc.eat(sep);
  size_t b_digits = 0;
  auto b = sc.number(2, &b_digits);
  if (!b || !sc.eat(sep)) return std::nullopt;
  auto c = sc.number(4, &n.c_digits);
  if (!c) return std::nullopt;
  if (sep == '.') sc.eat('.');  // "25.11.2026."
  if (sc.peek() == 'T') sc.eat('T');
  n.a = *a;
  n.b = *b;
  n.c = *c;
  if (!read_time_tail(sc, n.tail, true)) return std::nullopt;
  return n;
}

// The date `n` names read in `order`; nullopt when that reading is not a date.
std::optional<Fields> numeric_fields(const NumericDate& n, DateOrder order) {
  Fields f = n.tail;
  if (n.a_digits == 4 || order == DateOrder::kYmd) {
    if (n.a_digits == 3 || n.c_digits > 2) return std::nullopt;
    f.y = full_year(n.a, n.a_digits);
    f.mo = n.b;
    f.d = n.c;
  } else {
    if (n.c_digits == 3) return std::nullopt;
    f.y = full_year(n.c, n.c_digits);
    f.mo = order == DateOrder::kDmy ? n.b : n.a;
    f.d = order == DateOrder::kDmy ? n.a : n.b;
  }
  if (!valid(f.y, f.mo, f.d, f.t.h, f.t.mi, f.t.s)) return std::nullopt;
  return f;
}

DateReading reading_of(const NumericDate& n) {
  if (n.a_digits == 4) {
    return numeric_fields(n, DateOrder::kYmd) ? DateReading::kYearFirst : DateReading::kNeither;
  }
  bool month_first = numeric_fields(n, DateOrder::kMdy).has_value();
  bool day_first = numeric_fields(n, DateOrder::kDmy).has_value();
  if (month_first && day_first) return n.a == n.b ? DateReading::kSame : DateReading::kEither;
  if (month_first) return DateReading::kMonthFirst;
  if (day_first) return DateReading::kDayFirst;
  return DateReading::kNeither;
}

}  // namespace

std::optional<UnixTime> parse_date(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty() || s.size() > 200) return std::nullopt;
  if (auto iso = parse_iso8601(s)) return utc_of(*iso);
  if (auto n = parse_numeric(s); n && n->a_digits == 4) {
    if (auto f = numeric_fields(*n, DateOrder::kYmd)) return utc_of(*f);
    return std::nullopt;
  }
  if (auto named = parse_named(s, false)) return utc_of(*named);
  return std::nullopt;
}

std::optional<DateOrder> date_order_from_string(std::string_view s) {
  if (s == "mdy") return DateOrder::kMdy;
  if (s == "dmy") return DateOrder::kDmy;
  if (s == "ymd") return DateOrder::kYmd;
  return std::nullopt;
}

std::string_view to_string(DateOrder order) {
  switch (order) {
    case DateOrder::kMdy:
      return "mdy";
    case DateOrder::kDmy:
      return "dmy";
    case DateOrder::kYmd:
      return "ymd";
    case DateOrder::kUnset:
      break;
  }
  return "";
}

DateReading date_reading(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty() || s.size() > 200 || parse_iso8601(s)) return DateReading::kNotNumeric;
  auto n = parse_numeric(s);
  if (!n) return DateReading::kNotNumeric;
  return reading_of(*n);
}

ListenerDate parse_listener_date(std::string_view text, DateOrder order) {
  ListenerDate out;
  std::string_view s = trim(text);
  if (s.empty() || s.size() > 200) return out;
  if (auto iso = parse_iso8601(s)) {
    out.at = local_of(*iso);
    return out;
  }
  if (auto n = parse_numeric(s)) {
    DateReading reading = reading_of(*n);
    if (reading == DateReading::kEither && order == DateOrder::kUnset) {
      out.ambiguous = true;
      return out;
    }
    if (order == DateOrder::kUnset || n->a_digits == 4) {
      // One reading makes a date: that one.
      if (reading == DateReading::kDayFirst) order = DateOrder::kDmy;
      if (reading == DateReading::kMonthFirst || reading == DateReading::kSame) {
        order = DateOrder::kMdy;
      }
      if (reading == DateReading::kYearFirst) order = DateOrder::kYmd;
    }
    if (auto f = numeric_fields(*n, order)) out.at = local_of(*f);
    return out;
  }
  if (auto named = parse_named(s, true)) out.at = local_of(*named);
  return out;
}

}  // namespace rapport::ingest
