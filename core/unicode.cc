#include "core/unicode.h"

#include <utf8proc.h>

#include <cstdlib>

#include "core/text.h"

namespace rapport {
namespace {

// utf8proc_map into a std::string; `s` must be valid UTF-8.
std::string map(std::string_view s, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::string(s);  // cannot happen for valid UTF-8; keep it as it was
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

void append_utf8(std::string& out, utf8proc_int32_t cp) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
}

// Latin letters Unicode does not decompose, whose stroke or ligature is part of the letter:
// their plain spelling, as names are written without them.
const char* spelled(utf8proc_int32_t cp) {
  switch (cp) {
    case 0xF8: return "o";    // ø
    case 0xE6: return "ae";   // æ
    case 0x153: return "oe";  // œ
    case 0x142: return "l";   // ł
    case 0x111: return "d";   // đ
    case 0xF0: return "d";    // ð
    case 0xFE: return "th";   // þ
    case 0x131: return "i";   // ı
    case 0x127: return "h";   // ħ
    case 0x167: return "t";   // ŧ
    case 0x138: return "k";   // ĸ
    case 0x14B: return "n";   // ŋ
    default: return nullptr;
  }
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string nfc(std::string_view utf8) {
  // ASCII is its own NFC: most names, and no allocation by utf8proc for them.
  if (is_ascii(utf8)) return std::string(utf8);
  std::string valid = is_valid_utf8(utf8) ? std::string(utf8) : valid_utf8(utf8);
  return map(valid, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

std::string fold_case(std::string_view utf8) {
  if (is_ascii(utf8)) return ascii_lower(utf8);
  std::string valid = is_valid_utf8(utf8) ? std::string(utf8) : valid_utf8(utf8);
  // Text already composed (as mail and feeds almost always are) is folded code point by code
  // point, with no allocation per character: four times faster than the normalising path,
  // which text holding a combining mark still takes (so the result is NFC either way).
  std::string out;
  out.reserve(valid.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(valid.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(valid.size());
  utf8proc_int32_t folded[8];
  while (left > 0) {
    if (*p < 0x80) {
      // A run of ASCII at once.
      const utf8proc_uint8_t* run = p;
      while (left > 0 && *p < 0x80) {
        ++p;
        --left;
      }
      size_t at = out.size();
      out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
      for (size_t i = at; i < out.size(); ++i) {
        if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] - 'A' + 'a');
      }
      continue;
    }
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) break;
    utf8proc_category_t cat = utf8proc_category(cp);
    if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
        cat == UTF8PROC_CATEGORY_ME || (cp >= 0x1100 && cp <= 0x11FF)) {
      // A combining mark (or a conjoining Hangul jamo): composition matters.
      return map(valid, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    }
    p += n;
    left -= n;
    int last = 0;
    utf8proc_ssize_t count = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_CASEFOLD, &last);
    if (count <= 0 || count > 8) {
      folded[0] = cp;
      count = 1;
    }
    for (utf8proc_ssize_t i = 0; i < count; ++i) {
      utf8proc_uint8_t buf[4];
      utf8proc_ssize_t len = utf8proc_encode_char(folded[i], buf);
      out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(len));
    }
  }
  return out;
}

std::string fold_name(std::string_view utf8) {
  std::string valid = is_valid_utf8(utf8) ? std::string(utf8) : valid_utf8(utf8);
  std::string out;
  out.reserve(valid.size());
  bool space = false;
  // Each code point decomposed, case folded and stripped of marks on its own, into a small
  // buffer: no allocation per name (utf8proc_map allocated each time, 7x slower).
  constexpr int kOptions = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                           UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(valid.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(valid.size());
  utf8proc_int32_t parts[32];
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) break;
    p += n;
    left -= n;
    utf8proc_ssize_t count = 1;
    if (cp < 0x80) {
      if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
      parts[0] = cp;
    } else {
      int boundclass = 0;
      count = utf8proc_decompose_char(cp, parts, 32, static_cast<utf8proc_option_t>(kOptions),
                                      &boundclass);
      if (count < 0 || count > 32) continue;
    }
    for (utf8proc_ssize_t k = 0; k < count; ++k) {
      utf8proc_int32_t c = parts[k];
      utf8proc_category_t cat = utf8proc_category(c);
      bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
      bool digit = cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
      if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) continue;  // a mark
      if (!letter && !digit) {
        // An apostrophe or a full stop inside a name joins (O'Brien, J.R.); anything else
        // breaks.
        if (c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x2BC || c == '.') continue;
        space = !out.empty();
        continue;
      }
      if (space) out += ' ';
      space = false;
      if (const char* s = spelled(c)) {
        out += s;
      } else {
        append_utf8(out, c);
      }
    }
  }
  return out;
}

}  // namespace rapport
