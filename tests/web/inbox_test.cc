// The web inbox over real HTTP: a WebInbox on the project's HttpServer, a SQLite file holding
// listeners' mail as the pipeline stores it, and libcurl as the client.
#include "web/inbox.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "app/http_server.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/http_post.h"
#include "tests/support/temp_dir.h"
#include "web/form.h"
#include "web/login.h"
#include "web/one_tap.h"

namespace rapport::web {
namespace {

using testing::http_request;

constexpr UnixTime kNow = 1795600000;  // Thu 26 Nov 2026
constexpr std::int64_t kDay = 86400;

Message mail(const std::string& id, const std::string& name, const std::string& address,
             const std::string& subject, const std::string& text, UnixTime at) {
  Message m;
  m.kind = MessageKind::kEmail;
  m.natural_key = "mid:" + id;
  m.message_id = id;
  m.from = {name, address};
  m.subject = subject;
  m.text = text;
  m.received_at = at;
  return m;
}

class WebInboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlStore::open((dir.path() / "rapport.db").string());
    ASSERT_TRUE(s) << s.error().to_string();
    store = std::move(*s);
    Batch b;
    b.cursor = "1";
    b.messages.push_back(mail(
        "a1@mail.gmail.com", "Ana López", "ana.lopez@example.org", "Re: Ep. 12: Compost",
        "Loved the compost episode! How often do you turn the pile in winter?\n\n"
        "On Tue, 3 Nov 2026 at 07:00, Sam Rivera <sam@slowgarden.example> wrote:\n"
        "> This week: compost in the cold months.\n> Reply and tell me about yours.\n",
        kNow - 6 * kDay));
    b.messages.push_back(mail("a2@mail.gmail.com", "Ana López", "ana.lopez@example.org",
                              "Re: Ep. 12: Compost", "Also: would you do an episode on leaf mould?",
                              kNow - 5 * kDay));
    b.messages.push_back(mail("b1@icloud.com", "Ben Okafor", "ben@example.net", "Thanks",
                              "Just wanted to say thanks for the show.", kNow - 3 * kDay));
    // A hostile sender: markup in the name, script in the text, a right-to-left override.
    b.messages.push_back(mail(
        "m1@evil.example", "<script>alert('name')</script>", "mallory@evil.example",
        "Hi\r\nBcc: victim@example.org",
        "<img src=x onerror=alert(1)> click javascript:alert(2) or "
        "https://evil.example/\"><script>alert(3)</script> \xE2\x80\xAEgnp.exe",
        kNow - 2 * kDay));
    std::vector<Episode> episodes;
    for (auto& m : b.messages) pipeline::process_message(m, episodes, {});
    auto source = store->source("maildir", "replies", "/mail", kNow);
    ASSERT_TRUE(source);
    auto committed = store->commit_batch(source->id, b, kNow);
    ASSERT_TRUE(committed) << committed.error().to_string();

    options.digest.creator_name = "Sam Rivera";
    options.digest.creator_email = "sam@slowgarden.example";
    options.digest.max_people = 10;
    options.page_size = 2;
    restart();
  }

  void restart() {
    if (server) server->stop();
    server.reset();
    inbox = std::make_unique<WebInbox>(*store, clock, options);
    app::HttpServerOptions http;
    http.port = 0;
    WebInbox* in = inbox.get();
    server = std::make_unique<app::HttpServer>(
        http, [in](const HttpRequest& r) { return in->handle(r); });
    ASSERT_TRUE(server->start());
  }

