#include "pipeline/duplicates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/text.h"
#include "pipeline/identity.h"

namespace rapport::pipeline {
namespace {

struct Address {
  std::string written;  // local@domain as stored
  std::string local;    // the local part as the person wrote it (dots kept), lower case
  std::string key;      // the local part without dots, dashes and underscores
  std::string domain;   // "" for a handle
  std::string platform; // for a handle
};

struct Person {
  std::int64_t id = 0;
  std::string name;                 // folded
  std::vector<std::string> tokens;  // of the folded name, letters and digits only
  std::string words;                // the tokens in alphabetical order: "grace kimura"
  std::vector<Address> addresses;   // emails and handles
};

std::string two_places(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::vector<std::string> tokens_of(const std::string& folded) {
  std::vector<std::string> out;
  std::string t;
  for (size_t i = 0; i <= folded.size(); ++i) {
    char c = i < folded.size() ? folded[i] : ' ';
    if (c == ' ' || c == '-' || c == ',') {
      if (!t.empty()) out.push_back(std::move(t));
      t.clear();
    } else if (c != '\'' && c != '.') {
      t += c;
    }
  }
  return out;
}

std::string address_key(std::string_view local) {
  std::string k;
  for (char c : local) {
    if (c != '.' && c != '-' && c != '_') k += c;
  }
  return k;
}

bool generic_key(const std::string& k) {
  static constexpr std::string_view kGeneric[] = {
      "info", "hello", "contact", "mail", "admin", "office", "team", "support", "podcast",
      "listen", "post", "kontakt", "enquiries", "sales", "noreply", "webmaster", "postmaster"};
  return k.size() < 4 || std::find(std::begin(kGeneric), std::end(kGeneric), k) != std::end(kGeneric);
}

// How an address key is spelt from a name, which says how likely another person of that
// name is to have it too: the name alone ("anaperez", "aperez", "perezana", "ana") often, with
// a middle initial ("anaoperez") seldom, with a year or a number ("anaperez82") hardly ever —
// but with one digit ("anaperez2") often: that is mostly the provider's doing, the plain one
// being taken.
enum class Spelling { kNotFromName, kPlain, kOneDigit, kInitial, kNumbered };

Spelling spelling_of(const std::string& key, const std::vector<std::string>& t) {
  if (t.empty()) return Spelling::kNotFromName;
  std::string k = key;
  while (!k.empty() && std::isdigit(static_cast<unsigned char>(k.back()))) k.pop_back();
  const size_t digits = key.size() - k.size();
  auto with_digits = [digits](Spelling without) {
    return digits == 0 ? without : digits == 1 ? Spelling::kOneDigit : Spelling::kNumbered;
  };
  const std::string& first = t.front();
  const std::string& last = t.back();
  bool plain = k == first || (t.size() > 1 && k == last);
  if (!plain && t.size() > 1) {
    plain = k == first + last || k == first.substr(0, 1) + last || k == last + first ||
            k == first + last.substr(0, 1) || k == last + first.substr(0, 1);
  }
  if (plain) return with_digits(Spelling::kPlain);
  // "ana.o.perez": the first name, one letter, the last name.
  if (t.size() > 1 && k.size() == first.size() + 1 + last.size() && k.starts_with(first) &&
      k.ends_with(last)) {
    return with_digits(Spelling::kInitial);
  }
  return Spelling::kNotFromName;
}

bool spelt_from(const std::string& key, const std::vector<std::string>& t) {
  return spelling_of(key, t) != Spelling::kNotFromName;
}

// What a folded name tells about a pair, from how common its words are among these contacts.
class NameStats {
 public:
  explicit NameStats(const std::vector<Person>& people) {
    for (const auto& p : people) {
      if (p.tokens.empty()) continue;
      ++named_;
      ++first_[p.tokens.front()];
      if (p.tokens.size() > 1) ++last_[p.tokens.back()];
      ++full_[p.words];
    }
  }
  // How many people would carry `tokens` if first and last names were drawn independently as
  // often as these contacts carry them (smoothed, so a small audience is no proof of
  // rarity): far below 1 for a rare name, many for "maria garcia".
  double expected(const std::vector<std::string>& tokens) const {
    if (tokens.empty()) return 1e9;
    const double n = static_cast<double>(named_);
    auto share = [&](const std::map<std::string, int>& m, const std::string& t) {
      auto it = m.find(t);
      return ((it == m.end() ? 0 : it->second) + 1.0) / (n + kSmoothing);
    };
    double e = n * share(first_, tokens.front());
    if (tokens.size() > 1) e *= share(last_, tokens.back());
    return e;
  }
  int carriers(const std::string& words) const {
    auto it = full_.find(words);
    return it == full_.end() ? 0 : it->second;
  }

 private:
  static constexpr double kSmoothing = 200;  // names not seen yet
  size_t named_ = 0;
  std::map<std::string, int> first_, last_, full_;
};

// Calls `f` for every pair within each block of more than one and at most `max` people.
template <typename F>
void each_pair(const std::unordered_map<std::string, std::vector<size_t>>& blocks, size_t max,
               F f) {
  for (const auto& [key, members] : blocks) {
    if (members.size() < 2 || members.size() > max) continue;
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) f(members[i], members[j]);
    }
  }
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Whether `shorter`'s words begin `longer`'s ("ana" of "ana perez"), or are all in it.
bool part_of(const std::vector<std::string>& shorter, const std::vector<std::string>& longer) {
  if (shorter.empty() || shorter.size() >= longer.size()) return false;
  for (const auto& t : shorter) {
    if (std::find(longer.begin(), longer.end(), t) == longer.end()) return false;
  }
  return true;
}

// The strongest address name x and y share at different providers or platforms, weighed as
// log-odds (how much likelier the shared spelling is if they are one person than if they are
// two), with its sentence; nullopt when they share none that says anything.
using Blocks = std::unordered_map<std::string, std::vector<size_t>>;
std::optional<std::pair<double, std::string>> shared_address(const Person& x, const Person& y,
                                                             const Blocks& by_key) {
  std::optional<std::pair<double, std::string>> best;
  for (const auto& ax : x.addresses) {
    for (const auto& ay : y.addresses) {
      if (ax.key != ay.key || generic_key(ax.key)) continue;
      if (ax.domain == ay.domain && ax.platform == ay.platform) continue;
      auto block = by_key.find(ax.key);
      double sharing = block == by_key.end() ? 2 : static_cast<double>(block->second.size());
      Spelling spelt = std::max(spelling_of(ax.key, x.tokens), spelling_of(ax.key, y.tokens));
      bool from_name = spelt != Spelling::kNotFromName;
      // Spelt the same way to the dot ("ana.perez82" twice) is one person's habit; "ana.perez"
      // and "ana_perez" is what two people of one name write. The ratios: how much likelier
      // the shared spelling is if the two are one person (who keeps one address name at every
      // provider about half the time) than if they are two people of one name who chose it
      // apart — the name alone about one pair in five, with a middle initial one in a hundred
      // or so, with a year or a number one in a thousand; a nickname ("zenfern455") hardly
      // ever, a short one ("sriv") far more often than a long one.
      bool exact = ax.local == ay.local;
      double nickname = std::min(5000.0, std::pow(8.0, static_cast<double>(ax.key.size()) - 2));
      double ratio = 1.0;
      switch (spelt) {
        case Spelling::kNotFromName: ratio = exact ? nickname : 20.0; break;
        case Spelling::kPlain: ratio = exact ? 3.0 : 1.0; break;
        case Spelling::kOneDigit: ratio = exact ? 30.0 : 3.0; break;
        case Spelling::kInitial: ratio = exact ? 40.0 : 4.0; break;
        case Spelling::kNumbered: ratio = exact ? 400.0 : 30.0; break;
      }
      // A spelling many contacts share ("jsmith" at six providers) is shared by chance.
      double w = std::log(ratio) - std::log(std::max(1.0, sharing - 1.0));
      if (w <= 0 || (best && best->first >= w)) continue;
      std::string where = ax.domain.empty() || ay.domain.empty()
                              ? "the same handle, \"" + ax.key + "\", on " +
                                    (ax.platform.empty() ? ax.domain : ax.platform) + " and " +
                                    (ay.platform.empty() ? ay.domain : ay.platform)
                              : "the same address name, \"" + ax.local + "\", at " + ax.domain +
                                    " and " + ay.domain;
      best.emplace(w, where + (from_name ? " (spelt from the name)" : ""));
    }
  }
  return best;
}

// A domain of their own (not a public provider) both have an address at, or null.
const std::string* shared_own_domain(const Person& x, const Person& y) {
  for (const auto& ax : x.addresses) {
    for (const auto& ay : y.addresses) {
      if (!ax.domain.empty() && ax.domain == ay.domain && !is_freemail(ax.domain)) {
        return &ax.domain;
      }
    }
  }
  return nullptr;
}

// An address of x or y at a domain of its own spelt from the name (a work address beside a
// personal one), or null.
const Address* work_address(const Person& x, const Person& y, const std::vector<std::string>& name) {
  for (const Person* p : {&x, &y}) {
    for (const auto& a : p->addresses) {
      if (!a.domain.empty() && !is_freemail(a.domain) && spelt_from(a.key, name)) return &a;
    }
  }
  return nullptr;
}

// Whether two token lists are the same words in another order ("perez ana" of a work
// directory's "Pérez, Ana").
bool same_words(std::vector<std::string> a, std::vector<std::string> b) {
  if (a.size() != b.size() || a.size() < 2) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

std::vector<DuplicateSuggestion> suggest_duplicates(
    const std::vector<ContactRecord>& contacts,
    const std::set<std::pair<std::int64_t, std::int64_t>>& apart, size_t max_block) {
  std::vector<Person> people;
  people.reserve(contacts.size());
  std::unordered_map<std::string, std::vector<size_t>> by_name, by_key;
  for (const auto& c : contacts) {
    Person p;
    p.id = c.id;
    p.name = fold_name(c.display_name);
    p.tokens = tokens_of(p.name);
    std::vector<std::string> sorted = p.tokens;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& w : sorted) p.words += (p.words.empty() ? "" : " ") + w;
    for (const auto& i : c.identities) {
      if (i.kind == "email") {
        size_t at = i.value.rfind('@');
        if (at == std::string::npos) continue;
        // The spelling the person wrote (Gmail's normal form has lost its dots).
        std::string written = i.written.empty() ? i.value : ascii_lower(i.written);
        size_t wat = written.rfind('@');
        std::string local = wat == std::string::npos ? i.value.substr(0, at) : written.substr(0, wat);
        p.addresses.push_back({i.value, local, address_key(i.value.substr(0, at)),
                               i.value.substr(at + 1), ""});
      } else if (i.kind == "handle") {
        size_t colon = i.value.find(':');
        if (colon == std::string::npos) continue;
        std::string h = i.value.substr(colon + 1);
        p.addresses.push_back({h, h, address_key(h), "", i.value.substr(0, colon)});
      }
    }
    size_t index = people.size();
    // Blocked by the name's words in order ("kimura, grace" of a work directory meets "grace
    // kimura").
    if (p.name.size() >= 2 && !p.words.empty()) by_name[p.words].push_back(index);
    std::vector<std::string> keys;
    for (const auto& a : p.addresses) {
      if (!generic_key(a.key) && std::find(keys.begin(), keys.end(), a.key) == keys.end()) {
        keys.push_back(a.key);
        by_key[a.key].push_back(index);
      }
    }
    people.push_back(std::move(p));
  }
  const NameStats names(people);

  // Each pair once, however many blocks it shares; its evidence weighed together as log-odds
  // (independent pieces add up), and the score their probability.
  std::map<std::pair<size_t, size_t>, bool> seen;
  std::vector<DuplicateSuggestion> out;
  auto weigh = [&](size_t i, size_t j) {
    auto key = std::minmax(i, j);
    if (!seen.emplace(key, true).second) return;
    const Person& x = people[key.first];
    const Person& y = people[key.second];
    auto ids = std::minmax(x.id, y.id);
    if (apart.count(ids)) return;
    double odds = 0;  // log-odds that x and y are one person
    std::vector<std::pair<double, std::string>> evidence;
    // The fuller of the two names, and what it says.
    const Person& fuller = x.tokens.size() >= y.tokens.size() ? x : y;
    const Person& other = &fuller == &x ? y : x;
    bool names_agree = false;
    if (!x.tokens.empty() && !y.tokens.empty()) {
      double expected = names.expected(fuller.tokens);
      int carriers = std::max(2, names.carriers(fuller.words));
      // Two contacts of a name only ~E people carry are one person with odds about 0.6/E
      // (a fifth of people known twice); among more contacts, any two less so.
      // Many contacts of one name are many people, whatever the words' shares say.
      double name_odds =
          std::clamp(std::log(0.6 / std::max(expected, (carriers - 2) / 2.0)), -4.0, 4.0);
      std::string how = expected < 0.5   ? "a rare name here"
                        : expected < 3   ? "a name a few people here may share"
                                         : "a common name here";
      if (x.name == y.name || same_words(x.tokens, y.tokens)) {
        names_agree = true;
        odds += name_odds;
        evidence.emplace_back(name_odds, "the same name, \"" + fuller.name + "\", " + how +
                                             " (on " + std::to_string(carriers) + " contacts)");
      } else if (part_of(other.tokens, fuller.tokens)) {
        names_agree = true;
        double w = name_odds - 1.5;
        odds += w;
        evidence.emplace_back(w, "\"" + other.name + "\" is part of \"" + fuller.name + "\", " + how);
      } else {
        double similarity = jaro_winkler(x.name, y.name);
        if (similarity >= 0.9) {
          names_agree = true;
          double w = name_odds - 1.0;
          odds += w;
          evidence.emplace_back(w, "similar names, \"" + x.name + "\" and \"" + y.name +
                                       "\" (Jaro-Winkler " + two_places(similarity) + ")");
        } else {
          // Two names: two people, unless much says otherwise.
          odds -= similarity >= 0.8 ? 2.0 : 6.0;
        }
      }
    } else {
      odds -= 2.0;  // a contact without a name: only its addresses can say who it is
    }
    if (auto shared = shared_address(x, y, by_key)) {
      odds += shared->first;
      evidence.push_back(std::move(*shared));
    }
    if (names_agree) {
      if (const std::string* domain = shared_own_domain(x, y)) {
        // The same own domain (a company's, a family's): colleagues seldom share a name.
        odds += 2.0;
        evidence.emplace_back(2.0, "both at " + *domain);
      }
      if (const Address* work = work_address(x, y, fuller.tokens)) {
        odds += 1.0;
        evidence.emplace_back(1.0, "a work address spelt from the name, " + work->written);
      }
    }
    if (evidence.empty()) return;
    DuplicateSuggestion s;
    s.a = ids.first;
    s.b = ids.second;
    s.score = sigmoid(odds);
    std::stable_sort(evidence.begin(), evidence.end(),
                     [](const auto& l, const auto& r) { return l.first > r.first; });
    for (auto& [w, e] : evidence) s.evidence.push_back(std::move(e));
    out.push_back(std::move(s));
  };
  each_pair(by_name, max_block, weigh);
  each_pair(by_key, max_block, weigh);

  std::sort(out.begin(), out.end(), [](const DuplicateSuggestion& x, const DuplicateSuggestion& y) {
    if (x.score != y.score) return x.score > y.score;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });
  return out;
}

}  // namespace rapport::pipeline
