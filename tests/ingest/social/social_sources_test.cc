// The social sources against a real HTTP server on 127.0.0.1 that answers as each provider's
// documented API does: its paths, headers, paging and errors.
#include "ingest/social/social_source.h"

#include <gtest/gtest.h>

#include <fstream>

#include "ingest/social/social_api.h"
#include "tests/support/http_server.h"
#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::HttpExchange;
using testing::HttpTestServer;

std::string header(const HttpExchange& ex, const std::string& name) {
  auto it = ex.headers.find(name);
  return it == ex.headers.end() ? std::string() : it->second;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// No secret may reach an error, a warning or a message.
void expect_no_secret(const Result<Batch>& r, const std::string& secret) {
  if (!r) {
    EXPECT_FALSE(has(r.error().to_string(), secret)) << r.error().to_string();
    return;
  }
  for (const auto& w : r->warnings) EXPECT_FALSE(has(w, secret)) << w;
  EXPECT_FALSE(has(r->cursor, secret));
}

// ---------------------------------------------------------------------------------------------
// Mastodon

constexpr char kToken[] = "mstdn-Zq8v1X3kLw9TtYb2cQ7hR4nE6pA0sDfG";

std::string mention(const std::string& id, const std::string& status_id, const std::string& acct,
                    const std::string& name, const std::string& html,
                    const std::string& in_reply_to = "", const std::string& type = "mention") {
  std::string host = acct.find('@') == std::string::npos ? "radio.example" : acct.substr(acct.find('@') + 1);
  std::string user = acct.substr(0, acct.find('@'));
  return R"({"id":")" + id + R"(","type":")" + type +
         R"(","created_at":"2026-11-25T18:0)" + id.substr(id.size() - 1) +
         R"(:12.000Z","account":{"id":"10)" + id + R"(","username":")" + user +
         R"(","acct":")" + acct + R"(","display_name":")" + name +
         R"(","url":"https://)" + host + "/@" + user +
         R"("},"status":{"id":")" + status_id + R"(","created_at":"2026-11-25T18:0)" +
         id.substr(id.size() - 1) + R"(:11.000Z","in_reply_to_id":)" +
         (in_reply_to.empty() ? std::string("null") : "\"" + in_reply_to + "\"") +
         R"(,"visibility":"public","spoiler_text":"","account":{"id":"10)" + id +
         R"(","username":")" + user + R"(","acct":")" + acct + R"(","display_name":")" + name +
         R"(","url":"https://)" + host + "/@" + user + R"("},"uri":"https://)" + host + "/users/" + user +
         "/statuses/" + status_id + R"(","url":"https://)" + host + "/@" + user + "/" + status_id +
         R"(","content":")" + html + R"("}})";
}

class MastodonApi : public ::testing::Test {
 protected:
  Result<Batch> poll(const std::string& cursor = "", const std::string& token = kToken) {
    MastodonOptions o;
    o.name = "mastodon";
    o.api_url = server.url("");
    o.access_token = token;
    o.max_pages = 5;
    MastodonSource source(o, http, clock);
    return source.poll(cursor);
  }
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
};

TEST_F(MastodonApi, ReadsMentionsAcrossPagesAsPostsOfOnePersonEach) {
  const std::string page1 =
      "[" +
      mention("113", "900113", "ana@social.example", "Ana Ruiz 🌱",
              R"(<p><span class=\"h-card\"><a href=\"https://radio.example/@slowgarden\" class=\"u-url mention\">@<span>slowgarden</span></a></span> Loved the seed episode! Do you dry beans on the vine?</p>)",
              "77001") +
      "," +
      mention("112", "900112", "theo", "Theo",
              R"(<p><a href=\"https://radio.example/@slowgarden\" class=\"u-url mention\">@slowgarden</a> Thanks &amp; see you at the swap<br>— Theo</p>)") +
      "," + mention("111", "900111", "bot@x.example", "Bot", "<p>boost</p>", "", "reblog") + "]";
  const std::string page2 =
      "[" +
      mention("105", "900105", "ana@social.example", "Ana Ruiz 🌱",
              R"(<p>@slowgarden second thought: is <a href=\"https://seeds.example/guide\" rel=\"nofollow\">this guide</a> right?</p>)") +
      "]";
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    if (header(ex, "authorization") != std::string("Bearer ") + kToken) {
      ex.status = 401;
      ex.body = R"({"error":"The access token is invalid"})";
      return;
    }
    if (has(ex.query, "max_id=112")) {
      ex.body = page2;
      return;
    }
    ex.body = page1;
    ex.response_headers["Link"] =
        "<" + server.url("/api/v1/notifications?types%5B%5D=mention&max_id=112") +
        ">; rel=\"next\", <" + server.url("/api/v1/notifications?min_id=113") + ">; rel=\"prev\"";
  });
  server.route("/api/v1/statuses/77001", [](HttpExchange& ex) {
    ex.body = R"({"id":"77001","content":"<p>New episode: Saving seed for beginners <a href=\"https://slowgarden.example/episodes/9\" rel=\"nofollow noopener\" target=\"_blank\">slowgarden.example/episodes/9</a> <a href=\"https://radio.example/tags/gardening\" class=\"mention hashtag\">#gardening</a></p>"})";
  });
  auto batch = poll();
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 3u) << "the reblog notification is not a mention";
  const Message& ana = batch->messages[0];
  EXPECT_EQ(ana.kind, MessageKind::kPost);
  EXPECT_EQ(ana.natural_key, "activitypub:https://social.example/users/ana/statuses/900113");
  EXPECT_EQ(ana.url, "https://social.example/@ana/900113");
  EXPECT_EQ(ana.from.name, "Ana Ruiz 🌱");
  EXPECT_EQ(ana.claimed.value, "mastodon:ana@social.example");
  EXPECT_EQ(ana.claimed.written, "@ana@social.example");
  EXPECT_EQ(ana.text, "Loved the seed episode! Do you dry beans on the vine?");
  EXPECT_EQ(ana.details, "a Mastodon reply");
  EXPECT_EQ(ana.episode_ref, "https://slowgarden.example/episodes/9")
      << "the post replied to announced the episode";
  EXPECT_EQ(ana.received_at, 1795629791);  // 2026-11-25T18:03:11Z
  const Message& theo = batch->messages[1];
  EXPECT_EQ(theo.claimed.value, "mastodon:theo@127.0.0.1:" + server.url("").substr(17))
      << "a local account is on the instance";
  EXPECT_EQ(theo.text, "Thanks & see you at the swap\n— Theo");
  EXPECT_EQ(theo.details, "a Mastodon mention");
  EXPECT_EQ(batch->messages[2].claimed.value, "mastodon:ana@social.example");
  EXPECT_EQ(batch->cursor, "since_id 113\n");
  EXPECT_FALSE(batch->more);
  for (const auto& ex : server.requests()) {
    EXPECT_FALSE(has(ex.path, kToken)) << "the token is in a header, never a URL";
  }
  expect_no_secret(batch, kToken);
}