  void TearDown() override {
    if (server) server->stop();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
  testing::HttpAnswer get(const std::string& path) { return http_request("GET", url(path), ""); }
  testing::HttpAnswer post(const std::string& path, const std::string& fields,
                           bool with_token = true) {
    std::string body = fields;
    if (with_token) body += std::string(body.empty() ? "" : "&") + "csrf=" + inbox->csrf_token();
    return http_request("POST", url(path), body,
                        {"Content-Type: application/x-www-form-urlencoded"});
  }
  std::int64_t id_of(const std::string& who) {
    auto id = store->find_contact(who);
    EXPECT_TRUE(id) << who;
    return id ? *id : 0;
  }
  std::string person(const std::string& who) { return "/people/" + std::to_string(id_of(who)); }

  rapport::testing::TempDir dir;
  std::unique_ptr<SqlStore> store;
  FixedClock clock{kNow};
  InboxOptions options;
  std::unique_ptr<WebInbox> inbox;
  std::unique_ptr<app::HttpServer> server;
};

TEST_F(WebInboxTest, TodayIsTheDigestsListInTheDigestsOrderWithReasonsAndAsks) {
  auto digest = pipeline::build_digest(*store, options.digest, kNow);
  ASSERT_TRUE(digest);
  ASSERT_EQ(digest->items.size(), 3u);
  auto page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  // Each person where the digest ranks them, with the digest's reasons.
  size_t last = 0;
  for (const auto& item : digest->items) {
    std::string link = "href=\"/people/" + std::to_string(item.who.contact_id) + "\"";
    size_t at = page.body.find(link);
    ASSERT_NE(at, std::string::npos) << link;
    EXPECT_GT(at, last);
    last = at;
    EXPECT_NE(page.body.find(item.reasons.front()), std::string::npos) << item.reasons.front();
  }
  EXPECT_NE(page.body.find("3 people to answer personally today"), std::string::npos);
  // Ana's two messages: what she asked in each, labelled as the digest labels them.
  EXPECT_NE(page.body.find("How often do you turn the pile in winter?"), std::string::npos);
  EXPECT_NE(page.body.find("would you do an episode on leaf mould?"), std::string::npos);
  EXPECT_NE(page.body.find("2nd message: "), std::string::npos);
  EXPECT_EQ(page.body.find("This week: compost in the cold months"), std::string::npos);
}

TEST_F(WebInboxTest, EveryResponseForbidsFramingScriptsAndCaching) {
  for (const std::string& path : std::vector<std::string>{"/", "/waiting", person("ana.lopez@example.org"), "/nowhere"}) {
    auto r = get(path);
    EXPECT_NE(r.headers["content-security-policy"].find("default-src 'none'"), std::string::npos)
        << path;
    EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"),
              std::string::npos);
    EXPECT_EQ(r.headers["x-frame-options"], "DENY") << path;
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(r.headers["cache-control"], "no-store");
    EXPECT_EQ(r.body.find("<script"), std::string::npos) << path;
    EXPECT_EQ(r.body.find(" style=\""), std::string::npos) << path;
  }
  auto css = get("/static/inbox.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers["content-type"], "text/css; charset=utf-8");
  EXPECT_NE(css.body.find("@media (prefers-color-scheme: dark)"), std::string::npos);
}

TEST_F(WebInboxTest, APersonsPageShowsTheirWholeConversationWithTheQuotedPartBehindAToggle) {
  auto page = get(person("ana.lopez@example.org"));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h1><bdi>Ana López</bdi></h1>"), std::string::npos);
  EXPECT_NE(page.body.find("2 messages since"), std::string::npos);
  EXPECT_NE(page.body.find("waiting for an answer"), std::string::npos);
  EXPECT_NE(page.body.find("ana.lopez@example.org"), std::string::npos);
  // Her words first, oldest message first; the quoted history one click away.
  size_t first = page.body.find("Loved the compost episode!");
  size_t second = page.body.find("Also: would you do an episode on leaf mould?");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  size_t toggle = page.body.find("<details><summary>Show the quoted part</summary>");
  ASSERT_NE(toggle, std::string::npos);
  EXPECT_GT(toggle, first);
  EXPECT_NE(page.body.find("&gt; This week: compost in the cold months.", toggle),
            std::string::npos);
  // The second message is all her own words: no toggle for it.
  EXPECT_EQ(page.body.find("<details>", second), std::string::npos);
}

TEST_F(WebInboxTest, SocialMessagesSayTheirChannelAndWhereToAnswer) {
  Batch b;
  b.cursor = "seen-us 9001\n";
  Message review;
  review.kind = MessageKind::kReview;
  review.natural_key = "apple-review:9001";
  review.from.name = "Hedgehog <b>Hannah</b>";
  review.claimed = Identity("handle", "apple:https://itunes.apple.com/us/reviews/id77",
                            "Hedgehog <b>Hannah</b>");
  review.subject = "Audio cuts out";
  review.text = "Episode 9 cuts out at minute 12. Can you re-upload it?";
  review.rating = 2;
  review.details = "a 2-star Apple Podcasts review (US)";
  review.received_at = kNow - 2 * kDay;
  Message post;
  post.kind = MessageKind::kPost;
  post.natural_key = "at:at://did:plc:juniper/app.bsky.feed.post/3la1";
  post.from.name = "Juniper Hale";
  post.claimed = Identity("handle", "bluesky:did:plc:juniper", "@juniper.bsky.social");
  post.text = "How long before the meadow fills in?";
  post.url = "https://bsky.app/profile/did:plc:juniper/post/3la1";
  post.details = "a Bluesky reply";
  post.received_at = kNow - 2 * kDay;
  b.messages = {review, post};
  std::vector<Episode> episodes;
  for (auto& m : b.messages) pipeline::process_message(m, episodes, {});
  auto source = store->source("apple reviews", "apple", "https://itunes.apple.com", kNow);
  ASSERT_TRUE(source);
  ASSERT_TRUE(store->commit_batch(source->id, b, kNow));

  auto hannah = get("/people/" + std::to_string(*store->find_contact("Hedgehog <b>Hannah</b>")));
  ASSERT_EQ(hannah.status, 200);
  EXPECT_NE(hannah.body.find("a 2-star Apple Podcasts review (US) · apple"), std::string::npos);
  EXPECT_NE(hannah.body.find("A review is answered in Podcasts Connect."), std::string::npos);
  EXPECT_EQ(hannah.body.find("<b>Hannah</b>"), std::string::npos) << "a name is text";
  auto juniper = get("/people/" + std::to_string(*store->find_contact("Juniper Hale")));
  ASSERT_EQ(juniper.status, 200);
  EXPECT_NE(juniper.body.find("a Bluesky reply · apple"), std::string::npos);
  EXPECT_NE(juniper.body.find("@juniper.bsky.social"), std::string::npos);
  EXPECT_NE(juniper.body.find("href=\"https://bsky.app/profile/did:plc:juniper/post/3la1\""),
            std::string::npos);
  // Today's list gives the review's reason.
  auto today = get("/");
  EXPECT_NE(today.body.find("left a 2-star review"), std::string::npos);
}

TEST_F(WebInboxTest, HostileListenerTextComesOutInert) {
  for (const std::string& path : std::vector<std::string>{"/", person("mallory@evil.example")}) {
    auto page = get(path);
    ASSERT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body.find("<script"), std::string::npos) << path;
    EXPECT_EQ(page.body.find("<img"), std::string::npos) << path;
    EXPECT_EQ(page.body.find("href=\"javascript:"), std::string::npos) << path;
    EXPECT_NE(page.body.find("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"),
              std::string::npos)
        << path;
  }
  auto page = get(person("mallory@evil.example"));
  // The link stops before the quote that would close the attribute; the rest is text.
  EXPECT_NE(page.body.find("<a href=\"https://evil.example/\" rel=\"noopener noreferrer "
                           "nofollow\">https://evil.example/</a>&quot;&gt;&lt;script&gt;"),
            std::string::npos);
  // A right-to-left override stays inside its own isolated, direction-guessing box.
  size_t rlo = page.body.find("\xE2\x80\xAEgnp.exe");
  ASSERT_NE(rlo, std::string::npos);
  size_t box = page.body.rfind("<div class=\"words\" dir=\"auto\">", rlo);
  ASSERT_NE(box, std::string::npos);
  EXPECT_EQ(page.body.find("</div>", box), page.body.find("</div>", rlo));
  // The CR LF of the subject is not a line break anywhere in the page.
  EXPECT_EQ(page.body.find("Hi\r\nBcc"), std::string::npos);
}

