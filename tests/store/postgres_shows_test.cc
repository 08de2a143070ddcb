// Several shows in one PostgreSQL database ([store] show), each in a schema of its own, their
// people their own or shared by the network ([store] share_contacts), against a real
// PostgreSQL 15.
#include <gtest/gtest.h>

#include <cctype>
#include <thread>
#include <vector>

#include "store/sql_store.h"
#include "tests/support/postgres_server.h"

namespace rapport {
namespace {

using testing::PostgresTestServer;

Message email_from(const std::string& id, const std::string& address, const std::string& name,
                   UnixTime at) {
  Message m;
  m.natural_key = "mid:" + id;
  m.message_id = id;
  m.from = {name, address};
  m.subject = "Re: the episode about hedgerows";
  m.text = "Could you say more about the blackthorn?";
  m.reply_text = m.text;
  m.received_at = at;
  // In normal form, as the pipeline gives it (pipeline/resolve.h), written as it came.
  std::string normal = address;
  for (char& c : normal) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  m.identity = {"email", normal, address};
  m.display_name = name;
  return m;
}

class PostgresShows : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ready()) << server.why_not_ready();
    ASSERT_TRUE(server.create_database("network"));
  }
  Result<std::unique_ptr<SqlStore>> open(const std::string& show, bool share) {
    postgres::ConnectOptions o;
    o.url = server.url("network");
    o.password = PostgresTestServer::password();
    return SqlStore::open_postgres(o, postgres::layout_for(show, share));
  }
  // Stores the messages into the show's source called "inbox" (every show has one).
  void receive(SqlStore& store, const std::vector<Message>& messages, const std::string& cursor) {
    auto src = store.source("maildir", "inbox", "/srv/mail/inbox", 1795000000);
    ASSERT_TRUE(src.ok()) << src.error().to_string();
    Batch b;
    b.messages = messages;
    b.cursor = cursor;
    auto stored = store.commit_batch(src->id, b, 1795000000);
    ASSERT_TRUE(stored.ok()) << stored.error().to_string();
  }
  std::vector<DigestCandidate> waiting(SqlStore& store) {
    CandidateFilter f;
    f.now = 1796000000;
    auto w = store.waiting(f);
    EXPECT_TRUE(w.ok()) << w.error().to_string();
    return w ? w->candidates : std::vector<DigestCandidate>{};
  }
  std::string sql(const std::string& query) { return server.psql(query, "network"); }

  PostgresTestServer server;
};

