// The pass over feeds: concurrency, comment feeds, and what a feed's HTTP answers do to its
// state, with a real HTTP server on 127.0.0.1 and a real (in-memory) store.
#include <gtest/gtest.h>

#include "ingest/feed/feed_source.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/http_server.h"

namespace rapport::pipeline {
namespace {

using testing::HttpExchange;
using testing::HttpTestServer;

std::string show_feed(const HttpTestServer& server) {
  return R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel><title>Meadow Radio</title>
<item><title>Ep. 2: Rattle</title><guid>mr-2</guid><link>https://meadow.example/2</link>
  <pubDate>Tue, 17 Nov 2026 06:00:00 GMT</pubDate><itunes:episode>2</itunes:episode>
  <wfw:commentRss>)" +
         server.url("/2/comments") + R"(</wfw:commentRss></item>
<item><title>Ep. 1: Yellow</title><guid>mr-1</guid><link>https://meadow.example/1</link>
  <pubDate>Tue, 10 Nov 2026 06:00:00 GMT</pubDate><itunes:episode>1</itunes:episode></item>
</channel></rss>)";
}

const char* kComments = R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Comments</title>
<item><title>By: Nadia</title><link>https://meadow.example/2#comment-7</link>
  <dc:creator>Nadia</dc:creator><guid>https://meadow.example/?c=7</guid>
  <pubDate>Wed, 18 Nov 2026 09:00:00 GMT</pubDate>
  <description>Yellow rattle worked for us too. Which seed supplier did you use?</description></item>
<item><title>By: Olu</title><link>https://meadow.example/2#comment-8</link>
  <author>olu@example.org (Olu)</author><guid>https://meadow.example/?c=8</guid>
  <pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate>
  <description>Lovely.</description></item>
</channel></rss>)";

class FeedPass : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlStore::open(":memory:");
    ASSERT_TRUE(s.ok());
    store = std::move(*s);
    options.http = &http;
    options.limits = {4, 2};
  }
  void add_feed(const std::string& name, const std::string& path) {
    ingest::FeedSourceOptions o;
    o.name = name;
    o.url = server.url(path);
    sources.push_back(std::make_unique<ingest::FeedSource>(o, http, clock));
  }
  std::vector<SourceOutcome> pass() { return poll_sources(*store, sources, clock, options); }
  const SourceOutcome* outcome(const std::vector<SourceOutcome>& all, const std::string& name) {
    for (const auto& o : all) {
      if (o.name == name) return &o;
    }
    return nullptr;
  }

  HttpTestServer server;
  ingest::CurlHttpClient http;
  FixedClock clock{1795600000};
  std::unique_ptr<SqlStore> store;
  PollOptions options;
  std::vector<std::unique_ptr<ingest::Source>> sources;
};

TEST_F(FeedPass, ReadsTheCommentFeedsOfEpisodesAndLinksThem) {
  server.route("/feed.xml", [&](HttpExchange& ex) {
    ex.response_headers["ETag"] = "\"s1\"";
    if (ex.headers.count("if-none-match")) {
      ex.status = 304;
      return;
    }
    ex.body = show_feed(server);
  });
  server.route("/2/comments", [](HttpExchange& ex) {
    ex.response_headers["ETag"] = "\"c1\"";
    if (ex.headers.count("if-none-match")) {
      ex.status = 304;
      return;
    }
    ex.body = kComments;
  });
  add_feed("show", "/feed.xml");
  auto first = pass();
  const SourceOutcome* comments = outcome(first, "comments of mr-2");
  ASSERT_NE(comments, nullptr);
  ASSERT_FALSE(comments->error.has_value()) << comments->error->to_string();
  EXPECT_EQ(comments->stored.messages_added, 2);
  EXPECT_EQ(comments->stored.contacts_added, 2);

  auto candidates = store->digest_candidates();
  ASSERT_EQ(candidates->size(), 2u);
  for (const auto& c : *candidates) {
    EXPECT_EQ(c.episode_title, "Ep. 2: Rattle");
    EXPECT_EQ(c.message_kind, "comment");
  }
  // Olu left an address; Nadia is known by her name on the site.
  EXPECT_EQ((*candidates)[0].address, "olu@example.org");
  EXPECT_EQ((*candidates)[1].display_name, "Nadia");
  EXPECT_EQ((*candidates)[1].identity_kind, "name");
  EXPECT_EQ((*candidates)[1].address, "nadia @ meadow.example");
  EXPECT_EQ((*candidates)[1].url, "https://meadow.example/2#comment-7");

  auto second = pass();
  EXPECT_EQ(outcome(second, "comments of mr-2")->stored.messages_added, 0);
  EXPECT_EQ(outcome(second, "show")->stored.episodes_added, 0);
  auto counts = store->counts();
  EXPECT_EQ(counts->messages, 2);
  EXPECT_EQ(counts->episodes, 2);
  int not_modified = 0;
  for (const auto& r : server.requests()) not_modified += r.status == 304;
  EXPECT_EQ(not_modified, 2);
}

