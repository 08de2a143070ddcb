#include "pipeline/identity.h"

#include <algorithm>
#include <cstdint>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// One UTF-8 sequence at `s[i]`: its code point (U+FFFD when invalid) and length.
char32_t next_code_point(std::string_view s, size_t i, size_t& len) {
  auto c = static_cast<unsigned char>(s[i]);
  len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (len == 1) return c < 0x80 ? c : 0xfffd;
  if (i + len > s.size()) {
    len = 1;
    return 0xfffd;
  }
  char32_t cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool combining(char32_t cp) { return cp >= 0x300 && cp <= 0x36f; }

// Base letter + combining accent -> the precomposed letter, for the accents names use.
struct Composition {
  char32_t mark;
  const char* bases;
  char32_t composed[24];
};
constexpr Composition kCompositions[] = {
    {0x300, "AEIOUaeiou", {0xC0, 0xC8, 0xCC, 0xD2, 0xD9, 0xE0, 0xE8, 0xEC, 0xF2, 0xF9}},
    {0x301, "AEIOUYaeiouyCcNnSsZzLlRr", {0xC1,  0xC9,  0xCD,  0xD3,  0xDA,  0xDD,  0xE1,  0xE9,
                                         0xED,  0xF3,  0xFA,  0xFD,  0x106, 0x107, 0x143, 0x144,
                                         0x15A, 0x15B, 0x179, 0x17A, 0x139, 0x13A, 0x154, 0x155}},
    {0x302, "AEIOUaeiou", {0xC2, 0xCA, 0xCE, 0xD4, 0xDB, 0xE2, 0xEA, 0xEE, 0xF4, 0xFB}},
    {0x303, "ANOano", {0xC3, 0xD1, 0xD5, 0xE3, 0xF1, 0xF5}},
    {0x308,
     "AEIOUaeiouyY",
     {0xC4, 0xCB, 0xCF, 0xD6, 0xDC, 0xE4, 0xEB, 0xEF, 0xF6, 0xFC, 0xFF, 0x178}},
    {0x30A, "AaUu", {0xC5, 0xE5, 0x16E, 0x16F}},
    {0x327, "CcSs", {0xC7, 0xE7, 0x15E, 0x15F}},
    {0x30C,
     "CcSsZzEeRrNnDd",
     {0x10C, 0x10D, 0x160, 0x161, 0x17D, 0x17E, 0x11A, 0x11B, 0x158, 0x159, 0x147, 0x148, 0x10E,
      0x10F}},
};

char32_t compose(char32_t base, char32_t mark) {
  if (base >= 0x80) return 0;
  for (const auto& c : kCompositions) {
    if (c.mark != mark) continue;
    const char* at = std::char_traits<char>::find(c.bases, std::char_traits<char>::length(c.bases),
                                                  static_cast<char>(base));
    if (at) return c.composed[at - c.bases];
  }
  return 0;
}

// Latin-1 Supplement and Latin Extended-A letters, folded to lower-case ASCII.
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "x", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
constexpr const char* kLatinExtendedA[128] = {
    "a", "a", "a",  "a",  "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    "d", "d", "e",  "e",  "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g", "g", "g",  "g",  "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    "l", "l", "l",  "n",  "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    "s", "s", "t",  "t",  "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    "u", "u", "u",  "u",  "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s"};

struct Country {
  const char* code;
  const char* calling;
  bool keeps_trunk_zero;  // Italy: the leading 0 of a landline is part of the number
};
constexpr Country kCountries[] = {
    {"US", "1", false},   {"CA", "1", false},   {"GB", "44", false},  {"IE", "353", false},
    {"FR", "33", false},  {"DE", "49", false},  {"ES", "34", false},  {"IT", "39", true},
    {"PT", "351", false}, {"NL", "31", false},  {"BE", "32", false},  {"LU", "352", false},
    {"CH", "41", false},  {"AT", "43", false},  {"DK", "45", false},  {"SE", "46", false},
    {"NO", "47", false},  {"FI", "358", false}, {"IS", "354", false}, {"PL", "48", false},
    {"CZ", "420", false}, {"SK", "421", false}, {"HU", "36", false},  {"RO", "40", false},
    {"BG", "359", false}, {"GR", "30", false},  {"HR", "385", false}, {"SI", "386", false},
    {"EE", "372", false}, {"LV", "371", false}, {"LT", "370", false}, {"UA", "380", false},
    {"TR", "90", false},  {"IL", "972", false}, {"AE", "971", false}, {"SA", "966", false},
    {"IN", "91", false},  {"PK", "92", false},  {"BD", "880", false}, {"CN", "86", false},
    {"JP", "81", false},  {"KR", "82", false},  {"TW", "886", false}, {"HK", "852", false},
    {"SG", "65", false},  {"MY", "60", false},  {"TH", "66", false},  {"VN", "84", false},
    {"PH", "63", false},  {"ID", "62", false},  {"AU", "61", false},  {"NZ", "64", false},
    {"ZA", "27", false},  {"NG", "234", false}, {"KE", "254", false}, {"EG", "20", false},
    {"MA", "212", false}, {"BR", "55", false},  {"AR", "54", false},  {"MX", "52", false},
    {"CL", "56", false},  {"CO", "57", false},  {"PE", "51", false},
};

}  // namespace