TEST_F(WebInboxTest, AnsweredNeedsThePagesTokenAndTakesThemOffTodayUntilUndone) {
  const std::string ana = person("ana.lopez@example.org");
  auto refused = post(ana + "/answered", "back=%2F", false);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("This page has expired"), std::string::npos);
  auto forged = post(ana + "/answered", "back=%2F&csrf=" + std::string(64, 'a'), false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_NE(get("/").body.find("href=\"" + ana + "\""), std::string::npos);

  auto done = post(ana + "/answered", "back=%2F");
  EXPECT_EQ(done.status, 303);
  EXPECT_EQ(done.headers["location"], "/");
  EXPECT_EQ(get("/").body.find("href=\"" + ana + "\""), std::string::npos);
  auto detail = store->contact_detail(id_of("ana.lopez@example.org"), false);
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->contact.last_answered_at, kNow);
  EXPECT_NE(get(ana).body.find("Undo the last answer"), std::string::npos);
  EXPECT_NE(get(ana).body.find("You answered (by hand)"), std::string::npos);

  auto undone = post(ana + "/answered", "undo=1");
  EXPECT_EQ(undone.status, 303);
  EXPECT_EQ(undone.headers["location"], ana);
  EXPECT_NE(get("/").body.find("href=\"" + ana + "\""), std::string::npos);
  // A second undo has nothing to take back: said, not a crash.
  auto again = post(ana + "/answered", "undo=1");
  EXPECT_EQ(again.status, 409);
}

TEST_F(WebInboxTest, SnoozeByPresetOrDateAndClear) {
  const std::string ben = person("ben@example.net");
  const std::int64_t id = id_of("ben@example.net");
  EXPECT_EQ(post(ben + "/snooze", "for=7d&back=%2Fwaiting%3Fpage%3D1").headers["location"],
            "/waiting?page=1");
  EXPECT_EQ(store->contact_detail(id, false)->contact.snoozed_until, kNow + 7 * kDay);
  EXPECT_EQ(get("/").body.find("href=\"" + ben + "\""), std::string::npos);
  EXPECT_NE(get(ben).body.find("snoozed until"), std::string::npos);

  EXPECT_EQ(post(ben + "/snooze", "until=2026-12-24").status, 303);
  auto until = store->contact_detail(id, false)->contact.snoozed_until;
  ASSERT_TRUE(until);
  EXPECT_EQ(local_date(*until), "2026-12-24");

  EXPECT_EQ(post(ben + "/snooze", "until=2026-11-01").status, 400);  // in the past
  EXPECT_EQ(post(ben + "/snooze", "until=2026-02-31").status, 400);
  EXPECT_EQ(post(ben + "/snooze", "for=soon").status, 400);
  EXPECT_EQ(local_date(*store->contact_detail(id, false)->contact.snoozed_until), "2026-12-24");

  EXPECT_EQ(post(ben + "/snooze", "clear=1").status, 303);
  EXPECT_FALSE(store->contact_detail(id, false)->contact.snoozed_until);
  EXPECT_NE(get("/").body.find("href=\"" + ben + "\""), std::string::npos);
}