TEST_F(MastodonApi, ALaterPollAsksOnlyForWhatIsNewerAndAddsNothingWhenNothingIs) {
  std::vector<std::string> queries;
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    queries.push_back(ex.query);
    if (has(ex.query, "min_id=113")) {
      ex.body = "[" + mention("120", "900120", "ana@social.example", "Ana", "<p>One more!</p>") + "]";
      ex.response_headers["Link"] =
          "<" + server.url("/api/v1/notifications?min_id=120") + ">; rel=\"prev\"";
      return;
    }
    ex.body = "[]";
  });
  auto batch = poll("since_id 113\n");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_EQ(batch->messages[0].text, "One more!");
  EXPECT_EQ(batch->cursor, "since_id 120\n");
  ASSERT_EQ(queries.size(), 2u) << "the newer page was followed until it came back empty";
  EXPECT_TRUE(has(queries[1], "min_id=120"));
  auto again = poll(batch->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->messages.empty());
  EXPECT_EQ(again->cursor, "since_id 120\n");
}

TEST_F(MastodonApi, ABadTokenIsAClearErrorThatNeverShowsTheToken) {
  server.route("/api/v1/notifications", [](HttpExchange& ex) {
    ex.status = 401;
    ex.body = R"({"error":"The access token is invalid"})";
  });
  auto batch = poll("", "wrong-token-abc123");
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, ErrorCode::kNetwork);
  EXPECT_TRUE(has(batch.error().what, "HTTP 401 (The access token is invalid)"))
      << batch.error().what;
  EXPECT_TRUE(has(batch.error().hint, "read:notifications")) << batch.error().hint;
  EXPECT_EQ(batch.error().retry, Retry::kNo);
  expect_no_secret(batch, "wrong-token-abc123");
}

TEST_F(MastodonApi, ARateLimitWaitsUntilItsReset) {
  server.route("/api/v1/notifications", [](HttpExchange& ex) {
    ex.status = 429;
    ex.response_headers["X-RateLimit-Limit"] = "300";
    ex.response_headers["X-RateLimit-Remaining"] = "0";
    ex.response_headers["X-RateLimit-Reset"] = "2026-11-25T09:50:40.000Z";  // 240 s after now
    ex.body = R"({"error":"Too many requests"})";
  });
  auto batch = poll();
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().retry, Retry::kYes);
  EXPECT_EQ(batch.error().retry_after_seconds, 240) << batch.error().to_string();
}

TEST_F(MastodonApi, MalformedJsonAServerErrorAndARepeatedPageAreHandled) {
  int calls = 0;
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    ++calls;
    ex.body = "[{\"id\": \"5\", \"type\": \"mention\", \"status\": {";
  });
  auto broken = poll();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kParse);
  server.route("/api/v1/notifications", [](HttpExchange& ex) { ex.status = 502; });
  auto down = poll();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().retry, Retry::kYes);
  // A server whose "next" page is the page itself: read once, then stop.
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    ex.body = "[" + mention("7", "9007", "ana@social.example", "Ana", "<p>hi</p>") + "]";
    ex.response_headers["Link"] =
        "<" + server.url("/api/v1/notifications?types%5B%5D=mention&limit=40") + ">; rel=\"next\"";
  });
  auto looping = poll();
  ASSERT_TRUE(looping.ok()) << looping.error().to_string();
  EXPECT_EQ(looping->messages.size(), 1u);
  ASSERT_FALSE(looping->warnings.empty());
  EXPECT_TRUE(has(looping->warnings[0], "same page twice")) << looping->warnings[0];
}