TEST_F(PostgresShows, TwoShowsInOneDatabaseKeepTheirSourcesMessagesPeopleAndDigestsApart) {
  auto garden = open("slowgarden", false);
  ASSERT_TRUE(garden.ok()) << garden.error().to_string();
  auto letters = open("long-letters", false);
  ASSERT_TRUE(letters.ok()) << letters.error().to_string();
  receive(**garden, {email_from("a1@mail.example", "ana@example.org", "Ana Lima", 1794900000)}, "1");
  receive(**letters,
          {email_from("a2@mail.example", "ana@example.org", "Ana Lima", 1794900100),
           email_from("b1@mail.example", "ben@example.net", "Ben Okafor", 1794900200)},
          "2");

  EXPECT_EQ((*garden)->counts().value().messages, 1);
  EXPECT_EQ((*garden)->counts().value().contacts, 1);
  EXPECT_EQ((*letters)->counts().value().messages, 2);
  EXPECT_EQ((*letters)->counts().value().contacts, 2);
  EXPECT_EQ(waiting(**garden).size(), 1u);
  EXPECT_EQ(waiting(**letters).size(), 2u);
  // The same source name, a source each, each with its own place.
  EXPECT_EQ((*garden)->sources()->at(0).cursor, "1");
  EXPECT_EQ((*letters)->sources()->at(0).cursor, "2");

  // Each show is a schema; nothing lands in public.
  EXPECT_EQ(sql("SELECT count(*) FROM show_slowgarden.messages"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM show_long_letters.messages"), "2");
  EXPECT_EQ(sql("SELECT count(*) FROM show_long_letters.contacts"), "2");
  EXPECT_EQ(sql("SELECT to_regclass('public.messages') IS NULL"), "t");

  // A new connection (a restart) finds its show's rows.
  garden->reset();
  auto again = open("slowgarden", false);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ((*again)->counts().value().messages, 1);
  receive(**again, {email_from("a1@mail.example", "ana@example.org", "Ana Lima", 1794900000)}, "1");
  EXPECT_EQ((*again)->counts().value().messages, 1) << "read again: nothing new";
}

TEST_F(PostgresShows, ShowsSharingContactsKnowAListenerAsOnePersonAndEachDigestsItsOwn) {
  auto garden = open("slowgarden", true);
  ASSERT_TRUE(garden.ok()) << garden.error().to_string();
  auto letters = open("long-letters", true);
  ASSERT_TRUE(letters.ok()) << letters.error().to_string();
  receive(**garden, {email_from("a1@mail.example", "ana@example.org", "Ana Lima", 1794900000)}, "1");
  receive(**letters,
          {email_from("a2@mail.example", "Ana@Example.org", "Ana Lima", 1794900100),
           email_from("b1@mail.example", "ben@example.net", "Ben Okafor", 1794900200)},
          "2");

  // One person across the network, found alike from either show.
  EXPECT_EQ(sql("SELECT count(*) FROM rapport_people.contacts"), "2");
  EXPECT_EQ(sql("SELECT count(*) FROM rapport_people.identities"), "2");
  EXPECT_EQ(sql("SELECT to_regclass('show_slowgarden.contacts') IS NULL"), "t");
  auto ana_here = (*garden)->find_contact("ana@example.org");
  auto ana_there = (*letters)->find_contact("ana@example.org");
  ASSERT_TRUE(ana_here.ok() && ana_there.ok());
  EXPECT_EQ(*ana_here, *ana_there);

  // Each show's digest lists its own conversations: Ben never wrote to slowgarden, and Ana's
  // count there is the one message she sent it.
  auto garden_waiting = waiting(**garden);
  ASSERT_EQ(garden_waiting.size(), 1u);
  EXPECT_EQ(garden_waiting[0].contact_id, *ana_here);
  EXPECT_EQ(garden_waiting[0].total_human_messages, 1);
  EXPECT_EQ(waiting(**letters).size(), 2u);
  // Answering her for one show leaves her waiting in the other's.
  ASSERT_TRUE((*garden)->record_answer(*ana_here, 1795500000, "manual", "").ok());
  EXPECT_TRUE(waiting(**garden).empty());
  EXPECT_EQ(waiting(**letters).size(), 2u);
}

TEST_F(PostgresShows, AShowKeepsThePeopleItBeganWith) {
  ASSERT_TRUE(open("slowgarden", false).ok());
  auto shared = open("slowgarden", true);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().code, ErrorCode::kConfig);
  EXPECT_NE(shared.error().what.find("keeps people of its own"), std::string::npos)
      << shared.error().to_string();
  EXPECT_NE(shared.error().hint.find("share_contacts = false"), std::string::npos);

  ASSERT_TRUE(open("long-letters", true).ok());
  auto own = open("long-letters", false);
  ASSERT_FALSE(own.ok());
  EXPECT_NE(own.error().what.find("shares the network's people"), std::string::npos)
      << own.error().to_string();
}

TEST_F(PostgresShows, DaemonsOfThreeShowsStartingAtOnceMigrateEachOnce) {
  const std::vector<std::string> shows = {"slowgarden", "long-letters", "night-owls"};
  std::vector<std::string> outcomes(shows.size());
  std::vector<std::thread> daemons;
  for (size_t i = 0; i < shows.size(); ++i) {
    daemons.emplace_back([&, i] {
      auto store = open(shows[i], true);
      outcomes[i] = store ? "ok" : store.error().to_string();
    });
  }
  for (auto& t : daemons) t.join();
  for (const auto& o : outcomes) EXPECT_EQ(o, "ok");
  const std::string newest = std::to_string(postgres::migrations().back().version);
  EXPECT_EQ(sql("SELECT string_agg(version::text, ',') FROM rapport_people.rapport_schema"), newest);
  EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE tablename = 'messages'"), "3");
  EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE tablename = 'contacts'"), "1");
}

TEST_F(PostgresShows, ThreeShowsWritingTheSamePeopleAtOnceNeitherFailNorDuplicate) {
  // A network's daemons reading at once, the same 150 listeners writing to every show, each
  // show's mail in its own order: every batch is stored (a writer that meets another waits, or
  // is rolled back and runs again), and each listener is one person.
  const std::vector<std::string> shows = {"slowgarden", "long-letters", "night-owls"};
  std::vector<std::string> outcomes(shows.size());
  std::vector<std::thread> daemons;
  for (size_t k = 0; k < shows.size(); ++k) {
    daemons.emplace_back([&, k] {
      auto store = open(shows[k], true);
      if (!store) {
        outcomes[k] = store.error().to_string();
        return;
      }
      auto src = (*store)->source("maildir", "inbox", "/srv/mail", 1795000000);
      if (!src) {
        outcomes[k] = src.error().to_string();
        return;
      }
      for (int batch = 0; batch < 4; ++batch) {
        Batch b;
        for (int i = 0; i < 150; ++i) {
          // Show k meets the listeners in its own order.
          int who = static_cast<int>((static_cast<size_t>(i) * (2 * k + 1) + 37 * k) % 150);
          std::string id = shows[k] + "-" + std::to_string(batch) + "-" + std::to_string(i);
          b.messages.push_back(email_from(id + "@mail.example",
                                          "listener" + std::to_string(who) + "@example.org",
                                          "Listener " + std::to_string(who),
                                          1794000000 + batch * 1000 + i));
        }
        b.cursor = std::to_string(batch);
        auto stored = (*store)->commit_batch(src->id, b, 1795000000);
        if (!stored) {
          outcomes[k] = stored.error().to_string();
          return;
        }
      }
      outcomes[k] = "ok";
    });
  }
  for (auto& t : daemons) t.join();
  for (const auto& o : outcomes) EXPECT_EQ(o, "ok");
  EXPECT_EQ(sql("SELECT count(*) FROM rapport_people.contacts WHERE merged_into IS NULL"), "150");
  EXPECT_EQ(sql("SELECT count(*) FROM rapport_people.identities"), "150");
  for (const char* schema : {"show_slowgarden", "show_long_letters", "show_night_owls"}) {
    EXPECT_EQ(sql(std::string("SELECT count(*) FROM ") + schema + ".messages"), "600") << schema;
  }
  // Each person's times span every show's messages from them.
  EXPECT_EQ(sql("SELECT count(*) FROM rapport_people.contacts WHERE first_seen_at >= 1794000000 "
                "AND last_seen_at >= 1794003000"),
            "150");
}

}  // namespace
}  // namespace rapport