TEST_F(WebInboxTest, TagsAndNotesAreAddedEditedAndRemoved) {
  const std::string ana = person("ana.lopez@example.org");
  const std::int64_t id = id_of("ana.lopez@example.org");
  EXPECT_EQ(post(ana + "/tag", "tag=+Supporter+").status, 303);
  EXPECT_EQ(store->contact_detail(id, false)->contact.tags, std::vector<std::string>{"supporter"});
  EXPECT_EQ(post(ana + "/tag", "tag=" + std::string(65, 'x')).status, 400);
  EXPECT_EQ(post(ana + "/tag", "tag=supporter&remove=1").status, 303);
  EXPECT_TRUE(store->contact_detail(id, false)->contact.tags.empty());

  EXPECT_EQ(post(ana + "/notes", "text=" + url_encode("Runs a community garden in <Leeds>")).status,
            303);
  auto notes = store->contact_detail(id, false)->notes;
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].text, "Runs a community garden in <Leeds>");
  EXPECT_NE(get(ana).body.find("Runs a community garden in &lt;Leeds&gt;</textarea>"),
            std::string::npos);
  const std::string note = ana + "/notes/" + std::to_string(notes[0].id);
  EXPECT_EQ(post(note, "text=Runs+two+gardens").status, 303);
  EXPECT_EQ(store->contact_detail(id, false)->notes[0].text, "Runs two gardens");
  EXPECT_EQ(post(ana + "/notes", "text=+++").status, 400);
  EXPECT_EQ(post(note, "delete=1").status, 303);
  EXPECT_TRUE(store->contact_detail(id, false)->notes.empty());
  EXPECT_EQ(post(note, "delete=1").status, 409);  // gone already
}

TEST_F(WebInboxTest, AMergeIsUndoneFromThePersonsPageAndRecordedAsTwoPeople) {
  const std::int64_t ana = id_of("ana.lopez@example.org");
  const std::int64_t ben = id_of("ben@example.net");
  ASSERT_TRUE(store->merge_contacts(ben, ana, "the creator said so", kNow));
  auto page = get("/people/" + std::to_string(ana));
  EXPECT_NE(page.body.find("Not the same person: undo"), std::string::npos);
  auto merges = store->contact_detail(ana, false)->merges;
  ASSERT_FALSE(merges.empty());
  auto r = post("/people/" + std::to_string(ana) + "/unmerge",
                "merge=" + std::to_string(merges.front().id));
  EXPECT_EQ(r.status, 303);
  auto after = store->contact_detail(ana, false);
  bool split = false;
  for (const auto& m : after->merges) split |= m.kind == "split";
  EXPECT_TRUE(split);
  EXPECT_NE(get("/").body.find("href=\"/people/" + std::to_string(ben) + "\""), std::string::npos);
  // Someone else's merge is not undone from this page.
  EXPECT_EQ(post("/people/" + std::to_string(ben) + "/unmerge", "merge=999").status, 404);
}

TEST_F(WebInboxTest, EveryoneWaitingIsPagedInTheSameOrder) {
  auto all = pipeline::ranked_waiting(*store, options.digest, kNow, 0, 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->items.size(), 3u);
  auto one = get("/waiting");
  auto two = get("/waiting?page=2");
  ASSERT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("3 people wait"), std::string::npos);
  auto link = [&](int i) {
    return "href=\"/people/" + std::to_string(all->items[static_cast<size_t>(i)].who.contact_id) +
           "\"";
  };
  EXPECT_NE(one.body.find(link(0)), std::string::npos);
  EXPECT_NE(one.body.find(link(1)), std::string::npos);
  EXPECT_EQ(one.body.find(link(2)), std::string::npos);
  EXPECT_NE(one.body.find("href=\"/waiting?page=2\">Next"), std::string::npos);
  EXPECT_NE(two.body.find(link(2)), std::string::npos);
  EXPECT_NE(two.body.find("<ol class=\"people\" start=\"3\">"), std::string::npos);
  EXPECT_NE(two.body.find("href=\"/waiting?page=1\">← Previous"), std::string::npos);
  EXPECT_EQ(two.body.find("Next"), std::string::npos);
  EXPECT_NE(get("/waiting?page=9").body.find("There is nobody on this page."), std::string::npos);
}