TEST_F(MastodonApi, ALinkToAnotherServerIsNotFollowedSoTheTokenNeverGoesThere) {
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    ex.body = "[" + mention("7", "9007", "ana@social.example", "Ana", "<p>hi</p>") + "]";
    ex.response_headers["Link"] = "<http://127.0.0.2:9/steal?max_id=6>; rel=\"next\"";
  });
  auto batch = poll();
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  EXPECT_EQ(batch->messages.size(), 1u) << "what was read is kept";
  ASSERT_EQ(batch->warnings.size(), 1u);
  EXPECT_TRUE(has(batch->warnings[0], "pointed to another server (http://127.0.0.2:9)"))
      << batch->warnings[0];
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(MastodonApi, HostileTextIsKeptSafelyAndBounded) {
  std::string huge(100 * 1024, 'a');
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    ex.body = "[" +
              mention("9", "909", "eve@evil.example", "Eve\u202Egnp.exe\u200B",
                      "<p>@slowgarden <script>alert(1)</script>hi\u2066there\u2069 " + huge + "</p>") +
              "]";
  });
  auto batch = poll();
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u);
  const Message& m = batch->messages[0];
  EXPECT_EQ(m.from.name, "Evegnp.exe") << "bidi overrides and zero-width spaces are removed";
  EXPECT_FALSE(has(m.text, "alert(1)")) << "script is not text";
  EXPECT_TRUE(m.text.rfind("hithere a", 0) == 0) << m.text.substr(0, 40);
  EXPECT_LE(m.text.size(), social::kMaxPostBytes);
  ASSERT_FALSE(batch->warnings.empty());
  EXPECT_TRUE(has(batch->warnings[0], "longer than 64 KB")) << batch->warnings[0];
}

TEST(SocialThread, RepliesInAnEpisodesThreadAreItsListenersWordsTheShowsOwnLeftOut) {
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
  server.route("/api/v1/statuses/5550", [](HttpExchange& ex) {
    ex.body = R"({"id":"5550","account":{"id":"1","acct":"slowgarden"},"content":"<p>Ep. 9 is out</p>"})";
  });
  server.route("/api/v1/statuses/5550/context", [&](HttpExchange& ex) {
    std::string n = mention("1", "5551", "ana@social.example", "Ana", "<p>@slowgarden Lovely one</p>");
    size_t status = n.find("\"status\":") + 9;
    ex.body = R"({"ancestors":[],"descendants":[)" + n.substr(status, n.size() - 1 - status) + "," +
              R"({"id":"5552","created_at":"2026-11-25T19:00:00.000Z","account":{"id":"1","acct":"slowgarden","display_name":"The Slow Garden"},"uri":"https://radio.example/users/slowgarden/statuses/5552","url":"https://radio.example/@slowgarden/5552","content":"<p>Thank you!</p>"}]})";
  });
  ThreadOptions o;
  o.name = "thread of ep-9";
  o.uri = server.url("/@slowgarden/5550");
  o.episode_guid = "ep-9";
  ThreadSource source(o, http, clock);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u) << "the show's own answer is not a listener's";
  EXPECT_EQ(batch->messages[0].episode_guid, "ep-9");
  EXPECT_EQ(batch->messages[0].text, "Lovely one");
  EXPECT_EQ(batch->messages[0].details, "a reply in the episode's Mastodon thread");
  EXPECT_EQ(batch->messages[0].natural_key,
            "activitypub:https://social.example/users/ana/statuses/5551")
      << "the same key as the mention of it, so it is one message";
}

TEST(SocialThread, StatusUrlsOfMastodonLikeServersAreRead) {
  std::string instance, id;
  ASSERT_TRUE(parse_status_url("https://podcastindex.social/@slowgarden/113420000000000001",
                               instance, id));
  EXPECT_EQ(instance, "https://podcastindex.social");
  EXPECT_EQ(id, "113420000000000001");
  ASSERT_TRUE(parse_status_url("https://radio.example/users/show/statuses/42/", instance, id));
  EXPECT_EQ(id, "42");
  EXPECT_FALSE(parse_status_url("https://radio.example/@show", instance, id));
  EXPECT_FALSE(parse_status_url("javascript:alert(1)//@x/1", instance, id));
  EXPECT_FALSE(parse_status_url("https://example.org/blog/2026/11/12", instance, id));
}

// ---------------------------------------------------------------------------------------------
// Bluesky

constexpr char kAppPassword[] = "abcd-efgh-ijkl-mnop";

