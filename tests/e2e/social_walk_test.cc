// A creator's walk with the social channels, end to end: the built `rapport` binary reads Apple
// Podcasts reviews, YouTube comments, Mastodon mentions, Bluesky notifications and an episode's
// Mastodon thread from a loopback server that answers as each API does, twice (a restart), and
// the digest says where each person wrote and how to answer them there.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/http_server.h"
#include "tests/support/temp_dir.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;
using testing::HttpExchange;
using testing::HttpTestServer;
using testing::read_file;
using testing::TempDir;

constexpr char kMastodonToken[] = "mstdn-walk-9f8e7d6c5b4a";
constexpr char kYouTubeKey[] = "AIzaSyWalk-0123456789abcdefghij";
constexpr char kBlueskyPassword[] = "walk-abcd-efgh-ijkl";

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string query_text(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string v = "(none)";
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    v = t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

struct Outcome {
  int status = -1;
  std::string out, err;
};

Outcome rapport(const TempDir& dir, const std::string& args) {
  fs::path out = dir.path() / "stdout.txt", err = dir.path() / "stderr.txt";
  std::string cmd = std::string("RAPPORT_NOW=2026-11-30T08:00:00Z MASTODON_TOKEN=") +
                    kMastodonToken + " YOUTUBE_KEY=" + kYouTubeKey +
                    " BLUESKY_APP_PASSWORD=" + kBlueskyPassword + " " + RAPPORT_BINARY + " " +
                    args + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  int rc = std::system(cmd.c_str());
  Outcome r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::string header(const HttpExchange& ex, const std::string& name) {
  auto it = ex.headers.find(name);
  return it == ex.headers.end() ? std::string() : it->second;
}

std::string status_json(const std::string& id, const std::string& acct, const std::string& name,
                        const std::string& html, const std::string& at,
                        const std::string& in_reply_to = "null") {
  std::string host = acct.substr(acct.find('@') + 1), user = acct.substr(0, acct.find('@'));
  return R"({"id":")" + id + R"(","created_at":")" + at + R"(","in_reply_to_id":)" + in_reply_to +
         R"(,"visibility":"public","spoiler_text":"","uri":"https://)" + host + "/users/" + user +
         "/statuses/" + id + R"(","url":"https://)" + host + "/@" + user + "/" + id +
         R"(","content":")" + html + R"(","account":{"id":"a)" + user + R"(","username":")" + user +
         R"(","acct":")" + acct + R"(","display_name":")" + name + R"(","url":"https://)" + host +
         "/@" + user + R"("}})";
}

