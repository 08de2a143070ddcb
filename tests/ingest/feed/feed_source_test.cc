// Feed fetching against a real HTTP server on 127.0.0.1.
#include "ingest/feed/feed_source.h"

#include <gtest/gtest.h>

#include "tests/support/http_server.h"
#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::HttpExchange;
using testing::HttpTestServer;
using testing::TempDir;

FeedSourceOptions opts(std::string name, std::string url, std::string user = "",
                       std::string password = "") {
  FeedSourceOptions o;
  o.name = std::move(name);
  o.url = std::move(url);
  o.username = std::move(user);
  o.password = std::move(password);
  return o;
}

const char* kFeed = R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Loopback Radio</title>
<item><title>Ep. 2: Second</title><guid>lr-2</guid><itunes:episode>2</itunes:episode></item>
<item><title>Ep. 1: First</title><guid>lr-1</guid><itunes:episode>1</itunes:episode></item>
</channel></rss>)";

std::string header(const HttpExchange& ex, const std::string& name) {
  auto it = ex.headers.find(name);
  return it == ex.headers.end() ? std::string() : it->second;
}

class FeedFetch : public ::testing::Test {
 protected:
  Result<Batch> poll(const std::string& path, const std::string& cursor = "", int timeout = 30) {
    FeedSourceOptions o = opts("radio", server.url(path));
    o.timeout_seconds = timeout;
    FeedSource source(o, http, clock);
    return source.poll(cursor);
  }
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
};

TEST_F(FeedFetch, Returns200AndThen304ByEtag) {
  server.route("/feed.xml", [](HttpExchange& ex) {
    if (header(ex, "if-none-match") == "\"v1\"") {
      ex.status = 304;
      return;
    }
    ex.response_headers["ETag"] = "\"v1\"";
    ex.body = kFeed;
  });
  auto first = poll("/feed.xml");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->episodes.size(), 2u);
  EXPECT_EQ(first->episodes[0].guid, "lr-2");
  EXPECT_EQ(first->episodes[0].number, 2);
  auto second = poll("/feed.xml", first->cursor);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_TRUE(second->episodes.empty());
  EXPECT_EQ(second->cursor, first->cursor);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header(requests[0], "if-none-match"), "");
  EXPECT_EQ(header(requests[1], "if-none-match"), "\"v1\"");
  EXPECT_NE(header(requests[0], "user-agent").find("Rapport/"), std::string::npos);
}

TEST_F(FeedFetch, Returns304ByLastModified) {
  server.route("/feed.xml", [](HttpExchange& ex) {
    if (header(ex, "if-modified-since") == "Tue, 17 Nov 2026 06:00:00 GMT") {
      ex.status = 304;
      return;
    }
    ex.response_headers["Last-Modified"] = "Tue, 17 Nov 2026 06:00:00 GMT";
    ex.body = kFeed;
  });
  auto first = poll("/feed.xml");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->cursor, "last-modified Tue, 17 Nov 2026 06:00:00 GMT\n");
  auto second = poll("/feed.xml", first->cursor);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->episodes.empty());
  EXPECT_EQ(server.requests().back().status, 304);
}

TEST_F(FeedFetch, FollowsAPermanentRedirectChainAndRemembersWhereTo) {
  server.route("/old", [&](HttpExchange& ex) {
    ex.status = 301;
    ex.response_headers["Location"] = server.url("/older-still");
  });
  server.route("/older-still", [&](HttpExchange& ex) {
    ex.status = 308;
    ex.response_headers["Location"] = server.url("/feed.xml");
  });
  server.route("/feed.xml", [](HttpExchange& ex) { ex.body = kFeed; });
  auto r = poll("/old");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->episodes.size(), 2u);
  EXPECT_EQ(r->moved_to, server.url("/feed.xml"));
  // The next poll asks the new place directly.
  auto again = poll("/old", r->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(server.requests().back().path, "/feed.xml");
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(FeedFetch, ATemporaryRedirectIsFollowedButNotRemembered) {
  server.route("/today", [&](HttpExchange& ex) {
    ex.status = 302;
    ex.response_headers["Location"] = server.url("/feed.xml");
  });
  server.route("/feed.xml", [](HttpExchange& ex) { ex.body = kFeed; });
  auto r = poll("/today");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->episodes.size(), 2u);
  EXPECT_EQ(r->moved_to, "");
  EXPECT_EQ(r->cursor.find("location"), std::string::npos);
}