std::string notification(const std::string& rkey, const std::string& did, const std::string& handle,
                         const std::string& name, const std::string& reason,
                         const std::string& text, const std::string& at,
                         const std::string& subject = "") {
  return R"({"uri":"at://)" + did + "/app.bsky.feed.post/" + rkey + R"(","cid":"bafyrei)" + rkey +
         R"(","author":{"did":")" + did + R"(","handle":")" + handle + R"(","displayName":")" +
         name + R"(","avatar":"https://cdn.bsky.app/img/avatar/plain/x.jpg"},"reason":")" + reason +
         R"(",)" + (subject.empty() ? "" : R"("reasonSubject":")" + subject + R"(",)") +
         R"("record":{"$type":"app.bsky.feed.post","text":")" + text + R"(","createdAt":")" + at +
         R"("},"isRead":false,"indexedAt":")" + at + R"(","labels":[]})";
}

class BlueskyApi : public ::testing::Test {
 protected:
  void SetUp() override {
    server.route("/xrpc/com.atproto.server.createSession", [this](HttpExchange& ex) {
      ++sessions;
      if (ex.method != "POST" || !has(ex.request_body, std::string("\"password\":\"") + kAppPassword) ||
          !has(ex.request_body, "\"identifier\":\"slowgarden.bsky.social\"")) {
        ex.status = 401;
        ex.body = R"({"error":"AuthenticationRequired","message":"Invalid identifier or password"})";
        return;
      }
      ex.body = R"({"did":"did:plc:showshowshow","handle":"slowgarden.bsky.social","accessJwt":"access-)" +
                std::to_string(sessions) + R"(","refreshJwt":"refresh-1","active":true})";
    });
    server.route("/xrpc/com.atproto.server.refreshSession", [this](HttpExchange& ex) {
      ++refreshes;
      if (header(ex, "authorization") != "Bearer refresh-1") {
        ex.status = 400;
        ex.body = R"({"error":"ExpiredToken","message":"Token has expired"})";
        return;
      }
      ex.body = R"({"accessJwt":"access-refreshed","refreshJwt":"refresh-1","did":"did:plc:showshowshow"})";
    });
  }
  std::unique_ptr<BlueskySource> source(const std::string& password = kAppPassword) {
    BlueskyOptions o;
    o.name = "bluesky";
    o.api_url = server.url("");
    o.handle = "slowgarden.bsky.social";
    o.app_password = password;
    return std::make_unique<BlueskySource>(o, http, clock);
  }
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
  int sessions = 0;
  int refreshes = 0;
};

