// Search: people by name (accents and case aside), by part of an address, phone or handle,
// and messages by the words people wrote; the index kept up to date by the store itself.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/store_backends.h"

namespace rapport {
namespace {

constexpr UnixTime kNow = 1795600000;

// The same on SQLite and PostgreSQL.
class SearchTest : public testing::StoreBackendTest {
 protected:
  void SetUp() override {
    auto s = open_store();
    ASSERT_TRUE(s) << s.error().to_string();
    store = std::move(*s);
    Episode e;
    e.guid = "ep-12";
    e.title = "Ep. 12: Compost in Winter";
    e.link = "https://slowgarden.example/12";
    e.published_at = kNow - 20 * 86400;
    Batch feed;
    feed.cursor = "f";
    feed.episodes.push_back(e);
    ASSERT_TRUE(store->commit_batch(store->source("feed", "show", "f", kNow)->id, feed, kNow));
    episodes = *store->episodes();
  }

  void add(const std::string& source, const std::string& id, const std::string& name,
           const std::string& address, const std::string& subject, const std::string& text,
           UnixTime at, const std::string& phone = "") {
    Message m;
    m.kind = phone.empty() ? MessageKind::kEmail : MessageKind::kForm;
    m.natural_key = "mid:" + id;
    m.message_id = id;
    m.from = {name, address};
    m.subject = subject;
    m.text = text;
    m.received_at = at;
    if (!phone.empty()) m.claims.push_back(Identity{"phone", phone, phone});
    pipeline::process_message(m, episodes, {});
    Batch b;
    b.cursor = id;
    b.messages.push_back(std::move(m));
    auto r = store->commit_batch(store->source("maildir", source, source, kNow)->id, b, kNow);
    ASSERT_TRUE(r) << r.error().to_string();
  }

  std::vector<std::string> people(const SearchQuery& q) {
    auto r = store->search(q);
    EXPECT_TRUE(r) << r.error().to_string();
    std::vector<std::string> names;
    if (r) {
      for (const auto& c : r->people) names.push_back(c.display_name);
    }
    return names;
  }
  std::vector<std::string> people(const std::string& text) {
    SearchQuery q;
    q.text = text;
    return people(q);
  }
  std::vector<std::string> subjects(const SearchQuery& q) {
    auto r = store->search(q);
    EXPECT_TRUE(r) << r.error().to_string();
    std::vector<std::string> out;
    if (r) {
      for (const auto& h : r->messages) out.push_back(h.subject);
    }
    return out;
  }
  std::vector<std::string> subjects(const std::string& text) {
    SearchQuery q;
    q.text = text;
    return subjects(q);
  }

  std::unique_ptr<SqlStore> store;
  std::vector<Episode> episodes;
};
RAPPORT_ON_BOTH_BACKENDS(SearchTest);

using Names = std::vector<std::string>;

TEST_P(SearchTest, FindsPeopleByNameWithoutAccentsOrCaseFromTheStartOfAnyWord) {
  add("replies", "1@x", "José Müller", "jose.mueller@gmx.de", "Re: Ep. 12: Compost in Winter",
      "Hola!", kNow - 5 * 86400);
  add("replies", "2@x", "Zoë O'Brien", "zoe@example.ie", "Hi", "Hello there", kNow - 4 * 86400);
  add("replies", "3@x", "Anna Jose", "anna@example.org", "Hi", "Hello", kNow - 3 * 86400);
  EXPECT_EQ(people("jose"), (Names{"Anna Jose", "José Müller"}));  // newest first
  EXPECT_EQ(people("MULLER"), Names{"José Müller"});
  EXPECT_EQ(people("müller"), Names{"José Müller"});
  EXPECT_EQ(people("jose mul"), Names{"José Müller"});
  EXPECT_EQ(people("zoe"), Names{"Zoë O'Brien"});
  EXPECT_EQ(people("obrien"), Names{"Zoë O'Brien"});
  EXPECT_TRUE(people("üller").empty());  // not the middle of a word (nor of an address)
}

TEST_P(SearchTest, FindsPeopleByAnyPartOfAnAddressOrPhone) {
  add("replies", "1@x", "Ana López", "Ana.Lopez@Gmail.com", "Hi", "Hello", kNow - 5 * 86400);
  add("forms", "f1", "Ben Okafor", "ben@example.net", "", "Call me back about the garden",
      kNow - 2 * 86400, "+44 7700 900123");
  EXPECT_EQ(people("gmail.com"), Names{"Ana López"});
  EXPECT_EQ(people("ana.lopez@"), Names{"Ana López"});
  EXPECT_EQ(people("07700 900123"), Names{"Ben Okafor"});
  EXPECT_EQ(people("900123"), Names{"Ben Okafor"});
  EXPECT_EQ(people("(7700) 900-123"), Names{"Ben Okafor"});
  EXPECT_TRUE(people("7700 900124").empty());
}

TEST_P(SearchTest, FindsMessagesByTheWordsPeopleWroteNotTheQuotedHistory) {
  add("replies", "1@x", "Ana López", "ana@example.org", "Re: Ep. 12: Compost in Winter",
      "Would you do an episode on leaf mould? Our café garden has too many leaves.\n\n"
      "On Tue, Sam Rivera wrote:\n> Next week: worm farms and bokashi.\n",
      kNow - 5 * 86400);
  add("replies", "2@x", "Ben Okafor", "ben@example.net", "Thanks", "Composting changed my life.",
      kNow - 2 * 86400);
  EXPECT_EQ(subjects("leaf mould"), Names{"Re: Ep. 12: Compost in Winter"});
  EXPECT_EQ(subjects("CAFE"), Names{"Re: Ep. 12: Compost in Winter"});  // accent aside
  EXPECT_EQ(subjects("compost"),
            (Names{"Thanks", "Re: Ep. 12: Compost in Winter"}));  // a word's start; newest first
  EXPECT_TRUE(subjects("bokashi").empty());  // only quoted: the creator's own words
  EXPECT_TRUE(subjects("leaf bokashi").empty());
  auto r = store->search(SearchQuery{"mould", "", "", "", 10});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].contact_name, "Ana López");
  EXPECT_NE(r->messages[0].snippet.find("leaf \x02mould\x03?"), std::string::npos)
      << r->messages[0].snippet;
}