TEST_F(FeedFetch, StopsARedirectLoop) {
  server.route("/a", [&](HttpExchange& ex) {
    ex.status = 302;
    ex.response_headers["Location"] = server.url("/b");
  });
  server.route("/b", [&](HttpExchange& ex) {
    ex.status = 302;
    ex.response_headers["Location"] = server.url("/a");
  });
  auto r = poll("/a");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("redirects"), std::string::npos) << r.error().to_string();
  EXPECT_LE(server.requests().size(), 6u);
}

TEST_F(FeedFetch, ReportsNotFoundAndServerErrors) {
  server.route("/500", [](HttpExchange& ex) { ex.status = 500; });
  auto missing = poll("/nothing-here");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().what, "HTTP 404");
  EXPECT_EQ(missing.error().retry, Retry::kNo);
  auto broken = poll("/500");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().what, "HTTP 500");
  EXPECT_EQ(broken.error().retry, Retry::kYes);
}

TEST_F(FeedFetch, MarksAGoneFeed) {
  server.route("/gone", [](HttpExchange& ex) { ex.status = 410; });
  auto r = poll("/gone");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kGone);
}

TEST_F(FeedFetch, HonoursRetryAfterInSecondsAndAsADate) {
  server.route("/busy", [](HttpExchange& ex) {
    ex.status = 429;
    ex.response_headers["Retry-After"] = "120";
  });
  server.route("/maintenance", [](HttpExchange& ex) {
    ex.status = 503;
    ex.response_headers["Retry-After"] = "Wed, 25 Nov 2026 10:46:40 GMT";  // clock + 1 hour
  });
  auto busy = poll("/busy");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().retry_after_seconds, 120);
  EXPECT_EQ(busy.error().retry, Retry::kYes);
  auto maintenance = poll("/maintenance");
  ASSERT_FALSE(maintenance.ok());
  EXPECT_EQ(maintenance.error().retry_after_seconds, 3600);
}

TEST_F(FeedFetch, GivesUpOnAStalledServer) {
  server.route("/stall", [](HttpExchange& ex) {
    ex.delay_ms = 3000;
    ex.body = kFeed;
  });
  auto r = poll("/stall", "", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(r.error().retry, Retry::kYes);
  EXPECT_NE(r.error().what.find("curl error 28"), std::string::npos) << r.error().to_string();
}

TEST_F(FeedFetch, RefusesATruncatedBody) {
  server.route("/cut", [](HttpExchange& ex) {
    ex.body = kFeed;
    ex.truncate = true;
  });
  auto r = poll("/cut");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().retry, Retry::kYes);
  EXPECT_NE(r.error().hint.find("closed before"), std::string::npos) << r.error().to_string();
}

TEST_F(FeedFetch, AbortsABodyOverTheLimitInsteadOfParsingHalf) {
  server.route("/huge.xml",
               [](HttpExchange& ex) { ex.body = std::string(200 * 1024, ' ') + kFeed; });
  FeedSourceOptions o = opts("huge", server.url("/huge.xml"));
  o.max_bytes = 64 * 1024;
  FeedSource source(o, http, clock);
  auto r = source.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("larger than the limit"), std::string::npos);
}

TEST_F(FeedFetch, AcceptsGzip) {
  server.route("/feed.xml", [](HttpExchange& ex) {
    ex.body = kFeed;
    ex.gzip = true;
  });
  auto r = poll("/feed.xml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->episodes.size(), 2u);
  EXPECT_NE(header(server.requests()[0], "accept-encoding").find("gzip"), std::string::npos);
}

TEST_F(FeedFetch, SendsBasicAuthOnlyWhereConfigured) {
  server.route("/private.xml", [](HttpExchange& ex) {
    // "sam:open sesame" in base64.
    if (header(ex, "authorization") != "Basic c2FtOm9wZW4gc2VzYW1l") {
      ex.status = 401;
      return;
    }
    ex.body = kFeed;
  });
  FeedSource wrong(opts("p", server.url("/private.xml"), "sam", "guess"), http, clock);
  auto denied = wrong.poll("");
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().hint.find("password_env"), std::string::npos);
  FeedSource right(opts("p", server.url("/private.xml"), "sam", "open sesame"), http, clock);
  auto ok = right.poll("");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->episodes.size(), 2u);
}