TEST_F(BlueskyApi, ReadsRepliesMentionsAndQuotesPagingBackToWhatItReadBefore) {
  const std::string subject = "at://did:plc:showshowshow/app.bsky.feed.post/3lepisode9";
  server.route("/xrpc/app.bsky.notification.listNotifications", [&](HttpExchange& ex) {
    EXPECT_TRUE(has(header(ex, "authorization"), "Bearer access-"));
    EXPECT_TRUE(has(ex.query, "reasons=reply&reasons=mention&reasons=quote")) << ex.query;
    if (has(ex.query, "cursor=page2")) {
      ex.body = R"({"notifications":[)" +
                notification("3lb0003", "did:plc:kq2mxw", "bram.bsky.social", "Bram", "mention",
                             "@slowgarden.bsky.social where do I buy the trowel?",
                             "2026-11-24T10:00:00.000Z") +
                "]}";
      return;
    }
    ex.body = R"({"cursor":"page2","notifications":[)" +
              notification("3lb0009", "did:plc:ana", "ana.bsky.social", "Ana", "reply",
                           "Saving seed changed my year. Thank you!", "2026-11-25T12:00:00.000Z",
                           subject) +
              "," +
              notification("3lb0008", "did:plc:zed", "zed.bsky.social", "Zed", "like", "",
                           "2026-11-25T11:00:00.000Z") +
              "]}";
  });
  server.route("/xrpc/app.bsky.feed.getPosts", [&](HttpExchange& ex) {
    EXPECT_TRUE(has(ex.query, "uris=at%3A%2F%2Fdid%3Aplc%3Ashowshowshow")) << ex.query;
    ex.body = R"({"posts":[{"uri":")" + subject +
              R"(","record":{"$type":"app.bsky.feed.post","text":"Ep. 9 is out: slowgarden.example/episodes/9","facets":[{"index":{"byteStart":14,"byteEnd":44},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://slowgarden.example/episodes/9"}]}]}}]})";
  });
  auto s = source();
  auto batch = s->poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 2u) << "a like is not a message";
  const Message& ana = batch->messages[0];
  EXPECT_EQ(ana.natural_key, "at:at://did:plc:ana/app.bsky.feed.post/3lb0009");
  EXPECT_EQ(ana.url, "https://bsky.app/profile/did:plc:ana/post/3lb0009");
  EXPECT_EQ(ana.claimed.value, "bluesky:did:plc:ana");
  EXPECT_EQ(ana.claimed.written, "@ana.bsky.social");
  EXPECT_EQ(ana.details, "a Bluesky reply");
  EXPECT_EQ(ana.episode_ref, "https://slowgarden.example/episodes/9");
  EXPECT_EQ(batch->messages[1].text, "where do I buy the trowel?");
  EXPECT_EQ(batch->messages[1].details, "a Bluesky mention");
  EXPECT_EQ(batch->cursor, "seen 2026-11-25T12:00:00.000Z\n");
  EXPECT_EQ(sessions, 1);
  expect_no_secret(batch, kAppPassword);
  // Read again, the same notifications: nothing older than the newest read is taken.
  server.route("/xrpc/app.bsky.notification.listNotifications", [&](HttpExchange& ex) {
    if (has(ex.query, "cursor=page2")) {
      ex.body = R"({"cursor":"page3","notifications":[)" +
                notification("3lb0003", "did:plc:kq2mxw", "bram.bsky.social", "Bram", "mention",
                             "@slowgarden.bsky.social where do I buy the trowel?",
                             "2026-11-24T10:00:00.000Z") +
                "]}";
      return;
    }
    ex.body = R"({"cursor":"page2","notifications":[)" +
              notification("3lb0010", "did:plc:ana", "ana-grows.bsky.social", "Ana", "reply",
                           "Me again, new handle!", "2026-11-26T08:00:00.000Z", subject) +
              "," +
              notification("3lb0009", "did:plc:ana", "ana.bsky.social", "Ana", "reply",
                           "Saving seed changed my year. Thank you!", "2026-11-25T12:00:00.000Z",
                           subject) +
              "]}";
  });
  auto next = s->poll(batch->cursor);
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  ASSERT_EQ(next->messages.size(), 2u) << "the one at the cursor's time is read again (one key)";
  EXPECT_EQ(next->messages[0].claimed.value, "bluesky:did:plc:ana") << "a new handle, the same did";
  EXPECT_EQ(next->messages[0].claimed.written, "@ana-grows.bsky.social");
  EXPECT_EQ(next->cursor, "seen 2026-11-26T08:00:00.000Z\n");
  EXPECT_EQ(sessions, 1) << "the session is kept between polls";
}

TEST_F(BlueskyApi, AnExpiredTokenIsRefreshedAndTheReadGoesOn) {
  int calls = 0;
  server.route("/xrpc/app.bsky.notification.listNotifications", [&](HttpExchange& ex) {
    ++calls;
    if (header(ex, "authorization") != "Bearer access-refreshed") {
      ex.status = 400;
      ex.body = R"({"error":"ExpiredToken","message":"Token has expired"})";
      return;
    }
    ex.body = R"({"notifications":[]})";
  });
  auto batch = source()->poll("seen 2026-11-20T00:00:00.000Z\n");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(batch->cursor, "seen 2026-11-20T00:00:00.000Z\n");
}

TEST_F(BlueskyApi, AWrongAppPasswordSaysWhereToMakeOneAndNeverShowsIt) {
  auto batch = source("my-real-password-9")->poll("");
  ASSERT_FALSE(batch.ok());
  EXPECT_TRUE(has(batch.error().what, "Invalid identifier or password")) << batch.error().what;
  EXPECT_TRUE(has(batch.error().hint, "App passwords")) << batch.error().hint;
  expect_no_secret(batch, "my-real-password-9");
}

TEST_F(BlueskyApi, ALongCatchUpStopsAtMaxPagesAndResumesWithoutSkipping) {
  server.route("/xrpc/app.bsky.notification.listNotifications", [&](HttpExchange& ex) {
    int page = 0;
    if (size_t at = ex.query.find("cursor=p"); at != std::string::npos) {
      page = ex.query[at + 8] - '0';
    }
    std::string at = "2026-11-25T1" + std::to_string(9 - page) + ":00:00.000Z";
    ex.body = R"({"cursor":"p)" + std::to_string(page + 1) + R"(","notifications":[)" +
              notification("3lc00" + std::to_string(page), "did:plc:p" + std::to_string(page),
                           "p.bsky.social", "P", "mention", "hello " + std::to_string(page), at) +
              "]}";
  });
  BlueskyOptions o;
  o.name = "bluesky";
  o.api_url = server.url("");
  o.handle = "slowgarden.bsky.social";
  o.app_password = kAppPassword;
  o.max_pages = 2;
  BlueskySource s(o, http, clock);
  auto first = s.poll("seen 2026-11-25T14:30:00.000Z\n");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->messages.size(), 2u);
  EXPECT_TRUE(first->more);
  EXPECT_TRUE(has(first->cursor, "resume p2")) << first->cursor;
  auto second = s.poll(first->cursor);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->messages.size(), 2u);  // pages 2 and 3 (17:00 and 16:00)
  auto third = s.poll(second->cursor);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->messages.size(), 1u);  // 15:00; 14:00 is older than what was read before
  EXPECT_FALSE(third->more);
  EXPECT_EQ(third->cursor, "seen 2026-11-25T19:00:00.000Z\n");
}

// ---------------------------------------------------------------------------------------------
// YouTube

constexpr char kApiKey[] = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";