TEST_F(WebInboxTest, SearchFindsPeopleByAccentFreeNameAndMessagesByTheirWords) {
  auto by_name = get("/search?q=lopez");
  ASSERT_EQ(by_name.status, 200);
  EXPECT_NE(by_name.body.find("href=\"" + person("ana.lopez@example.org") + "\"><bdi>Ana López"),
            std::string::npos);
  EXPECT_EQ(by_name.body.find("Ben Okafor"), std::string::npos);
  auto by_words = get("/search?q=leaf+MOULD");
  ASSERT_EQ(by_words.status, 200);
  // The message, linked at its place in the conversation, the words found marked.
  EXPECT_NE(by_words.body.find("href=\"" + person("ana.lopez@example.org") + "#m"),
            std::string::npos);
  EXPECT_NE(by_words.body.find("<mark>leaf</mark> <mark>mould</mark>"), std::string::npos);
  auto by_address = get("/search?q=evil.example");
  EXPECT_NE(by_address.body.find("&lt;script&gt;alert(&#39;name&#39;)"), std::string::npos);
  EXPECT_EQ(by_address.body.find("<script"), std::string::npos);
  // What was typed comes back in the box, as text.
  auto hostile = get("/search?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  EXPECT_EQ(hostile.status, 200);
  EXPECT_EQ(hostile.body.find("<script"), std::string::npos);
  EXPECT_NE(hostile.body.find("value=\"&quot;&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_NE(hostile.body.find("Nobody."), std::string::npos);
  // Empty: the form alone.
  auto empty = get("/search");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body.find("<h2>People</h2>"), std::string::npos);
  EXPECT_EQ(http_request("POST", url("/search"), "q=x").status, 405);
}

TEST_F(WebInboxTest, WrongRequestsAreAnsweredPlainly) {
  EXPECT_EQ(get("/people/999999").status, 404);
  EXPECT_EQ(get("/people/abc").status, 404);
  EXPECT_EQ(get("/people/-1").status, 404);
  EXPECT_EQ(get("/admin").status, 404);
  auto wrong = http_request("DELETE", url("/"), "");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET, HEAD");
  EXPECT_EQ(get(person("ben@example.net") + "/answered").status, 405);
  EXPECT_EQ(post("/people/999999/answered", "").status, 404);
  EXPECT_EQ(post(person("ben@example.net") + "/fly", "").status, 404);
  auto json = http_request("POST", url(person("ben@example.net") + "/answered"),
                           "{\"csrf\":\"" + inbox->csrf_token() + "\"}",
                           {"Content-Type: application/json"});
  EXPECT_EQ(json.status, 415);
  // A name that is not this machine's: a page elsewhere reaching it by DNS rebinding.
  auto foreign = http_request("GET", url("/"), "", {"Host: rapport.evil.example"});
  EXPECT_EQ(foreign.status, 421);
  EXPECT_EQ(foreign.body.find("people to answer"), std::string::npos);
  EXPECT_EQ(http_request("GET", url("/"), "", {"Host: localhost:8788"}).status, 200);
  // A redirect never leaves the inbox, whatever "back" says.
  auto away = post(person("ben@example.net") + "/tag", "tag=x&back=%2F%2Fevil.example%2F");
  EXPECT_EQ(away.headers["location"], person("ben@example.net"));
  auto scheme = post(person("ben@example.net") + "/tag", "tag=x&back=https%3A%2F%2Fevil.example");
  EXPECT_EQ(scheme.headers["location"], person("ben@example.net"));
}

TEST_F(WebInboxTest, AFormFromBeforeARestartIsRefusedAndSaysToReload) {
  const std::string ben = person("ben@example.net");
  const std::string old_token = inbox->csrf_token();
  restart();
  EXPECT_NE(inbox->csrf_token(), old_token);
  auto r = post(ben + "/answered", "csrf=" + old_token, false);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("reload the page"), std::string::npos);
}

TEST_F(WebInboxTest, AOneTapLinkAsksOnGetActsOnPostOnceAndOnlyWhileValid) {
  auto signer = std::make_shared<TapSigner>(std::string(32, 'k'));
  options.taps = signer;
  options.public_host = "inbox.example.org";
  restart();
  const std::int64_t ben = id_of("ben@example.net");
  Tap done{TapAction::kDone, ben, "2026-11-26", kNow + kTapValidSeconds};
  const std::string link = signer->path(done);
  // A GET asks and does nothing (a mail scanner opening it changes nothing).
  auto ask = get(link);
  ASSERT_EQ(ask.status, 200);
  EXPECT_NE(ask.body.find("Mark <bdi>Ben Okafor</bdi> as answered?"), std::string::npos);
  EXPECT_NE(ask.body.find("<form method=\"post\" action=\"" + link + "\">"), std::string::npos);
  EXPECT_FALSE(store->contact_detail(ben, false)->contact.last_answered_at);
  // The POST acts, once.
  auto act = http_request("POST", url(link), "");
  ASSERT_EQ(act.status, 200);
  EXPECT_NE(act.body.find("Marked answered"), std::string::npos);
  auto answers = [&] {
    int n = 0;
    auto detail = store->contact_detail(ben, true);
    for (const auto& e : detail->timeline) n += e.what == "answer";
    return n;
  };
  EXPECT_EQ(answers(), 1);
  EXPECT_EQ(store->contact_detail(ben, false)->contact.last_answered_at, kNow);
  EXPECT_NE(get(person("ben@example.net")).body.find("You answered (through the digest)"),
            std::string::npos);
  auto again = http_request("POST", url(link), "");
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("Already marked answered"), std::string::npos);
  EXPECT_EQ(answers(), 1);
  // The digest link's answer is one `answered --undo` takes back.
  EXPECT_TRUE(store->undo_answer(ben));

  // Snooze a week, idempotent too.
  const std::string snooze = signer->path({TapAction::kSnoozeWeek, ben, "2026-11-26",
                                           kNow + kTapValidSeconds});
  EXPECT_NE(http_request("POST", url(snooze), "").body.find("Snoozed until"), std::string::npos);
  EXPECT_EQ(store->contact_detail(ben, false)->contact.snoozed_until, kNow + 7 * 86400);
  EXPECT_NE(http_request("POST", url(snooze), "").body.find("Already snoozed"), std::string::npos);

  // Forged, altered or foreign: not found; expired: said so.
  std::string forged = link;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(http_request("POST", url(forged), "").status, 404);
  Tap other = done;
  other.contact_id = id_of("ana.lopez@example.org");
  std::string swapped = signer->path(other);
  swapped = swapped.substr(0, swapped.rfind('/')) + link.substr(link.rfind('/'));
  EXPECT_EQ(http_request("POST", url(swapped), "").status, 404);
  EXPECT_EQ(get("/tap/done/1/2026-11-26/1/abc").status, 404);
  TapSigner stranger(std::string(32, 'x'));
  EXPECT_EQ(get(stranger.path(done)).status, 404);
  Tap old{TapAction::kDone, ben, "2026-11-01", kNow - 1};
  auto expired = http_request("POST", url(signer->path(old)), "");
  EXPECT_EQ(expired.status, 410);
  EXPECT_NE(expired.body.find("expired"), std::string::npos);

  // Through the public host (a proxy): the tap pages answer, nothing else does, and they do
  // not link into the inbox.
  auto via_proxy = http_request("GET", url(link), "", {"Host: inbox.example.org"});
  EXPECT_EQ(via_proxy.status, 200);
  EXPECT_EQ(via_proxy.body.find("in the inbox</a>"), std::string::npos);
  EXPECT_EQ(http_request("GET", url("/"), "", {"Host: inbox.example.org"}).status, 421);
  EXPECT_EQ(http_request("GET", url(person("ben@example.net")), "", {"Host: inbox.example.org"})
                .status,
            421);
  EXPECT_EQ(http_request("GET", url(link), "", {"Host: evil.example"}).status, 421);
}

