#include "pipeline/duplicates.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "pipeline/identity.h"

namespace rapport::pipeline {
namespace {

struct Person {
  std::int64_t id = 0;
  std::string name;                                          // folded
  bool full_name = false;                                    // two words or more
  std::vector<std::pair<std::string, std::string>> emails;   // local part, domain
  std::vector<std::pair<std::string, std::string>> handles;  // platform, handle
};

std::string two_places(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

class Pairs {
 public:
  void add(const Person& x, const Person& y, double score, std::string evidence) {
    auto key = std::minmax(x.id, y.id);
    auto& s = found_[key];
    s.a = key.first;
    s.b = key.second;
    // Independent pieces of evidence add up: 1 - (1 - s1)(1 - s2)…
    s.score = 1.0 - (1.0 - s.score) * (1.0 - score);
    s.evidence.push_back(std::move(evidence));
  }
  std::map<std::pair<std::int64_t, std::int64_t>, DuplicateSuggestion>& all() { return found_; }

 private:
  std::map<std::pair<std::int64_t, std::int64_t>, DuplicateSuggestion> found_;
};

// Calls `f` for every pair within each block of more than one and at most `max` people.
template <typename F>
void each_pair(const std::unordered_map<std::string, std::vector<size_t>>& blocks, size_t max,
               F f) {
  for (const auto& [key, members] : blocks) {
    if (members.size() < 2 || members.size() > max) continue;
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) f(key, members[i], members[j]);
    }
  }
}

}  // namespace

std::vector<DuplicateSuggestion> suggest_duplicates(
    const std::vector<ContactRecord>& contacts,
    const std::set<std::pair<std::int64_t, std::int64_t>>& apart, size_t max_block) {
  std::vector<Person> people;
  people.reserve(contacts.size());
  std::unordered_map<std::string, std::vector<size_t>> by_name, by_local, by_handle;
  for (const auto& c : contacts) {
    Person p;
    p.id = c.id;
    p.name = fold_name(c.display_name);
    p.full_name = p.name.find(' ') != std::string::npos;
    for (const auto& i : c.identities) {
      if (i.kind == "email") {
        size_t at = i.value.rfind('@');
        if (at == std::string::npos) continue;
        p.emails.emplace_back(i.value.substr(0, at), i.value.substr(at + 1));
      } else if (i.kind == "handle") {
        size_t colon = i.value.find(':');
        if (colon == std::string::npos) continue;
        p.handles.emplace_back(i.value.substr(0, colon), i.value.substr(colon + 1));
      }
    }
    size_t index = people.size();
    if (p.name.size() >= 2) by_name[p.name].push_back(index);
    for (const auto& [local, domain] : p.emails) {
      // A local part like "info" or "hello" is shared by strangers; short ones say little.
      if (local.size() >= 4 && local != "info" && local != "hello" && local != "contact" &&
          local != "mail" && local != "admin") {
        by_local[local].push_back(index);
      }
    }
    for (const auto& h : p.handles) {
      if (h.second.size() >= 3) by_handle[h.second].push_back(index);
    }
    people.push_back(std::move(p));
  }

  Pairs pairs;
  each_pair(by_name, max_block, [&](const std::string& name, size_t i, size_t j) {
    const Person& x = people[i];
    const Person& y = people[j];
    std::string shared_domain;
    for (const auto& ex : x.emails) {
      for (const auto& ey : y.emails) {
        if (ex.second == ey.second && !is_freemail(ex.second)) shared_domain = ex.second;
      }
    }
    if (!shared_domain.empty()) {
      pairs.add(x, y, 0.85, "the same name, \"" + name + "\", at " + shared_domain);
    } else {
      pairs.add(x, y, x.full_name ? 0.6 : 0.35,
                "the same name, \"" + name + "\", with different addresses");
    }
  });
  each_pair(by_local, max_block, [&](const std::string& local, size_t i, size_t j) {
    const Person& x = people[i];
    const Person& y = people[j];
    if (x.name.empty() || y.name.empty()) return;
    double similarity = jaro_winkler(x.name, y.name);
    if (similarity < 0.88) return;
    pairs.add(x, y, 0.5 + 0.4 * similarity,
              "similar names (Jaro-Winkler " + two_places(similarity) +
                  ") and the same address name, \"" + local + "\"");
  });
  each_pair(by_handle, max_block, [&](const std::string& handle, size_t i, size_t j) {
    const Person& x = people[i];
    const Person& y = people[j];
    double similarity = x.name.empty() || y.name.empty() ? 1.0 : jaro_winkler(x.name, y.name);
    if (similarity < 0.8) return;
    std::string px, py;
    for (const auto& h : x.handles) {
      if (h.second == handle) px = h.first;
    }
    for (const auto& h : y.handles) {
      if (h.second == handle) py = h.first;
    }
    if (px == py) return;  // the same handle on the same platform is one identity already
    pairs.add(x, y, 0.55, "the same handle, \"" + handle + "\", on " + px + " and " + py);
  });

  std::vector<DuplicateSuggestion> out;
  for (auto& [key, s] : pairs.all()) {
    if (apart.count(key)) continue;
    // Several rules may say the same thing twice for one pair (two shared names cannot, but
    // a name and a local part can): keep each sentence once.
    std::sort(s.evidence.begin(), s.evidence.end());
    s.evidence.erase(std::unique(s.evidence.begin(), s.evidence.end()), s.evidence.end());
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const DuplicateSuggestion& x, const DuplicateSuggestion& y) {
    if (x.score != y.score) return x.score > y.score;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });
  return out;
}

}  // namespace rapport::pipeline