std::string comment_json(const std::string& id, const std::string& video, const std::string& channel,
                         const std::string& name, const std::string& text, const std::string& at,
                         const std::string& parent = "") {
  return R"({"kind":"youtube#comment","etag":"e)" + id + R"(","id":")" + id +
         R"(","snippet":{"channelId":"UCslowgarden0000000000","videoId":")" + video +
         R"(","textDisplay":")" + text + R"(","textOriginal":")" + text +
         R"(",)" + (parent.empty() ? "" : R"("parentId":")" + parent + R"(",)") +
         R"("authorDisplayName":")" + name + R"(","authorProfileImageUrl":"https://yt3.ggpht.com/x","authorChannelUrl":"http://www.youtube.com/)" +
         name + R"(","authorChannelId":{"value":")" + channel +
         R"("},"canRate":true,"viewerRating":"none","likeCount":3,"publishedAt":")" + at +
         R"(","updatedAt":")" + at + R"("}})";
}

std::string thread_json(const std::string& top, const std::string& replies = "") {
  size_t id_at = top.find("\"id\":\"") + 6;
  std::string id = top.substr(id_at, top.find('"', id_at) - id_at);
  return R"({"kind":"youtube#commentThread","id":")" + id +
         R"(","snippet":{"channelId":"UCslowgarden0000000000","topLevelComment":)" + top +
         R"(,"canReply":true,"totalReplyCount":1,"isPublic":true})" +
         (replies.empty() ? "" : R"(,"replies":{"comments":[)" + replies + "]}") + "}";
}

class YouTubeApi : public ::testing::Test {
 protected:
  Result<Batch> poll(const std::string& cursor = "") {
    YouTubeOptions o;
    o.name = "youtube";
    o.api_url = server.url("/youtube/v3");
    o.channel_id = "UCslowgarden0000000000";
    o.api_key = kApiKey;
    YouTubeSource source(o, http, clock);
    return source.poll(cursor);
  }
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
};

TEST_F(YouTubeApi, ReadsCommentsAndRepliesWithTheirVideosTitleLeavingTheChannelsOwn) {
  server.route("/youtube/v3/commentThreads", [&](HttpExchange& ex) {
    EXPECT_EQ(header(ex, "x-goog-api-key"), kApiKey);
    EXPECT_FALSE(has(ex.path, kApiKey)) << "the key is never in the URL";
    EXPECT_TRUE(has(ex.query, "allThreadsRelatedToChannelId=UCslowgarden0000000000"));
    EXPECT_TRUE(has(ex.query, "part=snippet%2Creplies"));
    if (has(ex.query, "pageToken=QURTSl9p")) {
      ex.body = R"({"kind":"youtube#commentThreadListResponse","items":[)" +
                thread_json(comment_json("Ugw2", "vid9", "UCmira", "@MiraPlants",
                                         "Which beans did you save?", "2026-11-20T09:00:00Z")) +
                "]}";
      return;
    }
    ex.body = R"({"kind":"youtube#commentThreadListResponse","nextPageToken":"QURTSl9p","pageInfo":{"totalResults":2,"resultsPerPage":100},"items":[)" +
              thread_json(comment_json("Ugx1", "vid9", "UCkofi", "@KofiGrows",
                                       "The bit about drying pods on the vine 👏", "2026-11-25T16:45:10Z"),
                          comment_json("Ugx1.r1", "vid9", "UCslowgarden0000000000", "@TheSlowGarden",
                                       "Thanks Kofi!", "2026-11-25T17:00:00Z", "Ugx1") +
                              "," +
                              comment_json("Ugx1.r2", "vid9", "UCmira", "@MiraPlants",
                                           "Same here", "2026-11-25T18:00:00Z", "Ugx1")) +
              "]}";
  });
  server.route("/youtube/v3/videos", [](HttpExchange& ex) {
    EXPECT_TRUE(has(ex.query, "id=vid9"));
    ex.body = R"({"items":[{"id":"vid9","snippet":{"title":"Ep. 9: Saving Seed for Beginners"}}]})";
  });
  auto batch = poll();
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 3u) << "the channel's own reply is an answer, not a listener";
  const Message& kofi = batch->messages[0];
  EXPECT_EQ(kofi.kind, MessageKind::kComment);
  EXPECT_EQ(kofi.natural_key, "youtube:Ugx1");
  EXPECT_EQ(kofi.url, "https://www.youtube.com/watch?v=vid9&lc=Ugx1");
  EXPECT_EQ(kofi.claimed.value, "youtube:UCkofi");
  EXPECT_EQ(kofi.claimed.written, "@KofiGrows");
  EXPECT_EQ(kofi.subject, "Ep. 9: Saving Seed for Beginners") << "linked to the episode by title";
  EXPECT_EQ(kofi.details, "a YouTube comment on \xE2\x80\x9C" "Ep. 9: Saving Seed for Beginners\xE2\x80\x9D");
  EXPECT_EQ(batch->messages[1].details.rfind("a reply to a YouTube comment", 0), 0u);
  EXPECT_EQ(batch->messages[2].natural_key, "youtube:Ugw2") << "the second page was read";
  EXPECT_EQ(batch->cursor, "seen 2026-11-25T16:45:10Z\n");
  expect_no_secret(batch, kApiKey);
}

