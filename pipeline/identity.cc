#include "pipeline/identity.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <phonenumbers/phonenumberutil.h>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// Whether `d` is `family` followed only by a country or generic suffix ("hotmail." + "co.uk"):
// the provider's own domains, not a company's subdomain that happens to start the same.
bool in_family(std::string_view d, std::string_view family) {
  if (d.size() <= family.size() || d.substr(0, family.size()) != family) return false;
  std::string_view rest = d.substr(family.size());
  if (rest.size() > 6) return false;  // "com", "fr", "co.uk", "com.au": the store's migration 21
  size_t label = 0;
  for (char c : rest) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 3) {
      return false;
    }
  }
  return label > 0;
}

// Providers that deliver "name+tag@" to name@'s mailbox (plus addressing), so the tag is not
// part of who wrote.
bool delivers_plus_tags_home(std::string_view domain) {
  static constexpr std::string_view kExact[] = {
      "gmail.com",  "msn.com",          "windowslive.com", "icloud.com",      "me.com",
      "mac.com",    "messagingengine.com", "proton.me",    "protonmail.com",  "protonmail.ch",
      "pm.me",      "hey.com",          "zoho.com",        "zohomail.com",    "zoho.eu",
      "zohomail.eu", "zoho.in",         "zohomail.in"};
  for (std::string_view e : kExact) {
    if (domain == e) return true;
  }
  for (std::string_view family : {"outlook.", "hotmail.", "live.", "fastmail."}) {
    if (in_family(domain, family)) return true;
  }
  return false;
}

// Whether `s` is a dot-atom: atext runs joined by single dots (RFC 5322 3.2.3).
bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    bool atext = std::isalnum(u) || u >= 0x80 ||
                 std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
    if (c == '.' ? prev == '.' : !atext) return false;
    prev = c;
  }
  return true;
}

// A quoted local part ("\"ana lopez\"") as its content, or empty when it is not one.
std::optional<std::string> unquoted_local(std::string_view local) {
  if (local.size() < 2 || local.front() != '"' || local.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < local.size(); ++i) {
    char c = local[i];
    if (c == '\\' && i + 2 < local.size()) c = local[++i];
    if (c == '\r' || c == '\n') return std::nullopt;
    out += c;
  }
  return out;
}

}  // namespace

Identity email_identity(std::string_view address, const IdentityRules& rules) {
  std::string_view a = trim(address);
  if (!a.empty() && a.front() == '<') a.remove_prefix(1);
  if (!a.empty() && a.back() == '>') a.remove_suffix(1);
  a = trim(a);
  if (a.size() > 7 && iequals(a.substr(0, 7), "mailto:")) a.remove_prefix(7);
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return {};
  std::string domain = ascii_lower(a.substr(at + 1));
  if (domain.find_first_of(" \t\r\n<>,;\"@()") != std::string::npos) return {};
  if (domain.find('.') == std::string::npos && domain != "localhost") return {};
  std::string local(a.substr(0, at));
  // A quoted local part ("\"ana lopez\"@example.es") is an address of its own; quoted around
  // what needs no quotes ("\"ana\"@x") it is the same address as unquoted.
  bool quoted = false;
  if (std::optional<std::string> content = unquoted_local(local)) {
    if (content->empty()) return {};
    if (is_dot_atom(*content)) {
      local = *content;
    } else {
      quoted = true;
      local = "\"" + *content + "\"";
    }
  } else if (local.find_first_of(" \t\r\n<>,;\"@()") != std::string::npos) {
    return {};
  }
  if (quoted) {
    bool keep = std::find(rules.case_sensitive_domains.begin(), rules.case_sensitive_domains.end(),
                          domain) != rules.case_sensitive_domains.end();
    return Identity{"email", (keep ? local : ascii_lower(local)) + "@" + domain};
  }
  if (domain == "googlemail.com") domain = "gmail.com";
  bool gmail = domain == "gmail.com";
  if (rules.strip_plus_tags || delivers_plus_tags_home(domain)) {
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
  // libphonenumber (Debian's libphonenumber8): every country's numbering plan, national
  // prefixes included ("8 (912)…" in Russia, "06 20…" in Hungary, "011 15…" in Argentina),
  // which a table of calling codes cannot know.
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string number(trim(raw));
  if (number.size() > 64) return {};
  std::string region = ascii_upper(trim(default_country));
  if (region.empty()) {
    region = "ZZ";  // none: only international forms can be read
    // "0044 …": the international prefix most of the world dials, read without a region.
    if (number.rfind("00", 0) == 0) number = "+" + number.substr(2);
  }
  PhoneNumber parsed;
  if (util.Parse(number, region, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return {};
  // Possible in length for its country, and callable from anywhere (not a local-only number
  // like "555-0132" without its area code).
  if (util.IsPossibleNumberWithReason(parsed) != PhoneNumberUtil::IS_POSSIBLE) return {};
  std::string out;
  util.Format(parsed, PhoneNumberUtil::E164, &out);
  return out;
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