TEST(SocialWalk, EveryChannelIsReadOnceAsOnePersonEachAndAnsweredWhereTheyWrote) {
  TempDir dir;
  HttpTestServer server;
  int round = 1;  // what the servers answer changes between the two runs, as the world does
  const std::string thread_root = server.url("/@slowgarden/5550");
  server.route("/feed.xml", [&](HttpExchange& ex) {
    ex.body = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>The Slow Garden</title><link>https://slowgarden.example/</link>
<item><title>Ep. 10: Letting the Meadow Decide</title><link>https://slowgarden.example/episodes/10</link>
<guid isPermaLink="false">sg-10</guid><pubDate>Thu, 26 Nov 2026 12:00:00 +0000</pubDate><itunes:episode>10</itunes:episode>
<podcast:socialInteract protocol="activitypub" uri=")" + thread_root + R"("/></item>
<item><title>Ep. 9: Saving Seed for Beginners</title><link>https://slowgarden.example/episodes/9</link>
<guid isPermaLink="false">sg-9</guid><pubDate>Thu, 19 Nov 2026 12:00:00 +0000</pubDate><itunes:episode>9</itunes:episode>
<podcast:socialInteract protocol="atproto" uri="at://did:plc:show/app.bsky.feed.post/3lep9"/></item>
</channel></rss>)";
  });
  // Apple Podcasts: a 1-star review in the US store.
  server.route("/us/rss/customerreviews/page=1/id=1500000001/sortby=mostrecent/json",
               [](HttpExchange& ex) {
                 ex.body = R"({"feed":{"entry":[{"author":{"uri":{"label":"https://itunes.apple.com/us/reviews/id7700"},"name":{"label":"Hedgehog Hannah"}},"updated":{"label":"2026-11-22T08:00:00-07:00"},"im:rating":{"label":"1"},"id":{"label":"9001"},"title":{"label":"Audio cuts out"},"content":{"label":"Episode 9 cuts out at minute 12 <b>every time</b>. Can you re-upload it?","attributes":{"type":"text"}}}]}})";
               });
  // YouTube: a comment on the Ep. 9 video.
  server.route("/yt/commentThreads", [](HttpExchange& ex) {
    ex.body = R"({"items":[{"id":"UgzWalk1","snippet":{"channelId":"UCslowgardenWalk00000000","topLevelComment":{"id":"UgzWalk1","snippet":{"videoId":"v9","textOriginal":"Do you save squash seed the same way?","authorDisplayName":"@KofiGrows","authorChannelUrl":"http://www.youtube.com/@KofiGrows","authorChannelId":{"value":"UCkofi"},"publishedAt":"2026-11-22T16:45:10Z"}}}}]})";
  });
  server.route("/yt/videos", [](HttpExchange& ex) {
    ex.body = R"({"items":[{"id":"v9","snippet":{"title":"Ep. 9: Saving Seed for Beginners"}}]})";
  });
  // Mastodon: Ana mentions the show twice, one of them in the second run.
  server.route("/api/v1/notifications", [&](HttpExchange& ex) {
    if (header(ex, "authorization") != std::string("Bearer ") + kMastodonToken) {
      ex.status = 401;
      return;
    }
    std::string first = R"({"id":"301","type":"mention","created_at":"2026-11-21T10:00:00.000Z","status":)" +
                        status_json("111", "ana@social.example", "Ana Ruiz",
                                    "<p>@slowgarden Is oak leaf mould too acidic for brassicas?</p>",
                                    "2026-11-21T10:00:00.000Z") + "}";
    std::string second = R"({"id":"302","type":"mention","created_at":"2026-11-29T07:00:00.000Z","status":)" +
                         status_json("112", "ana@social.example", "Ana Ruiz",
                                     "<p>@slowgarden The brassicas love it, thank you!</p>",
                                     "2026-11-29T07:00:00.000Z") + "}";
    if (has(ex.query, "min_id=302")) {
      ex.body = "[]";
    } else if (has(ex.query, "min_id=301")) {
      ex.body = round == 1 ? "[]" : "[" + second + "]";
    } else {
      ex.body = "[" + first + "]";
    }
  });
  server.route("/api/v1/statuses/5550", [](HttpExchange& ex) {
    ex.body = R"({"id":"5550","account":{"id":"ashow","acct":"slowgarden"},"content":"<p>Ep. 10 is out</p>"})";
  });
  server.route("/api/v1/statuses/5550/context", [&](HttpExchange& ex) {
    ex.body = R"({"ancestors":[],"descendants":[)" +
              status_json("5551", "theo@garden.example", "Theo",
                          "<p>@slowgarden How long until the first wildflowers?</p>",
                          "2026-11-22T09:00:00.000Z", "\"5550\"") +
              "]}";
  });
  // Bluesky: Juniper replies; by the second run she has a new handle, the same did.
  server.route("/xrpc/com.atproto.server.createSession", [](HttpExchange& ex) {
    if (!has(ex.request_body, kBlueskyPassword)) {
      ex.status = 401;
      ex.body = R"({"error":"AuthenticationRequired","message":"Invalid identifier or password"})";
      return;
    }
    ex.body = R"({"did":"did:plc:show","handle":"slowgarden.bsky.social","accessJwt":"jwt-a","refreshJwt":"jwt-r"})";
  });
  server.route("/xrpc/app.bsky.notification.listNotifications", [&](HttpExchange& ex) {
    auto note = [](const std::string& rkey, const std::string& handle, const std::string& text,
                   const std::string& at) {
      return R"({"uri":"at://did:plc:juniper/app.bsky.feed.post/)" + rkey +
             R"(","author":{"did":"did:plc:juniper","handle":")" + handle +
             R"(","displayName":"Juniper Hale"},"reason":"reply","reasonSubject":"at://did:plc:show/app.bsky.feed.post/3lep10","record":{"$type":"app.bsky.feed.post","text":")" +
             text + R"(","createdAt":")" + at + R"("},"indexedAt":")" + at + R"("})";
    };
    std::string older = note("3la1", "juniper.bsky.social", "Such a relief to hear. How long before the meadow fills in?",
                             "2026-11-21T13:20:05.000Z");
    std::string newer = note("3la2", "juniper-hale.bsky.social", "Update: first seedlings!",
                             "2026-11-29T06:00:00.000Z");
    ex.body = round == 1 ? "{\"notifications\":[" + older + "]}"
                       : "{\"notifications\":[" + newer + "," + older + "]}";
  });
  server.route("/xrpc/app.bsky.feed.getPosts", [](HttpExchange& ex) {
    ex.body = R"({"posts":[{"uri":"at://did:plc:show/app.bsky.feed.post/3lep10","record":{"text":"Ep. 10","embed":{"$type":"app.bsky.embed.external","external":{"uri":"https://slowgarden.example/episodes/10"}}}}]})";
  });

  fs::path config = dir.path() / "rapport.toml";
  std::ofstream(config) << R"([creator]