TEST_F(WebInboxTest, SourcesShowEachReadAndReadNowMakesOneDue) {
  auto feed = store->source("feed", "podcast", "https://slowgarden.example/feed.xml", kNow);
  ASSERT_TRUE(feed);
  ASSERT_TRUE(store->record_failure(
      feed->id, make_error(ErrorCode::kNetwork, "HTTP 503 <b>busy</b>", feed->location), kNow));
  Batch refused;
  refused.cursor = "rows";
  refused.warnings = {"line 4: no email or phone", "line 9: the date \"31/02/2026\" is not a date"};
  auto import = store->source("import", "website-form", "/exports/form.csv", kNow);
  ASSERT_TRUE(store->commit_batch(import->id, refused, kNow));
  auto page = get("/sources");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h3>podcast <span class=\"kind\">feed</span></h3>"),
            std::string::npos);
  EXPECT_NE(page.body.find("Failing 1 time: https://slowgarden.example/feed.xml: HTTP 503 "
                           "&lt;b&gt;busy&lt;/b&gt;"),
            std::string::npos);
  EXPECT_NE(page.body.find("Last read: 2 rows refused"), std::string::npos);
  EXPECT_NE(page.body.find("line 9: the date &quot;31/02/2026&quot; is not a date"),
            std::string::npos);
  EXPECT_NE(page.body.find("<h3>replies <span class=\"kind\">maildir</span></h3>"),
            std::string::npos);

  auto read = post("/sources/read", "name=podcast");
  ASSERT_EQ(read.status, 200);
  EXPECT_NE(read.body.find("at the next <code>rapport run</code>"), std::string::npos);
  auto states = store->sources();
  ASSERT_TRUE(states);
  for (const auto& st : *states) {
    if (st.name == "podcast") {
      EXPECT_EQ(st.next_poll_at, kNow);
    }
  }
  EXPECT_EQ(post("/sources/read", "name=nowhere").status, 404);
  EXPECT_EQ(post("/sources/read", "name=podcast", false).status, 403);
  // Served by the daemon, which sleeps until its next poll is due: it is woken.
  int woken = 0;
  options.schedule_changed = [&woken] { ++woken; };
  restart();
  EXPECT_NE(post("/sources/read", "name=podcast").body.find("within a few seconds"),
            std::string::npos);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(post("/sources/read", "name=nowhere").status, 404);
  EXPECT_EQ(woken, 1);
}

