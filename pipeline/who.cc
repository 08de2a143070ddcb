#include "pipeline/who.h"

#include <string>
#include <vector>

#include "core/text.h"
#include "core/unicode.h"

namespace rapport::pipeline {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Written like a phone number: digits with the usual separators, at least six digits.
bool phone_like(std::string_view s) {
  size_t digits = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (std::string_view("+-. ()/").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digits >= 6;
}

// The store's exact lookup (an id, or an identity in its normal form); nullopt when no one.
Result<std::optional<std::int64_t>> exact(Store& store, std::string_view key) {
  auto found = store.find_contact(key);
  if (found) return std::optional<std::int64_t>(*found);
  if (found.error().code == ErrorCode::kNotFound) return std::optional<std::int64_t>();
  return found.error();
}

std::string describe(const ContactRecord& r) {
  std::string s = "#" + std::to_string(r.id) + " " +
                  (r.display_name.empty() ? std::string("(no name)") : r.display_name);
  std::string ids;
  for (const auto& i : r.identities) {
    if (i.kind == "name") continue;
    ids += (ids.empty() ? "" : ", ") + (i.written.empty() ? i.value : i.written);
  }
  if (!ids.empty()) s += " <" + ids + ">";
  return s;
}

Error several(std::string_view who, const std::vector<ContactRecord>& people) {
  std::string list;
  for (size_t i = 0; i < people.size() && i < 10; ++i) {
    list += (i ? "; " : "") + describe(people[i]);
  }
  if (people.size() > 10) list += "; and more";
  return make_error(ErrorCode::kUsage,
                    std::to_string(people.size()) + (people.size() > 10 ? "+" : "") +
                        " people match \"" + printable(who, 100) + "\": " + list,
                    "", "name one by its id (like #" + std::to_string(people.front().id) +
                            ") or by an address");
}

}  // namespace

Result<std::int64_t> find_person(Store& store, std::string_view raw, const IdentityRules& rules) {
  std::string_view who = trim(raw);
  if (who.empty()) {
    return make_error(ErrorCode::kUsage, "no one named", "",
                      "give an address, a phone number, a contact id or a name");
  }
  // "#12" or "12": a contact id (a merged one is found as the one it joined).
  std::string_view id = who.front() == '#' ? who.substr(1) : who;
  if (all_digits(id) && id.size() <= 12) {
    auto found = exact(store, id);
    if (!found) return found.error();
    if (*found) return **found;
    if (who.front() == '#') {
      return make_error(ErrorCode::kNotFound, "no contact " + std::string(who), "",
                        "`rapport contacts list` shows everyone with their id");
    }
  }
  if (who.find('@') != std::string_view::npos && who.find(' ') == std::string_view::npos) {
    // An address in any spelling: Lucia.Fernandez@GoogleMail.com is luciafernandez@gmail.com.
    // Lightning addresses of boostagram senders are kept as written, lower-cased.
    for (const Identity& key : {email_identity(who, rules), Identity{"", ascii_lower(who), ""}}) {
      if (key.empty()) continue;
      auto found = exact(store, key.value);
      if (!found) return found.error();
      if (*found) return **found;
    }
    return make_error(ErrorCode::kNotFound, "no one writes from " + printable(who, 200), "",
                      "`rapport contacts list` shows everyone with their addresses");
  }
  if (phone_like(who)) {
    std::string number = e164(who, rules.default_country);
    std::string digits;
    for (char c : who) {
      if ((c >= '0' && c <= '9') || (c == '+' && digits.empty())) digits += c;
    }
    for (const std::string& key : {number, digits}) {
      if (key.empty()) continue;
      auto found = exact(store, key);
      if (!found) return found.error();
      if (*found) return **found;
    }
    return make_error(ErrorCode::kNotFound, "no one calls from " + printable(who, 100), "",
                      rules.default_country.empty()
                          ? "write the number with its country code, or set [contacts] "
                            "default_country"
                          : "`rapport contacts list` shows everyone with their numbers");
  }
  if (size_t colon = who.find(':'); colon != std::string_view::npos && colon > 0 &&
                                     who.find(' ') == std::string_view::npos) {
    // "instagram:lucia.grows"
    Identity h = handle_identity(who.substr(0, colon), who.substr(colon + 1));
    if (!h.empty()) {
      auto found = exact(store, h.value);
      if (!found) return found.error();
      if (*found) return **found;
    }
  }
  // A name, folded for case and accents; else the unique beginning of one.
  std::string folded = fold_name(who);
  if (folded.empty()) {
    return make_error(ErrorCode::kNotFound, "no one called \"" + printable(who, 100) + "\"", "",
                      "give an address, a phone number, a contact id or a name");
  }
  for (bool prefix : {false, true}) {
    auto people = store.contacts_named(folded, prefix, 11);
    if (!people) return people.error();
    if (people->size() == 1) return people->front().id;
    if (people->size() > 1) return several(who, *people);
  }
  return make_error(ErrorCode::kNotFound, "no one called \"" + printable(who, 100) + "\"", "",
                    "names are matched without case or accents; `rapport contacts list` shows "
                    "everyone");
}

}  // namespace rapport::pipeline
