#include "ingest/feed_source.h"

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

TEST(FeedSource, FetchesOverHttpAndAsksConditionallyNextTime) {
  HttpTestServer server;
  server.route("/feed.xml", [](HttpExchange& ex) {
    auto etag = ex.headers.find("if-none-match");
    if (etag != ex.headers.end() && etag->second == "\"v1\"") {
      ex.status = 304;
      return;
    }
    ex.response_headers["ETag"] = "\"v1\"";
    ex.response_headers["Last-Modified"] = "Tue, 17 Nov 2026 06:00:00 GMT";
    ex.response_headers["Content-Type"] = "application/rss+xml";
    ex.body = kFeed;
  });
  CurlHttpClient http;
  FeedSource source(opts("radio", server.url("/feed.xml")), http);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->episodes.size(), 2u);
  EXPECT_EQ(first->episodes[0].guid, "lr-2");
  EXPECT_EQ(first->episodes[0].number, 2);
  EXPECT_NE(first->cursor.find("\"v1\""), std::string::npos);

  auto second = source.poll(first->cursor);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_TRUE(second->episodes.empty());
  EXPECT_EQ(second->cursor, first->cursor);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.count("if-none-match"), 0u);
  EXPECT_EQ(requests[1].headers["if-none-match"], "\"v1\"");
  EXPECT_EQ(requests[1].headers["if-modified-since"], "Tue, 17 Nov 2026 06:00:00 GMT");
  EXPECT_NE(requests[0].headers["user-agent"].find("Rapport/"), std::string::npos);
}

TEST(FeedSource, ReportsHttpErrorsWithStatusAndRetryability) {
  HttpTestServer server;
  server.route("/gone", [](HttpExchange& ex) { ex.status = 404; });
  server.route("/busy", [](HttpExchange& ex) {
    ex.status = 503;
    ex.response_headers["Retry-After"] = "120";
  });
  CurlHttpClient http;
  FeedSource gone(opts("gone", server.url("/gone")), http);
  auto r = gone.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(r.error().what, "HTTP 404");
  EXPECT_EQ(r.error().where, server.url("/gone"));
  EXPECT_EQ(r.error().retry, Retry::kNo);
  FeedSource busy(opts("busy", server.url("/busy")), http);
  auto b = busy.poll("");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().retry, Retry::kYes);
}

TEST(FeedSource, SendsBasicAuthForPrivateFeeds) {
  HttpTestServer server;
  server.route("/private.xml", [](HttpExchange& ex) {
    // "sam:open sesame" in base64.
    auto auth = ex.headers.find("authorization");
    if (auth == ex.headers.end() || auth->second != "Basic c2FtOm9wZW4gc2VzYW1l") {
      ex.status = 401;
      return;
    }
    ex.body = kFeed;
  });
  CurlHttpClient http;
  FeedSource wrong(opts("p", server.url("/private.xml"), "sam", "guess"), http);
  auto denied = wrong.poll("");
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().hint.find("password_env"), std::string::npos);
  FeedSource right(opts("p", server.url("/private.xml"), "sam", "open sesame"), http);
  auto ok = right.poll("");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->episodes.size(), 2u);
}

TEST(FeedSource, RefusesABodyOverTheLimitInsteadOfParsingHalf) {
  HttpTestServer server;
  server.route("/huge.xml",
               [](HttpExchange& ex) { ex.body = std::string(200 * 1024, ' ') + kFeed; });
  CurlHttpClient http;
  FeedSourceOptions o = opts("huge", server.url("/huge.xml"));
  o.max_bytes = 64 * 1024;
  FeedSource source(o, http);
  auto r = source.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("larger than the limit"), std::string::npos);
}

TEST(FeedSource, ReadsFileUrlsAndReportsAMissingFile) {
  TempDir dir;
  auto path = dir.write("feed.xml", kFeed);
  CurlHttpClient http;
  FeedSource local(opts("local", "file://" + path.string()), http);
  auto r = local.poll("");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->episodes.size(), 2u);
  FeedSource missing(opts("missing", "file://" + (dir.path() / "nope.xml").string()), http);
  auto m = missing.poll("");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kIo);
}

TEST(FeedSource, ARefusedConnectionIsRetryable) {
  int port;
  {
    HttpTestServer server;  // take a free port, then close it
    std::string u = server.url("/");
    port = std::stoi(u.substr(u.rfind(':') + 1));
  }
  CurlHttpClient http;
  FeedSource source(opts("down", "http://127.0.0.1:" + std::to_string(port) + "/feed.xml"), http);
  auto r = source.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(r.error().retry, Retry::kYes);
}

}  // namespace
}  // namespace rapport::ingest
