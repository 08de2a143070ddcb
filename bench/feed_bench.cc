// Feed benchmarks (not a test): parsing speed and the cost of a pass over unchanged feeds.
//
//   rapport_feed_bench generate DIR        writes DIR/large.xml and DIR/small/*.xml
//   rapport_feed_bench parse DIR           items parsed per second, large feed and small ones
//   rapport_feed_bench not-modified N      a pass over N unchanged feeds answered 304 on loopback
//
// Each prints "metric value unit" lines; bench/run_feed_bench.sh runs them beside Python's
// feedparser on the same files.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench/feed_corpus.h"
#include "ingest/feed/feed_parser.h"
#include "ingest/feed/feed_source.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/http_server.h"

namespace fs = std::filesystem;
using Wall = std::chrono::steady_clock;
using namespace rapport;

namespace {

constexpr int kLargeItems = 3000;
constexpr int kSmallFeeds = 300;
constexpr int kSmallItems = 20;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

double seconds_since(Wall::time_point start) {
  return std::chrono::duration<double>(Wall::now() - start).count();
}

int generate(const fs::path& dir) {
  fs::create_directories(dir / "small");
  std::ofstream(dir / "large.xml", std::ios::binary) << bench::podcast_feed(kLargeItems, 1);
  for (int i = 0; i < kSmallFeeds; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "feed-%03d.xml", i);
    std::ofstream(dir / "small" / name, std::ios::binary)
        << bench::podcast_feed(kSmallItems, 100 + i);
  }
  std::cout << "generated " << fs::file_size(dir / "large.xml") << " bytes large.xml ("
            << kLargeItems << " items), " << kSmallFeeds << " small feeds of " << kSmallItems
            << " items\n";
  return 0;
}

// Parses every document repeatedly for at least `min_seconds`; returns items per second.
double items_per_second(const std::vector<std::string>& docs, double min_seconds, size_t& items) {
  size_t total = 0;
  int rounds = 0;
  auto start = Wall::now();
  do {
    for (const auto& d : docs) {
      auto feed = ingest::parse_feed(d, "https://show.example/feed.xml");
      if (!feed) {
        std::cerr << feed.error().to_string() << "\n";
        std::exit(1);
      }
      total += feed->items.size();
    }
    ++rounds;
  } while (seconds_since(start) < min_seconds || rounds < 3);
  items = total / static_cast<size_t>(rounds);
  return static_cast<double>(total) / seconds_since(start);
}

int parse(const fs::path& dir) {
  std::vector<std::string> large = {slurp(dir / "large.xml")};
  std::vector<std::string> small;
  for (const auto& e : fs::directory_iterator(dir / "small")) small.push_back(slurp(e.path()));
  size_t n = 0;
  double large_rate = items_per_second(large, 2.0, n);
  std::printf("rapport large-feed %.0f items/s (%zu items per pass)\n", large_rate, n);
  double small_rate = items_per_second(small, 2.0, n);
  std::printf("rapport small-feeds %.0f items/s (%zu feeds, %zu items per pass)\n", small_rate,
              small.size(), n);
  return 0;
}

int not_modified(int feeds) {
  testing::HttpTestServer server;
  std::string body = bench::podcast_feed(10, 7);
  for (int i = 0; i < feeds; ++i) {
    std::string etag = "\"feed-" + std::to_string(i) + "-v1\"";
    server.route("/feed-" + std::to_string(i) + ".xml", [body, etag](testing::HttpExchange& ex) {
      ex.response_headers["ETag"] = etag;
      auto it = ex.headers.find("if-none-match");
      if (it != ex.headers.end() && it->second == etag) {
        ex.status = 304;
        return;
      }
      ex.body = body;
    });
  }
  fs::path dir = fs::temp_directory_path() / "rapport-bench-304";
  fs::remove_all(dir);
  auto store = SqlStore::open((dir / "bench.db").string());
  if (!store) {
    std::cerr << store.error().to_string() << "\n";
    return 1;
  }
  ingest::CurlHttpClient http;
  SystemClock clock;
  std::vector<std::unique_ptr<ingest::Source>> sources;
  for (int i = 0; i < feeds; ++i) {
    ingest::FeedSourceOptions o;
    o.name = "feed " + std::to_string(i);
    o.url = server.url("/feed-" + std::to_string(i) + ".xml");
    sources.push_back(std::make_unique<ingest::FeedSource>(o, http, clock));
  }
  pipeline::PollOptions options;
  options.http = &http;
  // One loopback host stands in for `feeds` different hosts: allow as many connections to it
  // as a real pass would have to distinct servers.
  options.limits = {16, 16};
  options.episode_comment_feeds = 0;
  auto start = Wall::now();
  auto first = pipeline::poll_sources(**store, sources, clock, options);
  double first_s = seconds_since(start);
  start = Wall::now();
  auto second = pipeline::poll_sources(**store, sources, clock, options);
  double second_s = seconds_since(start);
  int unchanged = 0;
  int failed = 0;
  for (const auto& o : second) {
    if (o.error) ++failed;
    if (!o.error && o.stored.episodes_added == 0 && o.stored.episodes_updated == 0) ++unchanged;
  }
  int answered_304 = 0;
  for (const auto& r : server.requests()) answered_304 += r.status == 304;
  std::printf("rapport first-pass %d feeds %.3f s (200, parsed and stored)\n", feeds, first_s);
  std::printf(
      "rapport not-modified-pass %d feeds %.3f s (%d answered 304, %d unchanged, %d failed)\n",
      feeds, second_s, answered_304, unchanged, failed);
  fs::remove_all(dir);
  return failed == 0 && answered_304 == feeds ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  ingest::global_http_init();
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "generate" && argc == 3) return generate(argv[2]);
  if (cmd == "parse" && argc == 3) return parse(argv[2]);
  if (cmd == "not-modified") return not_modified(argc > 2 ? std::atoi(argv[2]) : 500);
  std::cerr << "usage: rapport_feed_bench generate DIR | parse DIR | not-modified [N]\n";
  return 2;
}