TEST_P(SearchTest, WhatArrivesAfterASearchIsFoundByTheNextAndIndexedOnce) {
  add("replies", "1@x", "Ana López", "ana@example.org", "Hi", "Tomatoes split in the rain",
      kNow - 5 * 86400);
  EXPECT_EQ(subjects("tomatoes").size(), 1u);
  EXPECT_EQ(*store->index_for_search(1000), 0);
  add("replies", "2@x", "Ben Okafor", "ben@example.net", "Tomatoes", "Mine too", kNow - 86400);
  add("replies", "3@x", "Cleo Park", "cleo@example.net", "Tomatoes", "Same", kNow);
  EXPECT_EQ(*store->index_for_search(1), 1);  // at most what was asked
  EXPECT_EQ(subjects("tomatoes").size(), 3u);
  EXPECT_EQ(*store->index_for_search(1000), 0);
  // The same message read again (same natural key) is neither stored nor indexed twice.
  add("replies", "3@x", "Cleo Park", "cleo@example.net", "Tomatoes", "Same", kNow);
  EXPECT_EQ(*store->index_for_search(1000), 0);
  EXPECT_EQ(subjects("tomatoes").size(), 3u);
}

TEST_P(SearchTest, NarrowsByTagSourceAndEpisode) {
  add("replies", "1@x", "Ana López", "ana@example.org", "Re: Ep. 12: Compost in Winter",
      "Loved the compost episode", kNow - 5 * 86400);
  add("forms", "f1", "Ben Okafor", "ben@example.net", "", "Compost question from the site",
      kNow - 2 * 86400, "+44 7700 900123");
  ASSERT_TRUE(store->tag_contact(*store->find_contact("ben@example.net"), "supporter", true));
  SearchQuery q;
  q.tag = "Supporter";
  EXPECT_EQ(people(q), Names{"Ben Okafor"});
  q = {};
  q.text = "compost";
  q.source = "replies";
  EXPECT_EQ(people(q), Names{});  // no name or address holds "compost"
  EXPECT_EQ(subjects(q), Names{"Re: Ep. 12: Compost in Winter"});
  q = {};
  q.episode = "compost in";
  EXPECT_EQ(people(q), Names{"Ana López"});
  EXPECT_EQ(subjects(q).size(), 1u);
}

TEST_P(SearchTest, QueryTextIsNeverSearchSyntax) {
  add("replies", "1@x", "Ana López", "ana@example.org", "Hi", "Quotes \"and\" stars * here",
      kNow);
  for (const std::string& q :
       std::vector<std::string>{"\"", "*", "NEAR(a b)", "a OR", "-x", "subject:hi", "^", "'",
                                "%", "_", "\\", std::string("\0", 1), "\xff\xfe"}) {
    auto r = store->search(SearchQuery{q, "", "", "", 10});
    EXPECT_TRUE(r) << q << ": " << r.error().to_string();
  }
  EXPECT_EQ(subjects("\"and\" stars").size(), 1u);
  EXPECT_TRUE(people("%").empty());  // not a wildcard
}

TEST_P(SearchTest, SaysWhenThereIsMoreThanTheLimit) {
  for (int i = 0; i < 5; ++i) {
    add("replies", std::to_string(i) + "@x", "Reader " + std::to_string(i),
        "reader" + std::to_string(i) + "@example.org", "Hi", "Compost!", kNow - i);
  }
  auto r = store->search(SearchQuery{"compost", "", "", "", 3});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messages.size(), 3u);
  EXPECT_TRUE(r->more_messages);
  r = store->search(SearchQuery{"reader", "", "", "", 3});
  EXPECT_EQ(r->people.size(), 3u);
  EXPECT_TRUE(r->more_people);
  EXPECT_EQ(r->people[0].display_name, "Reader 0");
}

}  // namespace
}  // namespace rapport
