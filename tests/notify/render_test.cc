#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/text.h"
#include "ingest/mail/mail_parser.h"
#include "notify/digest_render.h"
#include "notify/mailer.h"
#include "notify/mime_writer.h"
#include "tests/support/temp_dir.h"

namespace rapport::notify {
namespace {

using testing::TempDir;

// Compares with tests/data/golden/NAME; RAPPORT_UPDATE_GOLDEN=1 rewrites the file instead.
void expect_golden(const std::string& name, const std::string& actual) {
  std::filesystem::path path = std::filesystem::path(RAPPORT_TEST_DATA) / "golden" / name;
  if (std::getenv("RAPPORT_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, testing::read_file(path)) << "golden file " << path
                                              << " differs; rerun with RAPPORT_UPDATE_GOLDEN=1 "
                                                 "if the change is intended";
}

Digest sample_digest() {
  Digest d;
  d.slot = "2026-11-25";
  d.generated_at = 1795597200;  // Wed 25 Nov 2026 08:00 UTC
  d.show = "The Slow Garden";
  d.waiting_total = 3;
  DigestItem a;
  a.who.contact_id = 7;
  a.who.display_name = "Amélie Durand";
  a.who.address = "amelie.durand@orange.fr";
  a.who.subject = "Re: Ep. 9: Saving Seed for Beginners";
  a.who.message_id = "1f9c2b7e@orange.fr";
  a.who.reply_text =
      "I did the paper-towel test with ten seeds and eight germinated —\nhuit sur dix !\n\nIs the "
      "fridge a problem?";
  a.reasons = {"first time writing", "asked a question", "waiting 14 days",
               "replied to Ep. 9: Saving Seed for Beginners"};
  a.who.identity_kind = "email";
  a.who.received_at = 1794380000;  // Wed 11 Nov 2026
  a.who.episode_link = "https://slowgarden.example/9";
  a.who.conversation = {{41, 1794380000, "email", a.who.subject, a.who.reply_text, "", ""}};
  a.excerpt = {{0, "I did the paper-towel test with ten seeds and eight germinated — huit sur dix ! "
                   "Is the fridge a problem?"}};
  DigestItem b;
  b.who.contact_id = 3;
  b.who.address = "s.adeyemi@yahoo.com";
  b.who.subject = "Re: Ep. 10: Letting the Meadow Decide";
  b.who.reply_text = "What would you write on the sign?";
  b.reasons = {"2nd message, never answered", "asked a question", "waiting 1 day"};
  b.who.total_human_messages = 2;
  b.who.first_seen_at = 1792000000;  // Oct 2026
  b.who.identities = {"s.adeyemi@yahoo.com", "instagram:samuel.grows"};
  b.who.identity_kind = "email";
  b.who.message_kind = "form";
  b.who.received_at = 1795500000;
  b.who.thread_subject = b.who.subject;
  b.who.thread_message_id = "sa-2@yahoo.com";
  b.who.conversation = {
      {52, 1792000000, "email", b.who.subject,
       "Our verge is a meadow now. The council put up a sign: https://council.example/verges.", "", ""},
      {58, 1795500000, "form", "", b.who.reply_text, "", ""}};
  b.excerpt = {{0, "Our verge is a meadow now. The council put up a sign: https://council.example/verges."},
               {1, "What would you write on the sign?"}};
  d.items = {a, b};
  d.counts.messages = 30;
  d.counts.human_messages = 28;
  d.counts.contacts = 16;
  PeriodSummary period;
  period.since = 1795420800;  // Mon 23 Nov 2026
  period.replies = 12;
  period.new_people = 4;
  period.by_episode = {{"Ep. 10: Letting the Meadow Decide", 7}, {"Ep. 9: Saving Seed", 3}};
  d.period = period;
  return d;
}

TEST(DigestRender, TextMatchesTheGoldenFile) {
  expect_golden("digest.txt", render_text(sample_digest(), {"Sam Rivera", 280}));
}

TEST(DigestRender, HtmlMatchesTheGoldenFile) {
  expect_golden("digest.html", render_html(sample_digest(), {"Sam Rivera", 280}));
}

TEST(DigestRender, EscapesHostileListenerText) {
  Digest d = sample_digest();
  d.items[0].who.display_name = "<script>alert('x')</script> \"Eve\"";
  d.items[0].who.reply_text = "<img src=x onerror=alert(1)> & \u202Eevil right-to-left";
  d.items[0].excerpt = {{0, d.items[0].who.reply_text + " https://x.example/\"><script>"}};
  d.items[0].who.conversation[0].reply_text = d.items[0].who.reply_text;
  d.items[0].who.subject = "Re: <b>bold</b>\r\nBcc: victim@example.org";
  std::string html = render_html(d, {"Sam", 280});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;Eve&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt; &amp;"), std::string::npos);
  // A link in their words ends where markup would begin; what follows is text.
  EXPECT_NE(html.find("<a href=\"https://x.example/\" style=\"color:#1d5c8f;\">https://x.example/</a>"
                      "&quot;&gt;&lt;script&gt;"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("dir=\"auto\""), std::string::npos);  // right-to-left text isolated
  std::string text = render_text(d, {"Sam", 280});
  EXPECT_EQ(text.find("\r"), std::string::npos);
  EXPECT_EQ(text.find("\nBcc:"), std::string::npos);
}

TEST(DigestRender, OneTapLinksFollowEachPersonAndOnlyWebAddressesBecomeLinks) {
  Digest d = sample_digest();
  ASSERT_FALSE(d.items.empty());
  const std::string done = "https://inbox.example.org/tap/done/12/2026-11-25/1797000000/ab12";
  d.items[0].actions = {{"Done", done},
                        {"Snooze a week", "https://inbox.example.org/tap/snooze-week/12/x"},
                        {"Evil", "javascript:alert(1)"}};
  std::string text = render_text(d, {"Sam Rivera", 280});
  EXPECT_NE(text.find("   Done: " + done + "\n"), std::string::npos);
  EXPECT_NE(text.find("   Snooze a week: https://inbox.example.org/tap/snooze-week/12/x\n"),
            std::string::npos);
  EXPECT_EQ(text.find("javascript:"), std::string::npos);
  std::string html = render_html(d, {"Sam Rivera", 280});
  EXPECT_NE(html.find("<a href=\"" + done + "\" style=\"color:#1d5c8f;\">Done</a> &middot; "),
            std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  // Without links the digest is as before (the golden files above).
  EXPECT_EQ(render_text(sample_digest(), {"Sam Rivera", 280}).find("/tap/"), std::string::npos);
}

TEST(DigestRender, ListsSourcesThatNeedALook) {
  Digest d = sample_digest();
  SourceState failing;
  failing.name = "podcast";
  failing.kind = "feed";
  failing.consecutive_failures = 3;
  failing.last_success_at = 1795400000;
  failing.last_error = "https://slowgarden.example/feed.xml: HTTP 503 <b>";
  SourceState gone;
  gone.name = "old-show";
  gone.kind = "feed";
  gone.dead_since = 1795000000;
  d.needs_attention = {failing, gone};
  std::string text = render_text(d, {"Sam", 280});
  EXPECT_NE(
      text.find("Sources that need a look:\n- podcast (feed): failing, 3 times in a row, last "
                "read 2026-11-23: https://slowgarden.example/feed.xml: HTTP 503 <b>\n"
                "- old-show (feed): gone since 2026-11-18; change its url in the config to "
                "read it again\n"),
      std::string::npos)
      << text;
  std::string html = render_html(d, {"Sam", 280});
  EXPECT_NE(html.find("<li>podcast (feed): failing, 3 times in a row, last read 2026-11-23: "
                      "https://slowgarden.example/feed.xml: HTTP 503 &lt;b&gt;</li>"),
            std::string::npos)
      << html;
  EXPECT_EQ(render_text(sample_digest(), {"Sam", 280}).find("need a look"), std::string::npos);
}

TEST(DigestRender, ReplyLinkCarriesSubjectAndInReplyTo) {
  DigestCandidate c;
  c.address = "amelie.durand@orange.fr";
  c.subject = "AW: Ep. 9 & more?";
  c.message_id = "1f9c@orange.fr";
  EXPECT_EQ(reply_link(c),
            "mailto:amelie.durand@orange.fr?subject=Re%3A%20Ep.%209%20%26%20more%3F"
            "&In-Reply-To=%3C1f9c@orange.fr%3E&References=%3C1f9c@orange.fr%3E");
}

TEST(DigestRender, AReplyContinuesTheEmailThreadWithTheirWordsQuotedUnder2000) {
  // Her newest message came through the form; her earlier one was an email: the link answers
  // the email's thread, with its subject, In-Reply-To and References, her words quoted.
  DigestCandidate c;
  c.display_name = "Maya Lind";
  c.address = "maya@example.org";
  c.identity_kind = "email";
  c.subject = "";
  c.message_kind = "form";
  c.thread_subject = "Re: Ep. 12: Seed swaps";
  c.thread_message_id = "ask@example.org";
  c.thread_references = {"ep12@slowgarden.example"};
  c.conversation = {{41, 1795600000, "email", "Re: Ep. 12: Seed swaps",
                     "Could you do a follow-up episode?\n\nTwo colleagues would talk.", "", ""},
                    {57, 1795700000, "form", "", "No rush at all!", "", ""}};
  std::string link = reply_link(c);
  EXPECT_EQ(link.rfind("mailto:maya@example.org?subject=Re%3A%20Ep.%2012%3A%20Seed%20swaps"
                       "&In-Reply-To=%3Cask@example.org%3E"
                       "&References=%3Cep12@slowgarden.example%3E%20%3Cask@example.org%3E&body=On%20",
                       0),
            0u)
      << link;
  EXPECT_NE(link.find("Maya%20Lind%20wrote%3A%0A%3E%20Could%20you%20do%20a%20follow-up%20episode%3F"
                      "%0A%3E%0A%3E%20Two%20colleagues"),
            std::string::npos)
      << link;
  EXPECT_NE(link.find("%3E%20No%20rush%20at%20all%21%0A"), std::string::npos);
  // A long conversation: the body stops at a line, and the link stays under 2,000 characters.
  c.conversation[0].reply_text = std::string(300, 'x') + "\n";
  for (int i = 0; i < 100; ++i) c.conversation[0].reply_text += "Line " + std::to_string(i) + " of a long story.\n";
  link = reply_link(c);
  EXPECT_LT(link.size(), 2000u);
  EXPECT_EQ(link.substr(link.size() - 3), "%0A") << "cut at the end of a line";
}

TEST(DigestRender, PeopleReachableOnlyByPhoneOrHandleAreToldHowNeverAMailto) {
  DigestCandidate phone;
  phone.identity_kind = "phone";
  phone.identity_value = "+447700900123";
  phone.address = "+44 7700 900123";
  EXPECT_EQ(how_to_answer(phone), "Call or text: tel:+447700900123");
  DigestCandidate handle;
  handle.identity_kind = "handle";
  handle.identity_value = "mastodon:ana@social.example";
  handle.url = "https://social.example/@ana/1134";
  EXPECT_EQ(how_to_answer(handle),
            "Answer on Mastodon (@ana@social.example): https://social.example/@ana/1134");
  handle.url = "javascript:alert(1)";
  EXPECT_EQ(how_to_answer(handle), "Answer on Mastodon (@ana@social.example)");
  EXPECT_EQ(reply_link(handle), "");
  // A Bluesky person is shown by the handle they write, not the DID they are known by.
  DigestCandidate bluesky;
  bluesky.identity_kind = "handle";
  bluesky.identity_value = "bluesky:did:plc:4w3qzk2nq7xlb6ymh5oe2mfa";
  bluesky.address = "@ana.bsky.social";
  bluesky.url = "https://bsky.app/profile/did:plc:4w3qzk2nq7xlb6ymh5oe2mfa/post/3lb2xq7kd4c2s";
  EXPECT_EQ(how_to_answer(bluesky),
            "Answer on Bluesky (@ana.bsky.social): "
            "https://bsky.app/profile/did:plc:4w3qzk2nq7xlb6ymh5oe2mfa/post/3lb2xq7kd4c2s");
  // An Apple Podcasts review has no link to answer by: Podcasts Connect is the place.
  DigestCandidate review;
  review.identity_kind = "handle";
  review.identity_value = "apple:https://itunes.apple.com/us/reviews/id583004271";
  review.address = "RadishQueen";
  EXPECT_EQ(how_to_answer(review), "Reply in Podcasts Connect: a review is answered there");
  EXPECT_EQ(reply_link(review), "");
  // Other platforms a webhook names keep the words they had.
  DigestCandidate insta;
  insta.identity_kind = "handle";
  insta.identity_value = "instagram:ana.grows";
  EXPECT_EQ(how_to_answer(insta), "Answer on instagram (@ana.grows)");
  DigestCandidate unknown;
  unknown.identity_kind = "unknown";
  EXPECT_EQ(how_to_answer(unknown), "No address to answer: the sender's could not be read");
}

TEST(DigestRender, WebAddressesInAPersonsWordsBecomeLinksAndNothingElseDoes) {
  EXPECT_EQ(linkify_html("The playlist: https://open.example/pl?id=3&x=<b>. Also javascript:alert(1) "
                         "and (http://a.example/b)."),
            "The playlist: <a href=\"https://open.example/pl?id=3&amp;x=\" style=\"color:#1d5c8f;\">"
            "https://open.example/pl?id=3&amp;x=</a>&lt;b&gt;. Also javascript:alert(1) and "
            "(<a href=\"http://a.example/b\" style=\"color:#1d5c8f;\">http://a.example/b</a>).");
  EXPECT_EQ(linkify_html("see https:// nothing"), "see https:// nothing");
  EXPECT_EQ(linkify_html("\"https://x.example/\\\" onmouseover=alert(1)"),
            "&quot;<a href=\"https://x.example/\\\" style=\"color:#1d5c8f;\">https://x.example/\\</a>"
            "&quot; onmouseover=alert(1)");
}

TEST(DigestRender, SomeoneWhoWroteNoSubjectGetsAReplySubjectThatMakesSense) {
  // A form or a voicemail has no subject: the link said "Re: " and nothing.
  DigestCandidate c;
  c.address = "tariq@example.org";
  c.subject = "";
  EXPECT_EQ(reply_link(c, reply_subject_for("", "The Slow Garden")),
            "mailto:tariq@example.org?subject=Re%3A%20your%20message%20to%20The%20Slow%20Garden");
  EXPECT_EQ(reply_link(c), "mailto:tariq@example.org?subject=Re%3A%20your%20message");
  c.subject = "Re: ";  // a subject of nothing but a prefix is none either
  EXPECT_EQ(reply_link(c, reply_subject_for("Thanks for writing to {show}!", "Slow Garden")),
            "mailto:tariq@example.org?subject=Thanks%20for%20writing%20to%20Slow%20Garden%21");
  EXPECT_EQ(reply_subject_for("Re: your message to {show}", ""), "Re: your message");
  EXPECT_EQ(reply_subject_for("Hello from {show}", ""), "Hello from");
}

TEST(DigestRender, TheHistoryLineSaysOnlyWhatTheReasonsDoNot) {
  Digest d = sample_digest();
  DigestItem& item = d.items[1];
  item.reasons = {"2nd message, never answered", "asked a question"};
  std::string text = render_text(d, {"Sam", 280});
  EXPECT_NE(text.find("   writing since Oct 2026\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("never answered", text.find("writing since")), std::string::npos);
  // Answered before, the reasons say nothing of it: the history does.
  item.who.last_answered_at = 1789992000;  // 21 Sep 2026
  item.reasons = {"3 messages since your last answer"};
  text = render_text(d, {"Sam", 280});
  EXPECT_NE(text.find("   writing since Oct 2026 · last answered 21 Sep 2026\n"), std::string::npos)
      << text;
  item.reasons = {"asked a question", "last answered 2 months ago"};
  text = render_text(d, {"Sam", 280});
  EXPECT_NE(text.find("   2 messages since Oct 2026\n"), std::string::npos) << text;
}

TEST(DigestRender, AnEmptyListAfterASentOneSaysWhoStillWaitsAndWhenTheyComeBack) {
  Digest d = sample_digest();
  d.items.clear();
  d.waiting_total = 0;
  d.set_aside.listed = {4, 1795996800};   // Mon 30 Nov 2026
  d.set_aside.snoozed = {2, 1796256000};  // Thu 3 Dec 2026
  std::string text = render_text(d, {"Sam", 280});
  EXPECT_EQ(text.find("Nobody is waiting"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("Good morning, Sam. Nobody new to answer today.\n", 0), 0u) << text;
  EXPECT_NE(text.find("6 people still wait for an answer: 4 were in an earlier digest (back from "
                      "Mon 30 Nov) and 2 are snoozed (the first back Thu 3 Dec).\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(digest_subject(d), "Rapport: nobody new to answer today (6 still waiting)");
  std::string html = render_html(d, {"Sam", 280});
  EXPECT_NE(html.find("nobody new to answer today"), std::string::npos);
  EXPECT_NE(html.find("6 people still wait for an answer"), std::string::npos);
  // With people listed, the others are an aside.
  Digest listed = sample_digest();
  listed.set_aside.too_new = {1, 1795651200};
  EXPECT_NE(render_text(listed, {"Sam", 280})
                .find("Also waiting, not listed today: 1 wrote only just now (listed from Thu 26 "
                      "Nov).\n"),
            std::string::npos);
  // Truly nobody.
  Digest empty = sample_digest();
  empty.items.clear();
  empty.waiting_total = 0;
  EXPECT_NE(render_text(empty, {"Sam", 280}).find("Nobody is waiting for an answer today."),
            std::string::npos);
}

TEST(MimeWriter, EncodesNonAsciiHeadersAndBlocksInjection) {
  EXPECT_EQ(encode_header_text("Plain subject"), "Plain subject");
  EXPECT_EQ(encode_header_text("Evil\r\nBcc: victim@example.org"), "Evil  Bcc: victim@example.org");
  std::string encoded = encode_header_text("Amélie Durand");
  EXPECT_EQ(encoded, "=?UTF-8?B?QW3DqWxpZSBEdXJhbmQ=?=");
  EXPECT_EQ(ingest::decode_rfc2047(encoded), "Amélie Durand");
  std::string long_name(60, 'x');
  long_name += "é";
  std::string folded = encode_header_text(long_name);
  for (const auto& line : split_lines(folded)) EXPECT_LE(line.size(), 76u);
  EXPECT_EQ(ingest::decode_rfc2047(folded), long_name);
  EXPECT_EQ(format_address("Rivera, Sam \"the gardener\"", "sam@x.example"),
            "\"Rivera, Sam \\\"the gardener\\\"\" <sam@x.example>");
  EXPECT_EQ(format_address("", "sam@x.example>\r\nBcc: v@x"), "sam@x.exampleBcc:v@x");
}

TEST(MimeWriter, QuotedPrintableKeepsLinesShortAndRoundTrips) {
  std::string text =
      std::string(300, 'a') + " = é\n.leading dot\nFrom the start\ntrailing space \n";
  std::string qp = encode_quoted_printable(text);
  for (const auto& line : split_lines(qp)) EXPECT_LE(line.size(), 76u) << line;
  bool damaged = false;
  std::string back = ingest::decode_quoted_printable(qp, damaged);
  EXPECT_FALSE(damaged);
  std::string lf;
  for (char c : back) {
    if (c != '\r') lf += c;
  }
  EXPECT_EQ(lf, text);
}

TEST(MimeWriter, ComposesAMessageThatParsesBackWithBothParts) {
  OutgoingMessage m;
  m.from_name = "Rapport";
  m.from_address = "sam@slowgarden.example";
  m.to_name = "Sam Rivera";
  m.to_address = "sam@slowgarden.example";
  m.subject = "Rapport: 2 people to answer today — Amélie";
  m.message_id = "rapport-digest-2026-11-25.1@slowgarden.example";
  m.date = 1795597200;
  m.text = "Hello Amélie\n";
  m.html = "<p>Hello Amélie</p>\n";
  std::string raw = compose(m);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at byte " << i;
    }
  }
  Message parsed = ingest::parse_mail(raw, 0);
  EXPECT_EQ(parsed.subject, m.subject);
  EXPECT_EQ(parsed.message_id, m.message_id);
  EXPECT_EQ(parsed.received_at, m.date);
  EXPECT_EQ(parsed.text, "Hello Amélie");
  EXPECT_FALSE(parsed.text_from_html);
  EXPECT_TRUE(parsed.warnings.empty());
  EXPECT_NE(raw.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(raw.find("Auto-Submitted: auto-generated"), std::string::npos);
}

TEST(FileMailer, WritesTheMessageWholeAndReplacesTheSameStem) {
  TempDir dir;
  FileMailer mailer((dir.path() / "digests").string());
  auto first = mailer.send({"a@x", "b@x", "digest-2026-11-25"}, "first");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  auto second = mailer.send({"a@x", "b@x", "digest-2026-11-25"}, "second");
  ASSERT_TRUE(second.ok());
  auto path = dir.path() / "digests" / "digest-2026-11-25.eml";
  EXPECT_EQ(*second, "file " + path.string());
  EXPECT_EQ(testing::read_file(path), "second");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() / "digests"))
    ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
}

TEST(FileMailer, FailsClearlyWhenTheFolderCannotBeMade) {
  TempDir dir;
  dir.write("blocker", "a file where the folder should be");
  FileMailer mailer((dir.path() / "blocker" / "digests").string());
  auto r = mailer.send({"a@x", "b@x", "digest"}, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().hint.find("output_dir"), std::string::npos);
}

}  // namespace
}  // namespace rapport::notify

namespace rapport::notify {
namespace {

TEST(DigestRender, AVoicemailLinksToItsRecordingAndSaysHowToCallBack) {
  Digest d = sample_digest();
  DigestCandidate& c = d.items[0].who;
  c.identity_kind = "phone";
  c.identity_value = "+447700900123";
  c.address = "+44 7700 900123";
  c.display_name = "Caller";
  c.message_kind = "voicemail";
  c.details = "voicemail, 0:42";
  c.url = "https://vm.example/r/77.mp3";
  std::string text = render_text(d, {"Sam", 280});
  EXPECT_NE(text.find("   voicemail, 0:42\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   Recording: https://vm.example/r/77.mp3\n"), std::string::npos);
  EXPECT_NE(text.find("   Call or text: tel:+447700900123\n"), std::string::npos);
  EXPECT_EQ(text.find("mailto:+44"), std::string::npos);
  std::string html = render_html(d, {"Sam", 280});
  EXPECT_NE(html.find("<a href=\"https://vm.example/r/77.mp3\" style=\"color:#1d5c8f;\">Listen to the "
                      "recording</a>"),
            std::string::npos);
  c.url = "javascript:alert(1)";  // never a link
  EXPECT_EQ(render_html(d, {"Sam", 280}).find("javascript:"), std::string::npos);
}

}  // namespace
}  // namespace rapport::notify
