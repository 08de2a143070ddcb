#include <gtest/gtest.h>

#include <functional>

#include "pipeline/link.h"
#include "pipeline/rank.h"
#include "pipeline/resolve.h"

namespace rapport::pipeline {
namespace {

std::vector<Episode> episodes() {
  std::vector<Episode> e(3);
  e[0] = {1,  "g9", "Ep. 9: Saving Seed for Beginners", "https://x.example/9", 0, "", 9, 1, 0,
          "", {}, ""};
  e[1] = {2,
          "g10",
          "Ep. 10: Letting the Meadow Decide",
          "https://x.example/10-meadow",
          0,
          "",
          10,
          1,
          0,
          "",
          {},
          ""};
  e[2] = {3, "gb", "Bonus", "https://x.example/bonus", 0, "", std::nullopt, std::nullopt,
          0, "",   {}, ""};
  return e;
}

Message with_subject(const std::string& subject, const std::string& text = "") {
  Message m;
  m.subject = subject;
  m.text = text;
  return m;
}

TEST(LinkEpisode, MatchesTheTitleBehindReplyPrefixes) {
  EXPECT_EQ(link_episode(with_subject("Re: Ep. 10: Letting the Meadow Decide"), episodes()), 2);
  EXPECT_EQ(link_episode(with_subject("AW: SV: ep 10 -- letting the meadow decide!"), episodes()),
            2);
  EXPECT_EQ(link_episode(with_subject("Re\xC2\xA0: Ep. 9: Saving Seed for Beginners"), episodes()),
            1);
}

TEST(LinkEpisode, FindsATitleInsideALongerSubject) {
  EXPECT_EQ(link_episode(with_subject("Fwd: my thoughts on Saving Seed for Beginners (long)"),
                         episodes()),
            1);
}

TEST(LinkEpisode, FallsBackToTheEpisodeNumberThenALink) {
  EXPECT_EQ(link_episode(with_subject("Question about episode 9"), episodes()), 1);
  EXPECT_EQ(link_episode(with_subject("Re: #10 and the council"), episodes()), 2);
  EXPECT_EQ(link_episode(with_subject("Hello", "I loved https://x.example/10-meadow so much"),
                         episodes()),
            2);
}

TEST(LinkEpisode, ALinkIsAWholeUrlNotTheStartOfAnother) {
  // ".../9" was found in ".../90": a reply quoting episode 90's page was linked to episode 9.
  EXPECT_EQ(link_episode(with_subject("Hello", "See https://x.example/90-compost, wow"), episodes()),
            std::nullopt);
  EXPECT_EQ(link_episode(with_subject("Hello", "Loved https://x.example/9."), episodes()), 1);
  EXPECT_EQ(link_episode(with_subject("Hello", "(https://x.example/9)"), episodes()), 1);
  EXPECT_EQ(link_episode(with_subject("Hello", "https://x.example/9?utm=mail"), episodes()), 1);
  Message comment;
  comment.url = "https://x.example/bonus-2/#comment-4";  // another page, not under /bonus
  EXPECT_EQ(link_episode(comment, episodes()), std::nullopt);
  comment.url = "https://x.example/bonus/#comment-4";
  EXPECT_EQ(link_episode(comment, episodes()), 3);
}

TEST(LinkEpisode, LeavesUnrelatedMessagesUnlinked) {
  EXPECT_EQ(link_episode(with_subject("A question about your seed swap"), episodes()),
            std::nullopt);
  EXPECT_EQ(link_episode(with_subject("Deep 10 inch beds"), episodes()),
            std::nullopt);  // not "ep 10"
  EXPECT_EQ(link_episode(with_subject("Re: Bonus"), {}), std::nullopt);
}

TEST(LinkEpisode, AReplyToASentNewsletterLinksToItsEpisodeFirst) {
  auto e = episodes();
  e[1].newsletter_ids = {"ep010.newsletter@slowgarden.example"};
  Message m = with_subject("Re: Ep. 9: Saving Seed for Beginners");  // the subject says 9
  m.in_reply_to = "ep010.newsletter@slowgarden.example";
  EXPECT_EQ(link_episode(m, e), 2);
  Message deeper = with_subject("Re: Re: our chat");
  deeper.in_reply_to = "CAK1234@mail.gmail.com";
  deeper.references = {"ep010.newsletter@slowgarden.example", "CAK1234@mail.gmail.com"};
  EXPECT_EQ(link_episode(deeper, e), 2);
  Message other = with_subject("Re: our chat");
  other.in_reply_to = "ep011.newsletter@slowgarden.example";
  EXPECT_EQ(link_episode(other, e), std::nullopt);
}

TEST(IsNewsletter, ListHeadersBccOrManyRecipientsButNotAPersonalReply) {
  Message m;
  m.from = {"Sam", "sam@slowgarden.example"};
  m.to = {{"", "ana@example.org"}};
  EXPECT_FALSE(is_newsletter(m));  // a reply to one listener
  m.to.push_back({"", "ben@example.org"});
  EXPECT_FALSE(is_newsletter(m));
  Message listed = m;
  listed.headers = {{"List-Unsubscribe", "<https://slowgarden.example/u/abc>"}};
  EXPECT_TRUE(is_newsletter(listed));
  Message bulk = m;
  bulk.headers = {{"Precedence", "bulk"}};
  EXPECT_TRUE(is_newsletter(bulk));
  Message to_self = m;
  to_self.to = {{"Sam", "Sam@Slowgarden.example"}};  // the list in Bcc
  EXPECT_TRUE(is_newsletter(to_self));
  Message undisclosed = m;
  undisclosed.to = {{"undisclosed-recipients", ""}};
  EXPECT_TRUE(is_newsletter(undisclosed));
  Message many = m;
  many.to.clear();
  for (int i = 0; i < 12; ++i) many.to.push_back({"", "l" + std::to_string(i) + "@example.org"});
  EXPECT_TRUE(is_newsletter(many));
}

TEST(Resolve, NormalisesEmailIdentities) {
  EXPECT_EQ(email_identity("  <Amelie.Durand@Orange.FR> ").value, "amelie.durand@orange.fr");
  EXPECT_EQ(email_identity("mailto:ben@carterbakes.example").value, "ben@carterbakes.example");
  EXPECT_TRUE(email_identity("Sam Rivera").empty());
  EXPECT_TRUE(email_identity("@example.org").empty());
  EXPECT_TRUE(email_identity("a b@example.org").empty());
  EXPECT_TRUE(email_identity("ana@localdomain").empty());
}

TEST(Resolve, ShowsHumanNamesOnly) {
  EXPECT_EQ(display_name({"\"Hannah Lee\"", "h@x"}), "Hannah Lee");
  EXPECT_EQ(display_name({"hannah.lee@icloud.com", "h@x"}), "");
  EXPECT_EQ(display_name({"MAILER-DAEMON", "m@x"}), "");
  EXPECT_EQ(display_name({"Mail Delivery System", "m@x"}), "");
}

TEST(Resolve, BouncesAndListMailCarryNoPerson) {
  Message m;
  m.from = {"Mail Delivery System", "MAILER-DAEMON@mx.example"};
  m.message_class = MessageClass::kBounce;
  resolve(m);
  EXPECT_TRUE(m.identity.empty());
  Message ooo;
  ooo.from = {"Klaus Becker", "Klaus.Becker@GMX.de"};
  ooo.message_class = MessageClass::kAutoReply;
  resolve(ooo);
  EXPECT_EQ(ooo.identity.value, "klaus.becker@gmx.de");
  EXPECT_EQ(ooo.display_name, "Klaus Becker");
}

DigestCandidate candidate(std::int64_t id, UnixTime first_seen, int total, int waiting) {
  DigestCandidate c;
  c.contact_id = id;
  c.display_name = "Person " + std::to_string(id);
  c.address = "p" + std::to_string(id) + "@example.org";
  c.first_seen_at = first_seen;
  c.waiting_since = first_seen;
  c.total_human_messages = total;
  c.unanswered_messages = waiting;
  return c;
}

// A regular who has written before, was answered, and waits no time: every signal at zero.
DigestCandidate plain_candidate(UnixTime now) {
  DigestCandidate c = candidate(1, now - 400 * 86400, 2, 1);
  c.waiting_since = now;
  c.last_answered_at = now;
  return c;
}

TEST(Rank, ScoresEverySignalByItsWeight) {
  const UnixTime now = 1000 * 86400;
  RankWeights w;
  const DigestCandidate base = plain_candidate(now);
  EXPECT_DOUBLE_EQ(score(base, now, w), 0.0);
  struct Signal {
    const char* name;
    std::function<void(DigestCandidate&)> set;
    double expected;
  };
  std::vector<Signal> signals = {
      {"first time",
       [&](DigestCandidate& c) {
         c.total_human_messages = 1;
         c.last_answered_at.reset();
       },
       w.first_time + 0.0},
      {"a question", [](DigestCandidate& c) { c.reply_text = "Is it too late?"; },
       w.question + w.effort * 15 / 500.0},
      {"effort", [](DigestCandidate& c) { c.reply_text = std::string(1000, 'a'); }, w.effort * 2},
      {"effort is capped", [](DigestCandidate& c) { c.reply_text = std::string(9000, 'a'); },
       w.effort * 3},
      {"days waiting", [&](DigestCandidate& c) { c.waiting_since = now - 6 * 86400; },
       w.waiting_day * 6},
      {"unanswered", [](DigestCandidate& c) { c.unanswered_messages = 4; }, w.unanswered * 3},
      {"since the last answer", [&](DigestCandidate& c) { c.last_answered_at = now - 90 * 86400; },
       w.since_answer_month * 3},
      {"a boost", [](DigestCandidate& c) { c.boost_sats = 2100; }, w.supporter},
      {"a supporter tag", [](DigestCandidate& c) { c.supporter = true; }, w.supporter},
      {"a recent episode", [&](DigestCandidate& c) { c.episode_published_at = now - 3 * 86400; },
       w.recent_episode},
      {"an old episode", [&](DigestCandidate& c) { c.episode_published_at = now - 60 * 86400; },
       0.0},
  };
  for (const auto& s : signals) {
    DigestCandidate c = base;
    s.set(c);
    EXPECT_NEAR(score(c, now, w), s.expected, 1e-9) << s.name;
  }
  // A weight of zero turns a signal off.
  RankWeights no_questions = w;
  apply_weights({{"question", 0.0}}, no_questions);
  DigestCandidate q = base;
  q.reply_text = "?";
  EXPECT_NEAR(score(q, now, no_questions), w.effort / 500.0, 1e-9);
}

TEST(Rank, OrdersByScoreDeterministicallyAndCutsAtMaxPeople) {
  const UnixTime now = 1000 * 86400;
  DigestCandidate quiet = plain_candidate(now);
  quiet.contact_id = 1;
  DigestCandidate asker = plain_candidate(now);
  asker.contact_id = 2;
  asker.reply_text = "What should I sow now?";
  DigestCandidate newcomer = plain_candidate(now);
  newcomer.contact_id = 3;
  newcomer.total_human_messages = 1;
  newcomer.last_answered_at.reset();
  DigestCandidate twin = quiet;  // the same score as `quiet`: the later contact goes first
  twin.contact_id = 4;
  auto items = rank({quiet, asker, newcomer, twin}, now, 3);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].who.contact_id, 3);
  EXPECT_EQ(items[1].who.contact_id, 2);
  EXPECT_EQ(items[2].who.contact_id, 4);
  EXPECT_EQ(rank({twin, newcomer, asker, quiet}, now, 3)[2].who.contact_id, 4);
}

