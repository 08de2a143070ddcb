// Reading people accurately, measured: the reply extraction corpus (tests/data/replies) case
// by case through the whole mail path, its accuracy per category; the classification corpus
// (tests/data/classify); the feed corpus (tests/data/feed_corpus); then the extractor's time
// on hostile 1 MB bodies (median of 5). Not part of ctest: see bench/README.md.
//
//   rapport_reply_bench [CORPUS_FOLDER]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ingest/mail/mail_parser.h"
#include "pipeline/classify.h"
#include "pipeline/excerpt.h"
#include "pipeline/extract.h"
#include "tests/support/corpus.h"
#include "tests/support/feed_check.h"

namespace {

using namespace rapport;

double median_ms(const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a)
                    .count());
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

std::string repeat(const std::string& unit, size_t size) {
  std::string s;
  while (s.size() < size) s += unit;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string folder = argc > 1 ? argv[1] : std::string(RAPPORT_SOURCE_DIR) + "/tests/data/replies";
  auto cases = testing::load_reply_corpus(folder);
  std::map<std::string, std::pair<int, int>> by_category;  // right, all
  int right = 0;
  for (const auto& c : cases) {
    Message m = ingest::parse_mail(c.mail, 1795600000);
    bool ok = pipeline::extract_reply(m.text) == c.expected;
    auto& [r, n] = by_category[c.category];
    r += ok;
    ++n;
    right += ok;
    if (!ok) std::printf("wrong: %s/%s\n", c.category.c_str(), c.name.c_str());
  }
  std::printf("\n%-14s %6s %6s %8s\n", "category", "right", "cases", "exact");
  for (const auto& [category, rn] : by_category) {
    std::printf("%-14s %6d %6d %7.1f%%\n", category.c_str(), rn.first, rn.second,
                100.0 * rn.first / rn.second);
  }
  std::printf("%-14s %6d %6zu %7.1f%%\n\n", "all", right, cases.size(),
              100.0 * right / static_cast<double>(cases.size()));

  // Who wrote it: the classification corpus (tests/data/classify).
  std::string classify_folder = folder.substr(0, folder.rfind('/')) + "/classify";
  auto classed = testing::load_class_corpus(classify_folder);
  std::map<std::string, std::pair<int, int>> class_right;
  int machines = 0, machines_caught = 0, people = 0, people_kept = 0;
  for (const auto& c : classed) {
    Message m = ingest::parse_mail(c.mail, 1795600000);
    std::string got(to_string(pipeline::classify(m).cls));
    bool ok = got == c.expected;
    auto& [r, n] = class_right[c.category];
    r += ok;
    ++n;
    if (c.expected == "human") {
      ++people;
      people_kept += got == "human";
    } else {
      ++machines;
      machines_caught += got != "human";
    }
    if (!ok) std::printf("wrong class: %s/%s: %s\n", c.category.c_str(), c.name.c_str(), got.c_str());
  }
  std::printf("%-14s %6s %6s %8s\n", "class corpus", "right", "cases", "exact");
  for (const auto& [category, rn] : class_right) {
    std::printf("%-14s %6d %6d %7.1f%%\n", category.c_str(), rn.first, rn.second,
                100.0 * rn.first / rn.second);
  }
  std::printf("machines never listed: %d of %d (%.1f%%); people kept people: %d of %d\n\n",
              machines_caught, machines, 100.0 * machines_caught / std::max(1, machines),
              people_kept, people);

  // Feeds: the feed corpus (tests/data/feed_corpus), each expected field one check.
  auto feeds = testing::load_feed_corpus(folder.substr(0, folder.rfind('/')) + "/feed_corpus");
  std::map<std::string, std::pair<int, int>> feed_right;  // documents read right, all
  int fields = 0, fields_wrong = 0;
  for (const auto& c : feeds) {
    std::vector<std::string> wrong = testing::feed_case_mismatches(c);
    auto& [r, n] = feed_right[c.category];
    r += wrong.empty();
    ++n;
    fields += static_cast<int>(c.expected.size());
    fields_wrong += static_cast<int>(wrong.size());
    for (const auto& w : wrong) std::printf("wrong feed: %s/%s: %s\n", c.category.c_str(), c.name.c_str(), w.c_str());
  }
  std::printf("%-14s %6s %6s %8s\n", "feed corpus", "right", "cases", "exact");
  for (const auto& [category, rn] : feed_right) {
    std::printf("%-14s %6d %6d %7.1f%%\n", category.c_str(), rn.first, rn.second,
                100.0 * rn.first / rn.second);
  }
  std::printf("fields read right: %d of %d (%.1f%%)\n\n", fields - fields_wrong, fields,
              100.0 * (fields - fields_wrong) / std::max(1, fields));

  const size_t kMb = 1 << 20;
  struct Shape {
    const char* name;
    std::string body;
  };
  std::vector<Shape> shapes = {
      {"all quote", repeat("> This week: compost, slowly, and why the pile waits.\n", kMb)},
      {"one line", repeat("word ", kMb)},
      {"date-like lines", repeat("On 17/11/2026 07:00 Sam Rivera <sam@x.example> and\n", kMb)},
      {"header-like lines", repeat("From: Sam\nTo: x\n", kMb)},
      {"dashes", repeat("-----Original words here\n", kMb)},
      {"closings", repeat("Thanks,\nAna\n", kMb)},
      {"plain prose", repeat("We planted garlic in the rain and it came up anyway.\n", kMb)},
  };
  std::printf("%-18s %10s %12s\n", "1 MB body", "extract ms", "excerpt ms");
  for (const auto& s : shapes) {
    double ms = median_ms([&] { (void)pipeline::extract_reply(s.body); });
    // The digest's excerpt of the same megabyte, as one message of a conversation of two.
    double ex = median_ms([&] { (void)pipeline::excerpt_conversation({s.body, "And one more thing?"}, 600); });
    std::printf("%-18s %10.1f %12.1f\n", s.name, ms, ex);
  }
  {
    std::string asks = repeat("Could you say more about the hedge? Please do. ", kMb);
    double ex = median_ms([&] { (void)pipeline::excerpt_conversation({asks}, 600); });
    std::printf("%-18s %10s %12.1f\n", "questions only", "", ex);
    std::string cjk = repeat("\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF\xEF\xBC\x9F", kMb);
    ex = median_ms([&] { (void)pipeline::excerpt_conversation({cjk}, 600); });
    std::printf("%-18s %10s %12.1f\n", "CJK questions", "", ex);
  }
  return 0;
}