TEST_F(FeedPass, AGoneFeedIsSkippedUntilItsUrlChanges) {
  server.route("/gone.xml", [](HttpExchange& ex) { ex.status = 410; });
  server.route("/new.xml", [&](HttpExchange& ex) { ex.body = show_feed(server); });
  server.route("/2/comments", [](HttpExchange& ex) { ex.body = kComments; });
  add_feed("show", "/gone.xml");
  auto first = pass();
  ASSERT_TRUE(outcome(first, "show")->error.has_value());
  EXPECT_EQ(outcome(first, "show")->error->code, ErrorCode::kGone);
  auto second = pass();
  EXPECT_NE(outcome(second, "show")->skipped.find("gone since 2026-11-25T09:46:40+00:00"),
            std::string::npos)
      << outcome(second, "show")->skipped;
  EXPECT_EQ(server.requests().size(), 1u);  // not asked again
  auto states = store->sources();
  EXPECT_TRUE(states->front().dead_since.has_value());

  sources.clear();
  add_feed("show", "/new.xml");  // the config now points elsewhere
  auto third = pass();
  EXPECT_FALSE(outcome(third, "show")->error.has_value());
  EXPECT_EQ(outcome(third, "show")->stored.episodes_added, 2);
}

TEST_F(FeedPass, WaitsAsLongAsRetryAfterAsksThenTriesAgain) {
  bool busy = true;
  server.route("/feed.xml", [&](HttpExchange& ex) {
    if (busy) {
      ex.status = 503;
      ex.response_headers["Retry-After"] = "600";
      return;
    }
    ex.body = show_feed(server);
  });
  options.episode_comment_feeds = 0;
  add_feed("show", "/feed.xml");
  auto first = pass();
  EXPECT_EQ(outcome(first, "show")->error->retry_after_seconds, 600);
  clock.advance(300);
  auto second = pass();
  EXPECT_NE(outcome(second, "show")->skipped.find("asked to wait until 2026-11-25T09:56:40+00:00"),
            std::string::npos)
      << outcome(second, "show")->skipped;
  EXPECT_EQ(server.requests().size(), 1u);
  busy = false;
  clock.advance(301);
  auto third = pass();
  EXPECT_EQ(outcome(third, "show")->stored.episodes_added, 2);
  auto states = store->sources();
  EXPECT_EQ(states->front().consecutive_failures, 0);
  EXPECT_FALSE(states->front().next_due_at.has_value());
}

TEST_F(FeedPass, RecordsAPermanentMoveOnTheSource) {
  server.route("/old.xml", [&](HttpExchange& ex) {
    ex.status = 301;
    ex.response_headers["Location"] = server.url("/feed.xml");
  });
  server.route("/feed.xml", [&](HttpExchange& ex) { ex.body = show_feed(server); });
  options.episode_comment_feeds = 0;
  add_feed("show", "/old.xml");
  auto first = pass();
  EXPECT_EQ(outcome(first, "show")->moved_to, server.url("/feed.xml"));
  auto states = store->sources();
  EXPECT_EQ(states->front().moved_to, server.url("/feed.xml"));
  EXPECT_EQ(states->front().location, server.url("/old.xml"));
  pass();
  EXPECT_EQ(server.requests().back().path, "/feed.xml");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(FeedPass, OneFailingFeedAmongManyStopsNothing) {
  for (int i = 0; i < 12; ++i) {
    std::string path = "/show-" + std::to_string(i) + ".xml";
    server.route(path, [&, i](HttpExchange& ex) {
      ex.delay_ms = 50;
      if (i == 4) {
        ex.status = 500;
        return;
      }
      std::string body = show_feed(server);
      for (const char* g : {"mr-1", "mr-2"}) {
        body.replace(body.find(g), 4, std::string(g) + "-" + std::to_string(i));
      }
      ex.body = body;
    });
    add_feed("show " + std::to_string(i), path);
  }
  server.route("/2/comments", [](HttpExchange& ex) { ex.body = kComments; });
  options.episode_comment_feeds = 0;
  auto outcomes = pass();
  int ok = 0;
  for (const auto& o : outcomes) ok += !o.error.has_value();
  EXPECT_EQ(ok, 11);
  EXPECT_EQ(outcome(outcomes, "show 4")->error->what, "HTTP 500");
  EXPECT_EQ(store->counts()->episodes, 22);
  EXPECT_LE(server.max_in_flight(), 2);  // per-host limit
  EXPECT_EQ(server.max_in_flight(), 2);
}

}  // namespace
}  // namespace rapport::pipeline