Identity email_identity(std::string_view address, const IdentityRules& rules) {
  std::string_view a = trim(address);
  if (!a.empty() && a.front() == '<') a.remove_prefix(1);
  if (!a.empty() && a.back() == '>') a.remove_suffix(1);
  a = trim(a);
  if (a.size() > 7 && iequals(a.substr(0, 7), "mailto:")) a.remove_prefix(7);
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return {};
  if (a.find_first_of(" \t\r\n<>,;\"") != std::string_view::npos) return {};
  std::string domain = ascii_lower(a.substr(at + 1));
  if (domain.find('.') == std::string::npos && domain != "localhost") return {};
  std::string local(a.substr(0, at));
  if (domain == "googlemail.com") domain = "gmail.com";
  bool gmail = domain == "gmail.com";
  if (gmail || rules.strip_plus_tags) {
    if (size_t plus = local.find('+'); plus != std::string::npos && plus > 0) local.resize(plus);
  }
  if (gmail) std::erase(local, '.');
  bool keep_case =
      std::find(rules.case_sensitive_domains.begin(), rules.case_sensitive_domains.end(), domain) !=
      rules.case_sensitive_domains.end();
  if (!keep_case) local = ascii_lower(local);
  if (local.empty()) return {};
  return Identity{"email", local + "@" + domain};
}

std::string e164(std::string_view raw, std::string_view default_country) {
  std::string digits;
  bool plus = false;
  std::string_view s = trim(raw);
  // "+44 (0)1632 960961": the "(0)" is the trunk prefix written for national callers.
  std::string cleaned(s);
  if (size_t p = cleaned.find("(0)"); p != std::string::npos) cleaned.erase(p, 3);
  for (char c : cleaned) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && digits.empty()) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') {
      return {};  // letters, extensions: not a number we can be sure of
    }
  }
  if (!plus && digits.rfind("00", 0) == 0) {
    plus = true;
    digits.erase(0, 2);
  }
  if (!plus) {
    const Country* country = nullptr;
    for (const auto& c : kCountries) {
      if (iequals(c.code, trim(default_country))) country = &c;
    }
    if (!country) return {};
    std::string calling = country->calling;
    if (calling == "1") {
      if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
      if (digits.size() != 10) return {};
    } else if (!country->keeps_trunk_zero && !digits.empty() && digits[0] == '0') {
      digits.erase(0, 1);
    }
    digits = calling + digits;
  }
  if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') return {};
  return "+" + digits;
}

Identity handle_identity(std::string_view platform, std::string_view handle) {
  std::string value = ascii_lower(trim(handle));
  while (!value.empty() && value[0] == '@') value.erase(0, 1);
  std::string where = ascii_lower(trim(platform));
  if (value.empty() || where.empty()) return {};
  return Identity{"handle", where + ":" + value};
}