TEST_F(YouTubeApi, ASpentQuotaWaitsUntilMidnightPacificAndABadKeySaysSo) {
  server.route("/youtube/v3/commentThreads", [](HttpExchange& ex) {
    ex.status = 403;
    ex.body = R"({"error":{"code":403,"message":"The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.","errors":[{"message":"quota","domain":"youtube.quota","reason":"quotaExceeded"}]}})";
  });
  auto batch = poll();
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().retry, Retry::kYes);
  EXPECT_EQ(batch.error().retry_after_seconds, seconds_to_pacific_midnight(1795600000));
  EXPECT_TRUE(has(batch.error().hint, "midnight Pacific")) << batch.error().hint;
  server.route("/youtube/v3/commentThreads", [](HttpExchange& ex) {
    ex.status = 400;
    ex.body = R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","errors":[{"message":"API key not valid.","domain":"global","reason":"badRequest"}]}})";
  });
  auto bad = poll();
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(has(bad.error().hint, "key_env")) << bad.error().hint;
  expect_no_secret(bad, kApiKey);
}

TEST(YouTubeQuota, TheDayStartsAtMidnightPacificInWinterAndSummer) {
  // 2026-12-08 07:00 UTC is 23:00 PST on the 7th: an hour left.
  EXPECT_EQ(seconds_to_pacific_midnight(1796713200), 3600);
  // 2026-07-01 06:30 UTC is 23:30 PDT on June 30th: half an hour.
  EXPECT_EQ(seconds_to_pacific_midnight(1782887400), 1800);
}

// ---------------------------------------------------------------------------------------------
// Apple Podcasts

std::string review(const std::string& id, const std::string& name, int stars,
                   const std::string& title, const std::string& text, const std::string& at) {
  return R"({"author":{"uri":{"label":"https://itunes.apple.com/us/reviews/id)" + id +
         R"(00"},"name":{"label":")" + name + R"("},"label":""},"updated":{"label":")" + at +
         R"("},"im:rating":{"label":")" + std::to_string(stars) +
         R"("},"im:version":{"label":""},"id":{"label":")" + id + R"("},"title":{"label":")" +
         title + R"("},"content":{"label":")" + text +
         R"(","attributes":{"type":"text"}},"link":{"attributes":{"rel":"related","href":"https://podcasts.apple.com/us/review?id=1500000001&type=Purple%20Software"}},"im:voteSum":{"label":"0"},"im:contentType":{"attributes":{"term":"Podcast Episode","label":"Podcast Episode"}},"im:voteCount":{"label":"0"}})";
}

TEST(AppleReviews, ReadsEachStorefrontsNewReviewsWithTheirStarsAndAsksAgainConditionally) {
  HttpTestServer server;
  CurlHttpClient http;
  FixedClock clock{1795600000};
  server.route("/us/rss/customerreviews/page=1/id=1500000001/sortby=mostrecent/json",
               [](HttpExchange& ex) {
                 if (header(ex, "if-none-match") == "\"us-v1\"") {
                   ex.status = 304;
                   return;
                 }
                 ex.response_headers["ETag"] = "\"us-v1\"";
                 ex.body = R"({"feed":{"author":{"name":{"label":"iTunes Store"}},"entry":[)" +
                           review("11042", "RadishQueen", 2, "Too many ads now",
                                  "I loved the early episodes but the ad breaks are long.",
                                  "2026-11-24T09:12:33-07:00") +
                           "," +
                           review("11040", "compost_carl", 5, "Best gardening show",
                                  "Sam explains things so clearly.", "2026-11-22T20:01:00-07:00") +
                           R"(],"updated":{"label":"2026-11-25T02:00:00-07:00"}}})";
               });
  server.route("/us/rss/customerreviews/page=2/id=1500000001/sortby=mostrecent/json",
               [](HttpExchange& ex) { ex.body = R"({"feed":{"author":{"name":{"label":"iTunes Store"}}}})"; });
  server.route("/gb/rss/customerreviews/page=1/id=1500000001/sortby=mostrecent/json",
               [](HttpExchange& ex) {
                 ex.body = R"({"feed":{"entry":)" +
                           review("9001", "Hedgehog Hannah", 1, "Audio cuts out",
                                  "Episode 9 cuts out at 12 minutes.", "2026-11-23T08:00:00-07:00") +
                           "}}";
               });
  server.route("/gb/rss/customerreviews/page=2/id=1500000001/sortby=mostrecent/json",
               [](HttpExchange& ex) { ex.status = 400; });
  AppleReviewsOptions o;
  o.name = "apple";
  o.api_url = server.url("");
  o.show_id = "1500000001";
  o.countries = {"us", "gb"};
  AppleReviewsSource source(o, http, clock);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 3u);
  const Message& radish = batch->messages[0];
  EXPECT_EQ(radish.kind, MessageKind::kReview);
  EXPECT_EQ(radish.natural_key, "apple-review:11042");
  EXPECT_EQ(radish.rating, 2);
  EXPECT_EQ(radish.subject, "Too many ads now");
  EXPECT_EQ(radish.details, "a 2-star Apple Podcasts review (US)");
  EXPECT_EQ(radish.claimed.value, "apple:https://itunes.apple.com/us/reviews/id1104200");
  EXPECT_EQ(radish.claimed.written, "RadishQueen");
  EXPECT_TRUE(radish.url.empty()) << "a review has no link to answer by";
  EXPECT_EQ(radish.received_at, 1795536753);  // 2026-11-24T16:12:33Z
  EXPECT_EQ(batch->messages[2].details, "a 1-star Apple Podcasts review (GB)")
      << "a storefront with one review sends it as an object";
  EXPECT_TRUE(batch->warnings.empty()) << batch->warnings[0];
  EXPECT_TRUE(has(batch->cursor, "seen-us 11042\n")) << batch->cursor;
  EXPECT_TRUE(has(batch->cursor, "seen-gb 9001\n"));
  EXPECT_TRUE(has(batch->cursor, "etag-us \"us-v1\"\n"));
  auto again = source.poll(batch->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->messages.empty()) << "304 for us, nothing newer for gb";
}