TEST_F(FeedFetch, FetchesManyFeedsConcurrentlyWithinTheLimits) {
  const int kFeeds = 24;
  std::vector<HttpRequest> requests;
  for (int i = 0; i < kFeeds; ++i) {
    std::string path = "/feed-" + std::to_string(i) + ".xml";
    server.route(path, [i](HttpExchange& ex) {
      ex.delay_ms = 100;
      ex.body = std::string(kFeed).replace(std::string(kFeed).find("Loopback Radio"), 14,
                                           "Show " + std::to_string(i));
    });
    if (i == 5) continue;  // one feed that does not exist among the rest
    HttpRequest r;
    r.url = server.url(path);
    requests.push_back(r);
  }
  HttpRequest missing;
  missing.url = server.url("/missing.xml");
  requests.insert(requests.begin() + 5, missing);
  auto results = http.get_many(requests, FetchLimits{8, 3});
  ASSERT_EQ(results.size(), requests.size());
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().to_string();
    if (i == 5) {
      EXPECT_EQ(results[i]->status, 404);
    } else {
      EXPECT_EQ(results[i]->status, 200);
      EXPECT_NE(results[i]->body.find("<title>Show "), std::string::npos);
    }
  }
  // One host: at most 3 at once, and more than one (it really is concurrent).
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_GE(server.max_in_flight(), 2);
}

TEST_F(FeedFetch, ReadsFileUrlsAndReportsAMissingFile) {
  TempDir dir;
  auto path = dir.write("feed.xml", kFeed);
  FeedSource local(opts("local", "file://" + path.string()), http, clock);
  auto r = local.poll("");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->episodes.size(), 2u);
  FeedSource missing(opts("missing", "file://" + (dir.path() / "nope.xml").string()), http, clock);
  auto m = missing.poll("");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kIo);
}

TEST_F(FeedFetch, NeverFollowsARedirectToALocalFile) {
  TempDir dir;
  auto secret = dir.write("secret.xml", kFeed);
  server.route("/sneaky", [&](HttpExchange& ex) {
    ex.status = 302;
    ex.response_headers["Location"] = "file://" + secret.string();
  });
  auto r = poll("/sneaky");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("curl error 1"), std::string::npos) << r.error().to_string();
}

TEST(FeedSource, ARefusedConnectionIsRetryable) {
  int port;
  {
    HttpTestServer server;  // take a free port, then close it
    std::string u = server.url("/");
    port = std::stoi(u.substr(u.rfind(':') + 1));
  }
  CurlHttpClient http;
  FixedClock clock(0);
  FeedSource source(opts("down", "http://127.0.0.1:" + std::to_string(port) + "/feed.xml"), http,
                    clock);
  auto r = source.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(r.error().retry, Retry::kYes);
}

TEST(FeedSource, TurnsACommentsFeedIntoListenerMessages) {
  HttpTestServer server;
  server.route("/comments/feed/", [](HttpExchange& ex) {
    ex.body = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Comments for The Slow Garden</title>
<item>
  <title>Comment on Ep. 10: Letting the Meadow Decide by Nadia</title>
  <link>https://slowgarden.example/episodes/10-letting-the-meadow-decide/#comment-41</link>
  <dc:creator><![CDATA[Nadia]]></dc:creator>
  <pubDate>Thu, 19 Nov 2026 20:15:00 +0000</pubDate>
  <guid isPermaLink="false">https://slowgarden.example/?p=310#comment-41</guid>
  <description><![CDATA[Our verge has cowslips now!]]></description>
  <content:encoded><![CDATA[<p>Our verge has <em>cowslips</em> now! Do you mow paths through it?</p>]]></content:encoded>
</item>
</channel></rss>)";
  });
  CurlHttpClient http;
  FixedClock clock(1795600000);
  FeedSourceOptions o = opts("blog comments", server.url("/comments/feed/"));
  o.kind = FeedKind::kComments;
  FeedSource source(o, http, clock);
  EXPECT_EQ(source.kind(), "comments");
  auto r = source.poll("");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->messages.size(), 1u);
  const Message& m = r->messages[0];
  EXPECT_EQ(m.kind, MessageKind::kComment);
  EXPECT_EQ(m.natural_key, "comment:https://slowgarden.example/?p=310#comment-41");
  EXPECT_EQ(m.from.name, "Nadia");
  EXPECT_EQ(m.text, "Our verge has cowslips now! Do you mow paths through it?");
  EXPECT_EQ(m.url, "https://slowgarden.example/episodes/10-letting-the-meadow-decide/#comment-41");
  EXPECT_EQ(m.received_at, 1795119300);
  EXPECT_TRUE(r->episodes.empty());
}

TEST(RetryAfter, ReadsSecondsAndDates) {
  EXPECT_EQ(retry_after_seconds("120", 1000), 120);
  EXPECT_EQ(retry_after_seconds("Thu, 01 Jan 1970 00:20:00 GMT", 1000), 200);
  EXPECT_EQ(retry_after_seconds("Thu, 01 Jan 1970 00:00:10 GMT", 1000), 0);  // already past
  EXPECT_EQ(retry_after_seconds("soon", 1000), 0);
  EXPECT_EQ(retry_after_seconds("", 1000), 0);
}

}  // namespace
}  // namespace rapport::ingest
