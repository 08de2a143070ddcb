// Suggested duplicates worth reading, measured: a generated audience (tests/support/audience.h:
// 20,000 people by default, names colliding, some people split over several contacts, with the
// truth) through `contacts suggest`'s code; the suggestions shown at the default threshold, how
// many are right (precision), and how many of the split people they join whole (recall); then
// the same at other thresholds, and the time. Not part of ctest: see bench/README.md.
//
//   rapport_audience_bench [PEOPLE] [SEED]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "pipeline/duplicates.h"
#include "tests/support/audience.h"

namespace {

using namespace rapport;

struct Figures {
  size_t shown = 0, right = 0;
  int joined = 0;  // split people all of whose contacts the right suggestions join
  int touched = 0;  // split people at least two of whose contacts one right suggestion joins
};

Figures measure(const testing::Audience& a, const std::vector<pipeline::DuplicateSuggestion>& all,
                double min_score) {
  Figures f;
  std::map<std::int64_t, std::int64_t> parent;
  std::function<std::int64_t(std::int64_t)> root = [&](std::int64_t x) {
    while (parent.count(x) && parent[x] != x) x = parent[x];
    return x;
  };
  std::set<std::int64_t> touched_people;
  for (const auto& s : all) {
    if (s.score < min_score) continue;
    ++f.shown;
    if (a.person.at(s.a) != a.person.at(s.b)) continue;
    ++f.right;
    touched_people.insert(a.person.at(s.a));
    std::int64_t ra = root(s.a), rb = root(s.b);
    if (!parent.count(ra)) parent[ra] = ra;
    if (!parent.count(rb)) parent[rb] = rb;
    parent[ra] = rb;
  }
  std::map<std::int64_t, std::set<std::int64_t>> roots_of;  // person -> roots of their contacts
  std::map<std::int64_t, int> contacts_of;
  for (const auto& [contact, person] : a.person) {
    ++contacts_of[person];
    roots_of[person].insert(parent.count(contact) ? root(contact) : contact);
  }
  for (const auto& [person, n] : contacts_of) {
    if (n < 2) continue;
    f.touched += touched_people.count(person) > 0;
    f.joined += roots_of[person].size() == 1;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int people = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2026;
  testing::Audience a = testing::generate_audience(people, seed);
  std::map<std::string, int> names;
  for (const auto& c : a.contacts) ++names[c.display_name];
  int largest = 0;
  for (const auto& [n, k] : names) {
    if (n.find(' ') != std::string::npos) largest = std::max(largest, k);  // full names
  }
  std::printf("audience: %d people (seed %llu), %zu contacts, %zu distinct names (the commonest "
              "full name on %d contacts), %d people split over several contacts\n",
              a.people, static_cast<unsigned long long>(seed), a.contacts.size(), names.size(),
              largest, a.split_people);
  auto t0 = std::chrono::steady_clock::now();
  auto all = pipeline::suggest_duplicates(a.contacts);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("suggest_duplicates: %zu pairs scored in %.0f ms\n\n", all.size(), ms);
  std::printf("%9s %8s %8s %10s %14s %14s\n", "min score", "shown", "right", "precision",
              "people joined", "people found");
  for (double t : {0.0, 0.3, 0.5, 0.7, 0.8, 0.9}) {
    Figures f = measure(a, all, t);
    std::printf("%9.2f%s %8zu %8zu %9.1f%% %8d %4.1f%% %8d %4.1f%%\n", t,
                t == pipeline::kDefaultMinScore ? "*" : " ", f.shown, f.right,
                f.shown ? 100.0 * f.right / f.shown : 0.0, f.joined,
                100.0 * f.joined / std::max(1, a.split_people), f.touched,
                100.0 * f.touched / std::max(1, a.split_people));
  }
  std::printf("* the default of contacts suggest (--min-score)\n");
  {
    // By how the extra contact came about: is it joined to its person at the default?
    std::map<std::int64_t, std::set<std::int64_t>> linked;  // contact -> right partners shown
    for (const auto& s : all) {
      if (s.score < pipeline::kDefaultMinScore || a.person.at(s.a) != a.person.at(s.b)) continue;
      linked[s.a].insert(s.b);
      linked[s.b].insert(s.a);
    }
    std::map<std::string, std::pair<int, int>> by_how;  // joined, all
    for (const auto& [contact, how] : a.how) {
      auto& [j, n] = by_how[how];
      ++n;
      j += linked.count(contact) > 0;
    }
    std::printf("\n%-28s %8s %8s\n", "extra contact, by how", "contacts", "joined");
    for (const auto& [how, jn] : by_how) {
      std::printf("%-28s %8d %7.1f%%\n", how.c_str(), jn.second, 100.0 * jn.first / jn.second);
    }
  }
  if (std::getenv("RAPPORT_BENCH_SHOW")) {
    // A sample of what went wrong, to read: right pairs below the default, wrong ones above.
    std::map<std::int64_t, const ContactRecord*> by_id;
    for (const auto& c : a.contacts) by_id[c.id] = &c;
    auto show = [&](const pipeline::DuplicateSuggestion& s) {
      for (std::int64_t id : {s.a, s.b}) {
        std::printf("  #%lld %s:", static_cast<long long>(id), by_id[id]->display_name.c_str());
        for (const auto& i : by_id[id]->identities) std::printf(" %s", i.value.c_str());
        std::printf("\n");
      }
      for (const auto& e : s.evidence) std::printf("    - %s\n", e.c_str());
    };
    int missed = 0, wrong = 0;
    for (const auto& s : all) {
      bool right = a.person.at(s.a) == a.person.at(s.b);
      const char* want = std::getenv("RAPPORT_BENCH_SHOW");
      bool of_kind = a.how.count(s.b) && a.how.at(s.b) == want;
      if (right && s.score < pipeline::kDefaultMinScore && missed < 25 && of_kind) {
        std::printf("missed (%.2f):\n", s.score);
        show(s);
        ++missed;
      }
      if (!right && s.score >= pipeline::kDefaultMinScore && wrong < 25 && s.a % 3 == 0) {
        std::printf("wrong (%.2f):\n", s.score);
        show(s);
        ++wrong;
      }
    }
  }
  return 0;
}