name = "Sam Rivera"
email = "sam@slowgarden.example"
show = "The Slow Garden"

[store]
path = "state/rapport.db"

[[feed]]
name = "podcast"
url = ")" << server.url("/feed.xml") << R"("

[[social]]
name = "apple"
kind = "apple_reviews"
show_id = "1500000001"
api_url = ")" << server.url("") << R"("

[[social]]
name = "youtube"
kind = "youtube"
channel_id = "UCslowgardenWalk00000000"
key_env = "YOUTUBE_KEY"
api_url = ")" << server.url("/yt") << R"("

[[social]]
name = "mastodon"
kind = "mastodon"
instance = ")" << server.url("") << R"("
token_env = "MASTODON_TOKEN"

[[social]]
name = "bluesky"
kind = "bluesky"
handle = "slowgarden.bsky.social"
password_env = "BLUESKY_APP_PASSWORD"
api_url = ")" << server.url("") << R"("

[digest]
output_dir = "state/digests"
)";
  Outcome check = rapport(dir, "check --config " + config.string());
  ASSERT_EQ(check.status, 0) << check.out << check.err;

  Outcome first = rapport(dir, "run --config " + config.string());
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_TRUE(has(first.err, "apple (apple reviews): 1 new message")) << first.err;
  EXPECT_TRUE(has(first.err, "youtube (youtube): 1 new message")) << first.err;
  EXPECT_TRUE(has(first.err, "mastodon (mastodon): 1 new message")) << first.err;
  EXPECT_TRUE(has(first.err, "bluesky (bluesky): 1 new message")) << first.err;
  EXPECT_TRUE(has(first.err, "thread of sg-10 (social thread): 1 new message")) << first.err;
  EXPECT_TRUE(has(first.err, "podcast (feed): 2 new episodes, 0 updated; 1 warning")) << first.err;
  // The digest: where each wrote, why they are listed, and how to answer them there.
  EXPECT_TRUE(has(first.out, "Hedgehog Hannah\n   first time writing · left a 1-star review · "
                             "asked a question"))
      << first.out;
  EXPECT_TRUE(has(first.out, "   a 1-star Apple Podcasts review (US)\n")) << first.out;
  EXPECT_TRUE(has(first.out, "   Reply in Podcasts Connect: a review is answered there\n"));
  EXPECT_TRUE(has(first.out, "KofiGrows <@KofiGrows>")) << first.out;
  EXPECT_TRUE(has(first.out, "replied to Ep. 9: Saving Seed for Beginners"));
  EXPECT_TRUE(has(first.out, "   Answer on YouTube (@KofiGrows): "
                             "https://www.youtube.com/watch?v=v9&lc=UgzWalk1\n"));
  EXPECT_TRUE(has(first.out, "Ana Ruiz <@ana@social.example>"));
  EXPECT_TRUE(has(first.out, "   Answer on Mastodon (@ana@social.example): "
                             "https://social.example/@ana/111\n"));
  EXPECT_TRUE(has(first.out, "Juniper Hale <@juniper.bsky.social>"));
  EXPECT_TRUE(has(first.out, "replied to Ep. 10: Letting the Meadow Decide")) << first.out;
  EXPECT_TRUE(has(first.out, "   Answer on Bluesky (@juniper.bsky.social): "
                             "https://bsky.app/profile/did:plc:juniper/post/3la1\n"));
  EXPECT_TRUE(has(first.out, "   a reply in the episode's Mastodon thread\n"));
  EXPECT_TRUE(has(first.out, "Episode 9 cuts out at minute 12 <b>every time</b>."))
      << "a review is plain text: markup in it is words, kept as written";

  // A restart: what was read is not read again; what is new is, and people stay one each.
  round = 2;
  Outcome second = rapport(dir, "run --all --config " + config.string());
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_TRUE(has(second.err, "apple (apple reviews): 0 new messages")) << second.err;
  EXPECT_TRUE(has(second.err, "youtube (youtube): 0 new messages")) << second.err;
  EXPECT_TRUE(has(second.err, "mastodon (mastodon): 1 new message (1 from people, 0 automatic), "
                              "0 new people"))
      << second.err;
  EXPECT_TRUE(has(second.err, "bluesky (bluesky): 1 new message (1 from people, 0 automatic), "
                              "0 new people"))
      << second.err;
  EXPECT_TRUE(has(second.err, "thread of sg-10 (social thread): 0 new messages")) << second.err;
  fs::path db = dir.path() / "state/rapport.db";
  EXPECT_EQ(query_text(db, "SELECT COUNT(*) FROM messages"), "7");
  EXPECT_EQ(query_text(db, "SELECT COUNT(*) FROM contacts"), "5");
  EXPECT_EQ(query_text(db, "SELECT COUNT(DISTINCT i.contact_id) FROM messages m JOIN identities i "
                           "ON i.id = m.identity_id WHERE m.natural_key LIKE 'at:%'"),
            "1")
      << "a new Bluesky handle, the same did: the same person";
  EXPECT_EQ(query_text(db, "SELECT written FROM identities WHERE value = 'bluesky:did:plc:juniper'"),
            "@juniper-hale.bsky.social")
      << "shown as they write themselves now";
  EXPECT_EQ(query_text(db, "SELECT rating FROM messages WHERE kind = 'review'"), "1");
  EXPECT_EQ(query_text(db, "SELECT last_warnings FROM sources WHERE name = 'podcast'"),
            "podcast:socialInteract protocol \"atproto\" is not supported: only activitypub "
            "threads are read")
      << "said once per read, on the feed";
  EXPECT_EQ(query_text(db, "SELECT e.guid FROM messages m JOIN episodes e ON e.id = m.episode_id "
                           "WHERE m.natural_key LIKE '%statuses/5551'"),
            "sg-10");
  // No secret anywhere: not in what was printed, not in the database.
  std::string bytes = read_file(db);
  for (const std::string secret : {kMastodonToken, kYouTubeKey, kBlueskyPassword, "jwt-a"}) {
    for (const std::string* s : {&first.out, &first.err, &second.out, &second.err, &bytes}) {
      EXPECT_FALSE(has(*s, secret)) << secret;
    }
  }
}

}  // namespace
}  // namespace rapport