TEST(SocialText, SafeTextKeepsEmojiJoinersAndCutsAtACharacter) {
  bool cut = false;
  // A family emoji holds zero-width joiners: they stay. A right-to-left override goes.
  EXPECT_EQ(social::safe_text("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 hi\xE2\x80\xAE!", 100, &cut),
            "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 hi!");
  EXPECT_FALSE(cut);
  EXPECT_EQ(social::safe_text("é\xC3\xA9", 3, &cut), "é");
  EXPECT_TRUE(cut);
  EXPECT_EQ(social::safe_text("a\x1b[31mb\xff", 100), "a[31mb\xEF\xBF\xBD");
}

TEST(SocialText, LinkHeadersAreReadByRelation) {
  social::Reply r;
  r.headers = {{"link",
                "<https://m.example/api/v1/notifications?max_id=7>; rel=\"next\", "
                "<https://m.example/api/v1/notifications?min_id=9>; rel=\"prev\""}};
  EXPECT_EQ(social::link_relation(r, "next"), "https://m.example/api/v1/notifications?max_id=7");
  EXPECT_EQ(social::link_relation(r, "prev"), "https://m.example/api/v1/notifications?min_id=9");
  EXPECT_EQ(social::link_relation(r, "last"), "");
}

TEST(SocialText, ARateLimitsWaitIsReadFromEachProvidersHeaders) {
  const UnixTime now = 1795600000;  // 2026-11-25T09:46:40Z
  social::Reply r;
  r.headers = {{"retry-after", "120"}};
  EXPECT_EQ(social::rate_limit_wait(r, now), 120);
  r.headers = {{"retry-after", "Wed, 25 Nov 2026 09:50:40 GMT"}};
  EXPECT_EQ(social::rate_limit_wait(r, now), 240);
  r.headers = {{"x-ratelimit-reset", "2026-11-25T10:16:40.000Z"}};  // Mastodon
  EXPECT_EQ(social::rate_limit_wait(r, now), 1800);
  r.headers = {{"ratelimit-limit", "3000"}, {"ratelimit-reset", "1795600300"}};  // Bluesky
  EXPECT_EQ(social::rate_limit_wait(r, now), 300);
  r.headers = {{"ratelimit-reset", "45"}};  // seconds from now, as some servers send
  EXPECT_EQ(social::rate_limit_wait(r, now), 45);
  r.headers = {{"ratelimit-reset", "99999999999999"}, {"x-ratelimit-reset", "soon"}};
  EXPECT_EQ(social::rate_limit_wait(r, now), 7 * 86400) << "a week at most";
  r.headers = {};
  EXPECT_EQ(social::rate_limit_wait(r, now), 0);
}

TEST_F(BlueskyApi, ARateLimitWaitsForItsResetAndAServerErrorIsRetried) {
  server.route("/xrpc/app.bsky.notification.listNotifications", [](HttpExchange& ex) {
    ex.status = 429;
    ex.response_headers["RateLimit-Limit"] = "3000";
    ex.response_headers["RateLimit-Remaining"] = "0";
    ex.response_headers["RateLimit-Reset"] = "1795600900";
    ex.body = R"({"error":"RateLimitExceeded","message":"Rate Limit Exceeded"})";
  });
  auto limited = source()->poll("");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().retry, Retry::kYes);
  EXPECT_EQ(limited.error().retry_after_seconds, 900);
  EXPECT_TRUE(has(limited.error().what, "RateLimitExceeded")) << limited.error().what;
  server.route("/xrpc/app.bsky.notification.listNotifications",
               [](HttpExchange& ex) { ex.status = 503; });
  auto down = source()->poll("");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().retry, Retry::kYes);
}

TEST(SocialRecorded, AFolderOfRecordedAnswersIsReadByPath) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "api/v1");
  std::ofstream(dir.path() / "api/v1/notifications.json")
      << "[" + mention("3", "93", "ana@social.example", "Ana", "<p>From a file</p>") + "]";
  CurlHttpClient http;
  FixedClock clock{1795600000};
  MastodonOptions o;
  o.name = "mastodon";
  o.api_url = dir.path().string();
  MastodonSource source(o, http, clock);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_EQ(batch->messages[0].text, "From a file");
}

}  // namespace
}  // namespace rapport::ingest