TEST_F(WebInboxTest, PastDigestsShowWhoEachListedAndWhatRepliesToThemDid) {
  EXPECT_NE(get("/digests").body.find("No digest has been made yet."), std::string::npos);
  auto digest = pipeline::build_digest(*store, options.digest, kNow);
  ASSERT_TRUE(digest);
  auto id = store->record_digest(*digest);
  ASSERT_TRUE(id);
  ASSERT_TRUE(store->mark_digest_delivered(*id, "file /home/sam/digests/x.eml", "<d@x>", kNow));
  ASSERT_TRUE(store->keep_digest_text(*id, "Good morning, Sam. 3 people to answer <today>."));
  ASSERT_TRUE(store->record_digest_command("reply-1", "done 2", "answered: Ben Okafor", kNow));
  auto page = get("/digests");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h3>" + digest->slot + "</h3>"), std::string::npos);
  EXPECT_NE(page.body.find("file /home/sam/digests/x.eml"), std::string::npos);
  for (const auto& item : digest->items) {
    EXPECT_NE(page.body.find("href=\"/people/" + std::to_string(item.who.contact_id) + "\""),
              std::string::npos);
  }
  EXPECT_NE(page.body.find("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(page.body.find("<code>done 2</code> → answered: Ben Okafor"), std::string::npos);
  EXPECT_NE(page.body.find("<summary>The email as sent</summary><div class=\"words whole\">"
                           "Good morning, Sam. 3 people to answer &lt;today&gt;."),
            std::string::npos);
}

TEST_F(WebInboxTest, ASuggestedDuplicateIsAcceptedOrSaidToBeSomeoneElse) {
  // Ana writes again from her work address; Ben's namesake is someone else.
  Batch b;
  b.cursor = "2";
  b.messages.push_back(mail("a3@work.example", "Ana López", "ana.lopez@work.example",
                            "Compost at the office", "We started a bin at work!", kNow - kDay));
  b.messages.push_back(mail("b2@other.example", "Ben Okafor", "ben.okafor@other.example",
                            "Hello", "First time writing.", kNow - kDay));
  std::vector<Episode> none;
  for (auto& m : b.messages) pipeline::process_message(m, none, {});
  ASSERT_TRUE(store->commit_batch(store->source("maildir", "replies", "/mail", kNow)->id, b, kNow));
  const std::int64_t ana = id_of("ana.lopez@example.org");
  const std::int64_t ana_work = id_of("ana.lopez@work.example");
  const std::int64_t ben = id_of("ben@example.net");
  const std::int64_t ben2 = id_of("ben.okafor@other.example");
  ASSERT_NE(ana, ana_work);

  auto page = get("/people/" + std::to_string(ana));
  ASSERT_NE(page.body.find("Maybe the same person as"), std::string::npos);
  EXPECT_NE(page.body.find("ana.lopez@work.example"), std::string::npos);
  EXPECT_NE(page.body.find("Same person: merge"), std::string::npos);

  // Accepted: one person, with the suggestion's evidence kept on the merge.
  auto merged = post("/people/" + std::to_string(ana) + "/merge",
                     "other=" + std::to_string(ana_work));
  EXPECT_EQ(merged.status, 303);
  EXPECT_EQ(*store->find_contact("ana.lopez@work.example"), ana);
  auto merges = store->contact_detail(ana, false)->merges;
  ASSERT_FALSE(merges.empty());
  EXPECT_NE(merges.back().evidence.find("the creator said they are one person"),
            std::string::npos);
  EXPECT_EQ(get("/people/" + std::to_string(ana)).body.find("Maybe the same person as"),
            std::string::npos);

  // Not the same person: recorded, and never suggested again.
  ASSERT_NE(get("/people/" + std::to_string(ben)).body.find("Not the same person"),
            std::string::npos);
  EXPECT_EQ(post("/people/" + std::to_string(ben) + "/apart", "other=" + std::to_string(ben2))
                .status,
            303);
  EXPECT_TRUE(store->contacts_apart()->count(std::minmax(ben, ben2)));
  EXPECT_EQ(get("/people/" + std::to_string(ben)).body.find("Maybe the same person as"),
            std::string::npos);
  EXPECT_NE(*store->find_contact("ben.okafor@other.example"), ben);
  EXPECT_EQ(post("/people/" + std::to_string(ben) + "/apart", "other=" + std::to_string(ben))
                .status,
            400);
  EXPECT_EQ(post("/people/" + std::to_string(ben) + "/merge", "other=999999").status, 404);
  // Merging someone the suggestions missed, named as the CLI names people.
  EXPECT_EQ(post("/people/" + std::to_string(ben) + "/merge",
                 "who=" + url_encode("Ben.Okafor@Other.example"))
                .status,
            303);
  EXPECT_EQ(*store->find_contact("ben.okafor@other.example"), ben);
  auto nobody = post("/people/" + std::to_string(ben) + "/merge", "who=nobody%40nowhere.example");
  EXPECT_EQ(nobody.status, 404);
}

TEST_F(WebInboxTest, WithAPasswordEveryPageNeedsALoginThatIsLimitedAndExpires) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  options.login = std::make_shared<Login>(*hash);
  options.trusted_proxy = "127.0.0.1";
  restart();
  // Before a login: every page leads to it, and none says whether anything exists.
  for (const std::string& path : std::vector<std::string>{
           "/", "/waiting", person("ana.lopez@example.org"), "/people/999999", "/search?q=ana",
           "/sources", "/digests", "/nowhere"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.headers["location"], "/login") << path;
    EXPECT_EQ(r.body.find("Ana"), std::string::npos) << path;
  }
  EXPECT_EQ(post(person("ben@example.net") + "/answered", "").status, 401);
  EXPECT_FALSE(store->contact_detail(id_of("ben@example.net"), false)->contact.last_answered_at);
  EXPECT_EQ(get("/static/inbox.css").status, 200);
  auto form = get("/login");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("type=\"password\""), std::string::npos);

  auto login = [&](const std::string& password, const std::string& from) {
    return http_request("POST", url("/login"),
                        "csrf=" + inbox->csrf_token() + "&password=" + url_encode(password),
                        {"Content-Type: application/x-www-form-urlencoded",
                         "X-Forwarded-For: " + from});
  };
  // Wrong passwords: five, then the address waits, even with the right one.
  for (int i = 0; i < 5; ++i) {
    auto wrong = login("Correct horse battery", "203.0.113.7");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(wrong.body.find("Wrong password."), std::string::npos);
  }
  auto limited = login("correct horse battery", "203.0.113.7");
  EXPECT_EQ(limited.status, 429);
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // Another visitor behind the same proxy is not held up.
  auto in = login("correct horse battery", "198.51.100.20");
  ASSERT_EQ(in.status, 303);
  EXPECT_EQ(in.headers["location"], "/");
  const std::string& cookie = in.headers["set-cookie"];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Max-Age=604800"), std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  auto today = http_request("GET", url("/"), "", {"Cookie: " + session});
  EXPECT_EQ(today.status, 200);
  EXPECT_NE(today.body.find("<a href=\"/logout\">Log out</a>"), std::string::npos);
  // Behind a proxy the Host is the public name: with a login, that is fine.
  EXPECT_EQ(http_request("GET", url("/"), "", {"Cookie: " + session, "Host: inbox.example.org"})
                .status,
            200);
  EXPECT_EQ(http_request("GET", url("/"), "", {"Cookie: rapport_session=" + std::string(64, 'a')})
                .status,
            303);
  // A week later the session is over.
  clock.advance(kSessionSeconds + 1);
  EXPECT_EQ(http_request("GET", url("/"), "", {"Cookie: " + session}).status, 303);
  clock.set(kNow);
  auto again = login("correct horse battery", "198.51.100.20");
  const std::string second = again.headers["set-cookie"].substr(0, again.headers["set-cookie"].find(';'));
  auto out = http_request("POST", url("/logout"), "csrf=" + inbox->csrf_token(),
                          {"Cookie: " + second, "Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(out.status, 303);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(http_request("GET", url("/"), "", {"Cookie: " + second}).status, 303);
}

TEST(OneTap, TheKeyIsMadeOnceReadableByItsOwnerAndADamagedOneIsRefused) {
  rapport::testing::TempDir dir;
  auto file = dir.path() / "web-links.key";
  auto first = load_or_create_tap_key(file);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->size(), 32u);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto second = load_or_create_tap_key(file);
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  // Two signers with the same key agree; a link survives a restart.
  Tap t{TapAction::kSnoozeWeek, 7, "2026-11-29", 1797000000};
  EXPECT_EQ(TapSigner(*first).verify(TapSigner(*second).path(t))->contact_id, 7);
  std::filesystem::resize_file(file, 5);
  auto damaged = load_or_create_tap_key(file);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().what.find("damaged"), std::string::npos);
}

TEST(WebForm, DecodesFieldsAndBoundsTheirNumber) {
  Form f = Form::parse("a=1&b=two+words%21&c=%zz&d&=x&a=2");
  EXPECT_EQ(f.get("a"), "1");
  EXPECT_EQ(f.get("b"), "two words!");
  EXPECT_EQ(f.get("c"), "%zz");
  EXPECT_TRUE(f.has("d"));
  EXPECT_EQ(f.get("d"), "");
  EXPECT_FALSE(f.has("e"));
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "k" + std::to_string(i) + "=v&";
  Form big = Form::parse(many);
  EXPECT_TRUE(big.has("k63"));
  EXPECT_FALSE(big.has("k64"));
  EXPECT_EQ(url_decode(url_encode("ä ö/?&=")), "ä ö/?&=");
}

}  // namespace
}  // namespace rapport::web
