// Small text helpers shared by every layer: UTF-8 hygiene, trimming, case folding of ASCII,
// and time formatting. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace rapport {

// True when every byte sequence in s is valid UTF-8. Does not copy.
bool is_valid_utf8(std::string_view s);

// s with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

// At most max_bytes of s, cut at a character boundary (never inside a UTF-8 sequence).
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// An excerpt of at most max_chars characters: whitespace runs folded into one space, cut at
// a word boundary when one is near, with "…" when something was cut.
std::string excerpt(std::string_view s, size_t max_chars);

// `s` made safe to print on a terminal or in a one-line message: invalid UTF-8 becomes
// U+FFFD, control characters (C0, DEL, C1: terminal escapes, newlines) are written as \n, \t
// or \xNN, and more than max_bytes is cut at a character boundary with "…".
std::string printable(std::string_view s, size_t max_bytes = 200);

std::string_view trim(std::string_view s);
std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
// Whether `url` is an http or https address (any case): the only links listener text and
// feeds may become.
bool is_web_url(std::string_view url);
// %XX-encodes everything but RFC 3986's unreserved characters (and those in `also_safe`), for a
// query value or a path segment.
std::string url_encode(std::string_view s, std::string_view also_safe = {});
// Runs of white space as one space, none at the ends: text as it reads on one line.
std::string collapse_spaces(std::string_view s);
std::vector<std::string> split_lines(std::string_view s);

// The subject without reply and forward prefixes ("Re:", "AW:", "SV:", "R:", "Fwd:",
// "[Show]" …), however many are stacked.
std::string strip_reply_prefixes(std::string_view subject);

// 2026-11-25T08:00:00Z
std::string format_rfc3339_utc(UnixTime t);
// The local calendar date of t, YYYY-MM-DD (the TZ environment variable decides "local").
std::string local_date(UnixTime t);
// "Wednesday 25 November 2026", local time.
std::string long_local_date(UnixTime t);
// The same for a calendar day given as YYYY-MM-DD; `ymd` itself when it is not one.
std::string long_date_of_day(const std::string& ymd);
// 2026-11-25T09:00:00+01:00: RFC 3339 in local time (the TZ environment variable), with its
// offset.
std::string format_rfc3339_local(UnixTime t);
// "Wed 25 Nov 09:00" in local time, the year added when it is not this year's; for people.
std::string format_local_short(UnixTime t, UnixTime now);

// "12,233": digits grouped in threes, for people to read.
std::string grouped(std::int64_t n);
// "1st", "2nd", "3rd", "4th", "11th", "22nd".
std::string ordinal(int n);
// "1 answer", "2 answers", "0 answers", "12,233 answers".
std::string count_of(std::int64_t n, std::string_view one, std::string_view many);

// "Tue, 24 Nov 2026 18:02:11 +0000": RFC 5322 date, UTC.
std::string format_rfc5322(UnixTime t);

}  // namespace rapport