TEST(Rank, GivesReasonsInPlainWords) {
  const UnixTime now = 100 * 86400;
  DigestCandidate first = candidate(1, 94 * 86400, 1, 1);
  first.reply_text = "Does the printing on cardboard matter?";
  first.episode_title = "Ep. 8: Putting the Beds to Sleep";
  first.episode_number = 8;
  EXPECT_EQ(reasons_for(first, now),
            (std::vector<std::string>{"first time writing", "asked a question", "waiting 6 days",
                                      "replied to Ep. 8: Putting the Beds to Sleep"}));
  DigestCandidate regular = candidate(2, 99 * 86400 + 3600, 4, 4);
  regular.episode_title = "Letting the Meadow Decide";
  regular.episode_number = 41;
  EXPECT_EQ(reasons_for(regular, now),
            (std::vector<std::string>{"4th message, never answered",
                                      "replied to Ep. 41: Letting the Meadow Decide"}));
  DigestCandidate answered = candidate(3, 10 * 86400, 7, 2);
  answered.last_answered_at = 40 * 86400;
  answered.waiting_since = 99 * 86400;
  answered.episode_title = "Bonus";
  EXPECT_EQ(reasons_for(answered, now),
            (std::vector<std::string>{"2 messages since your last answer", "waiting 1 day",
                                      "last answered 2 months ago",
                                      "replied to \xE2\x80\x9C"
                                      "Bonus\xE2\x80\x9D"}));
  DigestCandidate booster = candidate(4, 99 * 86400, 1, 1);
  booster.boost_sats = 2100;
  EXPECT_EQ(
      reasons_for(booster, now),
      (std::vector<std::string>{"first time writing", "waiting 1 day", "boosted 2,100 sats"}));
}

TEST(Rank, WritesOrdinals) {
  EXPECT_EQ(ordinal(1), "1st");
  EXPECT_EQ(ordinal(2), "2nd");
  EXPECT_EQ(ordinal(3), "3rd");
  EXPECT_EQ(ordinal(4), "4th");
  EXPECT_EQ(ordinal(11), "11th");
  EXPECT_EQ(ordinal(12), "12th");
  EXPECT_EQ(ordinal(22), "22nd");
  EXPECT_EQ(ordinal(101), "101st");
}

}  // namespace
}  // namespace rapport::pipeline
