// Charset conversion to UTF-8 (glibc iconv, which knows every charset mail and feeds use:
// ISO-8859-x, windows-125x, KOI8-R, ISO-2022-JP, GB18030, Big5, Shift_JIS, …).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rapport::ingest {

struct Converted {
  std::string text;      // valid UTF-8
  bool lossy = false;    // some bytes could not be converted and became U+FFFD
  bool unknown = false;  // the charset was not recognised; read as windows-1252
};

// Converts bytes in `charset` (a MIME or XML charset name, any case; empty means UTF-8) to
// UTF-8. ISO-8859-1 and US-ASCII are read as windows-1252, as mail clients and browsers do.
// Never fails: what cannot be converted is replaced and reported in the flags. The text is
// always valid UTF-8, whatever iconv makes of the bytes.
Converted to_utf8(std::string_view bytes, std::string_view charset);

// The charset the bytes of a document that declares none were most likely written in (uchardet,
// which knows the legacy encodings feeds and mail still use: EUC-JP, Shift_JIS, GB18030, Big5,
// EUC-KR, KOI8-R, windows-1251, ISO-8859-x…), as an iconv name; "" when it cannot tell, or
// when the bytes are ASCII or UTF-8. Reads at most the first 256 KB.
std::string detect_charset(std::string_view bytes);

// Bytes that are not UTF-8 and declare no charset (or a wrong one), read in the charset
// detect_charset() sees in them — only when they convert in it without a loss. nullopt when
// nothing fits: the caller keeps its own way (replacing what is broken).
struct Detected {
  std::string charset;  // iconv's name, for the warning that says so
  std::string text;     // valid UTF-8
};
std::optional<Detected> read_undeclared(std::string_view bytes);

// Raw 8-bit header text (RFC 6532 allows UTF-8 there; older mailers wrote their own charset):
// every valid UTF-8 sequence as it is, every other byte read as windows-1252. So a header
// that mixes both keeps its UTF-8 words intact ("Frösche", never "FrÃ¶sche").
std::string utf8_or_windows1252(std::string_view bytes);

}  // namespace rapport::ingest