Identity website_identity(std::string_view url) {
  std::string_view u = trim(url);
  size_t scheme = u.find("://");
  if (scheme != std::string_view::npos) {
    std::string s = ascii_lower(u.substr(0, scheme));
    if (s != "http" && s != "https") return {};
    u.remove_prefix(scheme + 3);
  }
  size_t slash = u.find('/');
  std::string host = ascii_lower(u.substr(0, slash));
  std::string path(slash == std::string_view::npos ? std::string_view() : u.substr(slash));
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  if (size_t q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (host.empty() || host.find('.') == std::string::npos ||
      host.find_first_of(" @<>\"") != std::string::npos) {
    return {};
  }
  return Identity{"website", host + path};
}

std::string nfc(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  char32_t pending = 0;  // the last code point, not yet written (it may take an accent)
  bool have = false;
  for (size_t i = 0; i < utf8.size();) {
    size_t len = 1;
    char32_t cp = next_code_point(utf8, i, len);
    i += len;
    if (have && combining(cp)) {
      if (char32_t c = compose(pending, cp)) {
        pending = c;
        continue;
      }
    }
    if (have) append_utf8(out, pending);
    pending = cp;
    have = true;
  }
  if (have) append_utf8(out, pending);
  return out;
}

std::string fold_name(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool space = false;
  for (size_t i = 0; i < utf8.size();) {
    size_t len = 1;
    char32_t cp = next_code_point(utf8, i, len);
    i += len;
    std::string piece;
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) piece = std::string(1, c);
    } else if (combining(cp)) {
      continue;  // an accent written apart: dropped, as the folded letter has none
    } else if (cp >= 0xC0 && cp <= 0xFF) {
      piece = kLatin1[cp - 0xC0];
    } else if (cp >= 0x100 && cp <= 0x17F) {
      piece = kLatinExtendedA[cp - 0x100];
    } else if (cp == 0xA0 || cp == 0x2019 || cp == 0x2018) {
      piece.clear();  // no-break space and typographic apostrophes separate or vanish
      if (cp == 0xA0) space = !out.empty();
      continue;
    } else {
      append_utf8(piece, cp);  // other scripts are compared as written
    }
    if (piece.empty()) {
      // Punctuation and spaces: a word break, except an apostrophe inside a name (O'Brien).
      if (cp != '\'' && cp != '.') space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += piece;
  }
  return out;
}

double jaro_winkler(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  const size_t window = std::max<size_t>(std::max(a.size(), b.size()) / 2, 1) - 1;
  std::vector<char> a_match(a.size(), 0), b_match(b.size(), 0);
  size_t matches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    size_t lo = i > window ? i - window : 0;
    size_t hi = std::min(b.size(), i + window + 1);
    for (size_t j = lo; j < hi; ++j) {
      if (b_match[j] || a[i] != b[j]) continue;
      a_match[i] = b_match[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  size_t transpositions = 0;
  for (size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_match[i]) continue;
    while (!b_match[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(transpositions) / 2.0) / m) /
                      3.0;
  size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

bool is_freemail(std::string_view domain) {
  static constexpr const char* kExact[] = {
      "gmail.com",      "googlemail.com", "icloud.com",     "me.com",       "mac.com",
      "aol.com",        "proton.me",      "protonmail.com", "pm.me",        "gmx.de",
      "gmx.net",        "gmx.com",        "gmx.at",         "gmx.ch",       "web.de",
      "mail.com",       "yandex.ru",      "ya.ru",          "fastmail.com", "fastmail.fm",
      "zoho.com",       "orange.fr",      "free.fr",        "laposte.net",  "sfr.fr",
      "wanadoo.fr",     "libero.it",      "t-online.de",    "qq.com",       "163.com",
      "126.com",        "naver.com",      "hey.com",        "tutanota.com", "msn.com",
      "ymail.com",      "mail.ru",        "seznam.cz",      "wp.pl",        "o2.pl",
      "btinternet.com", "sky.com",        "comcast.net",    "verizon.net",  "att.net",
      "bigpond.com",    "rocketmail.com"};
  std::string d = ascii_lower(domain);
  for (const char* e : kExact) {
    if (d == e) return true;
  }
  for (const char* family : {"hotmail.", "outlook.", "live.", "yahoo.", "windowslive."}) {
    if (d.rfind(family, 0) == 0) return true;
  }
  return false;
}

}  // namespace rapport::pipeline
