#include "store/sql_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/rank.h"
#include "store/migrations.h"
#include "tests/support/store_backends.h"
#include "tests/support/temp_dir.h"

namespace rapport {
namespace {

using testing::StoreBackendTest;
using testing::TempDir;

// What a store does, the same on SQLite and PostgreSQL.
class StoreBehaviour : public StoreBackendTest {};
RAPPORT_ON_BOTH_BACKENDS(StoreBehaviour);

std::int64_t count(db::Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  EXPECT_TRUE(stmt.ok());
  auto row = stmt->step();
  EXPECT_TRUE(row.ok() && *row);
  return stmt->int64(0);
}

int user_version(db::Database& db) {
  return static_cast<int>(count(db, "PRAGMA user_version"));
}

Message human_email(const std::string& key, const std::string& address, const std::string& name,
                    UnixTime at) {
  Message m;
  m.natural_key = key;
  m.message_id = key.substr(4);
  m.from = {name, address};
  m.subject = "Re: Ep. 1";
  m.text = "Hello!";
  m.reply_text = "Hello!";
  m.received_at = at;
  m.identity = {"email", address};
  m.display_name = name;
  return m;
}

TEST(Migrations, CreateEveryTableOnAnEmptyDatabase) {
  auto db = sqlite::open(":memory:");
  ASSERT_TRUE(db.ok());
  auto v = migrate(*db);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(*v, static_cast<int>(migrations().size()));
  EXPECT_EQ(user_version(*db), *v);
  for (const char* table : {"sources", "episodes", "messages", "identities", "contacts", "merges",
                            "answers", "digests", "digest_items", "contact_tags"}) {
    EXPECT_EQ(count(*db, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND "
                                     "name='") +
                             table + "'"),
              1)
        << table;
  }
}

TEST(Migrations, UpgradeAnOlderDatabaseKeepingItsData) {
  TempDir dir;
  std::string path = (dir.path() / "old.db").string();
  {
    auto db = sqlite::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate_to(*db, 1).ok());
    ASSERT_TRUE(
        db->exec("INSERT INTO sources (kind, name, created_at) VALUES ('feed', 'show', 1)").ok());
    EXPECT_EQ(user_version(*db), 1);
    EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name='messages_by_identity'"),
              0);
  }
  auto store = SqlStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  db::Database& db = (*store)->database();
  EXPECT_EQ(user_version(db), static_cast<int>(migrations().size()));
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM sqlite_master WHERE name='messages_by_identity'"), 1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM sources WHERE name='show'"), 1);
}

TEST(Migrations, GmailIdentitiesTakeTheirNormalFormUnlessItIsTaken) {
  TempDir dir;
  std::string path = (dir.path() / "old.db").string();
  {
    auto db = sqlite::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate_to(*db, 13).ok());
    ASSERT_TRUE(db->exec(R"sql(
INSERT INTO contacts (id, first_seen_at, last_seen_at, created_at) VALUES (1, 1, 1, 1), (2, 1, 1, 1), (3, 1, 1, 1);
INSERT INTO identities (kind, value, contact_id, first_seen_at) VALUES
  ('email', 'lucia.fernandez+podcast@googlemail.com', 1, 1),
  ('email', 'marcus.okafor@gmail.com', 2, 1),
  ('email', 'marcusokafor@gmail.com', 3, 1),
  ('email', 'ana.lopez@example.org', 3, 1);
)sql")
                    .ok());
  }
  auto store = SqlStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  db::Database& db = (*store)->database();
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'luciafernandez@gmail.com'"),
            1);
  // Its normal form belongs to another contact already: both stay, to be suggested as one.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'marcus.okafor@gmail.com'"),
            1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'ana.lopez@example.org'"), 1);
}

TEST(Migrations, PlusTagsAtProvidersThatDeliverThemHomeGo) {
  TempDir dir;
  std::string path = (dir.path() / "old.db").string();
  {
    auto db = sqlite::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate_to(*db, 20).ok());
    ASSERT_TRUE(db->exec(R"sql(
INSERT INTO contacts (id, first_seen_at, last_seen_at, created_at) VALUES (1, 1, 1, 1), (2, 1, 1, 1), (3, 1, 1, 1);
INSERT INTO identities (kind, value, contact_id, first_seen_at) VALUES
  ('email', 'ana+podcast@outlook.com', 1, 1),
  ('email', 'tom+show@hotmail.co.uk', 1, 1),
  ('email', 'kim+rss@icloud.com', 2, 1),
  ('email', 'kim@icloud.com', 3, 1),
  ('email', 'lee+news@example.org', 3, 1),
  ('email', 'max+x@live.example.org', 3, 1);
INSERT INTO sent_mail (natural_key, recipient, sent_at) VALUES ('k1', 'jo+show@proton.me', 5);
)sql")
                    .ok());
  }
  auto store = SqlStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  db::Database& db = (*store)->database();
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'ana@outlook.com'"), 1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'tom@hotmail.co.uk'"), 1);
  // Taken by another contact: both stay, for contacts suggest.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'kim+rss@icloud.com'"), 1);
  // Elsewhere a +tag may be another mailbox; a company's live. subdomain is not Live.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'lee+news@example.org'"), 1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities WHERE value = 'max+x@live.example.org'"), 1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM sent_mail WHERE recipient = 'jo@proton.me'"), 1);
}

TEST(Migrations, RefuseADatabaseFromANewerRapport) {
  auto db = sqlite::open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("PRAGMA user_version = 999").ok());
  auto v = migrate(*db);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kDatabase);
  EXPECT_NE(v.error().what.find("newer"), std::string::npos);
  EXPECT_EQ(user_version(*db), 999);
}

TEST(SqlStore, OpensFilesInWalModeWithForeignKeys) {
  TempDir dir;
  auto store = SqlStore::open((dir.path() / "nested" / "rapport.db").string());
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto& db = (*store)->database();
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode->step().value());
  EXPECT_EQ(mode->text(0), "wal");
  EXPECT_EQ(count(db, "PRAGMA foreign_keys"), 1);
}

TEST(SqlStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  auto path = dir.write("notes.db", "these are my garden notes, not a database\n");
  auto store = SqlStore::open(path.string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kDatabase);
}

TEST_P(StoreBehaviour, CommitsABatchAndItsCursorTogether) {
  auto store = open_store();
  ASSERT_TRUE(store.ok());
  auto src = (*store)->source("maildir", "replies", "/mail", 100);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->cursor, "");

  Batch batch;
  batch.messages.push_back(human_email("mid:a@x", "ana@example.org", "Ana", 1000));
  batch.messages.push_back(human_email("mid:b@x", "ben@example.org", "Ben", 2000));
  batch.cursor = "2000 2";
  auto r = (*store)->commit_batch(src->id, batch, 3000);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->messages_added, 2);
  EXPECT_EQ(r->contacts_added, 2);
  EXPECT_EQ(r->human_added, 2);

  auto again = (*store)->source("maildir", "replies", "/mail", 4000);
  EXPECT_EQ(again->cursor, "2000 2");
  EXPECT_EQ(again->last_success_at, 3000);

  // The same batch again adds nothing: natural keys.
  auto second = (*store)->commit_batch(src->id, batch, 5000);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->messages_added, 0);
  EXPECT_EQ(second->messages_known, 2);
  EXPECT_EQ(second->contacts_added, 0);
  auto counts = (*store)->counts();
  EXPECT_EQ(counts->messages, 2);
  EXPECT_EQ(counts->contacts, 2);
}

TEST_P(StoreBehaviour, AFailedBatchLeavesNeitherDataNorCursor) {
  auto store = open_store();
  ASSERT_TRUE(store.ok());
  auto& db = (*store)->database();
  // Fault injection: the database refuses the third message of the batch.
  if (postgres()) {
    ASSERT_TRUE(db.exec("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'disk on fire'; END $$; CREATE TRIGGER refuse BEFORE "
                        "INSERT ON messages FOR EACH ROW WHEN (NEW.natural_key = 'mid:poison@x') "
                        "EXECUTE FUNCTION refuse()")
                    .ok());
  } else {
    ASSERT_TRUE(db.exec("CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.natural_key = "
                        "'mid:poison@x' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
                    .ok());
  }
  auto src = (*store)->source("maildir", "replies", "/mail", 1);
  Batch batch;
  batch.episodes.push_back(Episode{0, "ep-1", "Ep. 1", "", 10, "", 1, 1, 60, "", {}, ""});
  batch.messages.push_back(human_email("mid:a@x", "ana@example.org", "Ana", 1000));
  batch.messages.push_back(human_email("mid:b@x", "ben@example.org", "Ben", 2000));
  batch.messages.push_back(human_email("mid:poison@x", "cat@example.org", "Cat", 3000));
  batch.cursor = "3000 3";
  auto r = (*store)->commit_batch(src->id, batch, 4000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what.find("mid:poison@x"), std::string::npos);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM messages"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM episodes"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM contacts"), 0);
  auto state = (*store)->source("maildir", "replies", "/mail", 5000);
  EXPECT_EQ(state->cursor, "");
  EXPECT_FALSE(state->last_success_at.has_value());
}

TEST_P(StoreBehaviour, RecordsFailuresAndClearsThemOnSuccess) {
  auto store = open_store();
  auto src = (*store)->source("feed", "show", "https://x.example/feed", 1);
  Error e = make_error(ErrorCode::kNetwork, "HTTP 503", "https://x.example/feed");
  ASSERT_TRUE((*store)->record_failure(src->id, e, 10).ok());
  ASSERT_TRUE((*store)->record_failure(src->id, e, 20).ok());
  auto all = (*store)->sources();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().consecutive_failures, 2);
  EXPECT_EQ(all->front().last_error, "https://x.example/feed: HTTP 503");
  EXPECT_EQ(all->front().last_attempt_at, 20);
  Batch empty;
  ASSERT_TRUE((*store)->commit_batch(src->id, empty, 30).ok());
  all = (*store)->sources();
  EXPECT_EQ(all->front().consecutive_failures, 0);
  EXPECT_EQ(all->front().last_error, "");
}

TEST_P(StoreBehaviour, AChangedLocationStartsTheSourceAfresh) {
  auto store = open_store();
  auto src = (*store)->source("feed", "show", "https://old.example/feed", 1);
  Batch b;
  b.cursor = "etag \"abc\"\n";
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 2).ok());
  auto moved = (*store)->source("feed", "show", "https://new.example/feed", 3);
  EXPECT_EQ(moved->id, src->id);
  EXPECT_EQ(moved->cursor, "");
  EXPECT_EQ(moved->location, "https://new.example/feed");
}

TEST_P(StoreBehaviour, UpsertsEpisodesByGuid) {
  auto store = open_store();
  auto src = (*store)->source("feed", "show", "file:///feed.xml", 1);
  Batch b;
  b.episodes.push_back(Episode{0, "g1", "Ep. 1: Soil", "https://x/1", 100, "", 1, 1, 600, "", {}, ""});
  b.episodes.push_back(
      Episode{0, "g2", "Ep. 2: Compost", "https://x/2", 200, "", 2, 1, 700, "", {}, ""});
  auto r = (*store)->commit_batch(src->id, b, 10);
  EXPECT_EQ(r->episodes_added, 2);
  b.episodes[1].title = "Ep. 2: Compost Is a Conversation";
  r = (*store)->commit_batch(src->id, b, 20);
  EXPECT_EQ(r->episodes_added, 0);
  EXPECT_EQ(r->episodes_updated, 1);
  auto eps = (*store)->episodes();
  ASSERT_EQ(eps->size(), 2u);
  EXPECT_EQ(eps->front().title, "Ep. 2: Compost Is a Conversation");  // newest first
  EXPECT_EQ(eps->front().number, 2);
  EXPECT_EQ(eps->front().duration_seconds, 700);
}

TEST_P(StoreBehaviour, AReorderedFeedAddsNothing) {
  auto store = open_store();
  auto src = (*store)->source("feed", "show", "https://x/feed", 1);
  Batch b;
  for (int i = 1; i <= 5; ++i) {
    b.episodes.push_back(Episode{
        0, "g" + std::to_string(i), "Ep. " + std::to_string(i), "", 100 * i, "", i, 1, 60, "", {}, ""});
  }
  ASSERT_EQ((*store)->commit_batch(src->id, b, 10)->episodes_added, 5);
  std::reverse(b.episodes.begin(), b.episodes.end());
  auto again = (*store)->commit_batch(src->id, b, 20);
  EXPECT_EQ(again->episodes_added, 0);
  EXPECT_EQ(again->episodes_updated, 0);
  EXPECT_EQ((*store)->counts()->episodes, 5);
}

TEST_P(StoreBehaviour, OneIdentityIsOneContactWithTheLatestName) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  Batch b;
  b.messages.push_back(human_email("mid:1@x", "ana@example.org", "A. Lopez", 1000));
  b.messages.push_back(human_email("mid:2@x", "ana@example.org", "Ana López", 5000));
  Message nameless = human_email("mid:3@x", "ana@example.org", "", 9000);
  b.messages.push_back(nameless);
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 10000).ok());
  auto candidates = (*store)->digest_candidates();
  ASSERT_EQ(candidates->size(), 1u);
  const DigestCandidate& c = candidates->front();
  EXPECT_EQ(c.display_name, "Ana López");
  EXPECT_EQ(c.first_seen_at, 1000);
  EXPECT_EQ(c.last_seen_at, 9000);
  EXPECT_EQ(c.total_human_messages, 3);
  EXPECT_EQ(c.unanswered_messages, 3);
  EXPECT_EQ(c.waiting_since, 1000);
  EXPECT_EQ(c.message_id, "3@x");  // the newest waiting message
}

TEST_P(StoreBehaviour, TheConversationIsTheUnitAFollowUpNeverLowersAnyone) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  Batch first;
  // Answered long ago: not part of what she waits on now.
  Message old = human_email("mid:old@x", "maya@example.org", "Maya Lind", 500);
  old.subject = "Hello from Malmö";
  first.messages.push_back(old);
  Message ask = human_email("mid:ask@x", "maya@example.org", "Maya Lind", 1000);
  ask.subject = "Re: Ep. 12: Seed swaps";
  ask.references = {"ep12@slowgarden.example"};
  ask.reply_text = "Two colleagues of mine run the seed library in Lund. " + std::string(600, 'x') +
                   " Could you do a follow-up episode on how they started?";
  first.messages.push_back(ask);
  ASSERT_TRUE((*store)->commit_batch(src->id, first, 1100).ok());
  auto& db = (*store)->database();
  ASSERT_TRUE(db.exec("INSERT INTO answers (contact_id, answered_at, how, created_at) SELECT "
                      "contact_id, 700, 'manual', 700 FROM identities WHERE value = "
                      "'maya@example.org'")
                  .ok());
  const UnixTime now = 9000;
  auto before = (*store)->digest_candidates();
  ASSERT_EQ(before->size(), 1u);
  double score_before = pipeline::score(before->front(), now, {});

  // Then a short follow-up through the form: no question, no subject, a few words.
  auto form = (*store)->source("inbound", "form", "", 1);
  Batch second;
  Message no_rush;
  no_rush.natural_key = "form:7";
  no_rush.kind = MessageKind::kForm;
  no_rush.from = {"Maya Lind", "maya@example.org"};
  no_rush.reply_text = "No rush at all!";
  no_rush.text = no_rush.reply_text;
  no_rush.received_at = 5000;
  no_rush.identity = {"email", "maya@example.org"};
  no_rush.display_name = "Maya Lind";
  second.messages.push_back(no_rush);
  ASSERT_TRUE((*store)->commit_batch(form->id, second, 5100).ok());
  auto after = (*store)->digest_candidates();
  ASSERT_EQ(after->size(), 1u);
  const DigestCandidate& c = after->front();
  EXPECT_TRUE(c.asks_question);  // her first message asks; the follow-up does not take it away
  EXPECT_GE(c.reply_chars, static_cast<std::int64_t>(ask.reply_text.size()));
  EXPECT_EQ(c.unanswered_messages, 2);
  EXPECT_GE(pipeline::score(c, now, {}), score_before);
  EXPECT_EQ(pipeline::reasons_for(c, now)[1], "asked a question");
  // The conversation, oldest first, without what was answered; the thread is her email's.
  ASSERT_EQ(c.conversation.size(), 2u);
  EXPECT_EQ(c.conversation[0].subject, "Re: Ep. 12: Seed swaps");
  EXPECT_EQ(c.conversation[1].reply_text, "No rush at all!");
  EXPECT_EQ(c.conversation[1].kind, "form");
  EXPECT_EQ(c.message_kind, "form");
  EXPECT_EQ(c.thread_subject, "Re: Ep. 12: Seed swaps");
  EXPECT_EQ(c.thread_message_id, "ask@x");
  EXPECT_EQ(c.thread_references, std::vector<std::string>{"ep12@slowgarden.example"});
}

TEST_P(StoreBehaviour, DigestCandidatesSkipMachinesAndAnsweredPeopleNewestRelationshipFirst) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  Batch b;
  b.messages.push_back(human_email("mid:old@x", "old@example.org", "Old Friend", 1000));
  b.messages.push_back(human_email("mid:new@x", "new@example.org", "New Person", 8000));
  b.messages.push_back(human_email("mid:mid@x", "mid@example.org", "Middle", 4000));
  Message ooo = human_email("mid:ooo@x", "away@example.org", "Away", 9000);
  ooo.message_class = MessageClass::kAutoReply;
  b.messages.push_back(ooo);
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 10000).ok());
  // The creator answered "Middle" after their message.
  auto& db = (*store)->database();
  ASSERT_TRUE(db.exec("INSERT INTO answers (contact_id, answered_at, how, created_at) SELECT "
                      "contact_id, 5000, 'manual', 5000 FROM identities WHERE value = "
                      "'mid@example.org'")
                  .ok());
  auto c = (*store)->digest_candidates();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].address, "new@example.org");
  EXPECT_EQ((*c)[1].address, "old@example.org");
  auto counts = (*store)->counts();
  EXPECT_EQ(counts->contacts, 4);
  EXPECT_EQ(counts->unanswered_contacts, 2);
  EXPECT_EQ(counts->human_messages, 3);
}

TEST_P(StoreBehaviour, FindsContactsByIdAddressOrUniqueName) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  Batch b;
  b.messages.push_back(human_email("mid:1@x", "ana@example.org", "Ana López", 1000));
  b.messages.push_back(human_email("mid:2@x", "ana.l@work.example", "Ana López", 2000));
  b.messages.push_back(human_email("mid:3@x", "ben@example.org", "Ben", 3000));
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 4000).ok());
  auto ben = (*store)->find_contact("Ben");
  ASSERT_TRUE(ben.ok());
  EXPECT_EQ((*store)->find_contact("BEN@example.org").value(), *ben);
  EXPECT_EQ((*store)->find_contact(std::to_string(*ben)).value(), *ben);
  auto ambiguous = (*store)->find_contact("ana lópez");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().what.find("more than one"), std::string::npos);
  EXPECT_EQ((*store)->find_contact("nobody@example.org").error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*store)->contact_label(*ben).value(), "Ben <ben@example.org>");
}

TEST_P(StoreBehaviour, CandidatesLeaveOutTheAnsweredTheSnoozedTheTooRecentAndTheRecentlyListed) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  const UnixTime day = 86400;
  const UnixTime now = 100 * day;
  Batch b;
  b.messages.push_back(human_email("mid:a@x", "answered@example.org", "Answered", now - 5 * day));
  b.messages.push_back(human_email("mid:s@x", "snoozed@example.org", "Snoozed", now - 5 * day));
  b.messages.push_back(human_email("mid:n@x", "new@example.org", "Just now", now - 3600));
  b.messages.push_back(human_email("mid:l@x", "listed@example.org", "Listed", now - 5 * day));
  b.messages.push_back(human_email("mid:w@x", "waiting@example.org", "Waiting", now - 2 * day));
  ASSERT_TRUE((*store)->commit_batch(src->id, b, now).ok());
  auto id = [&](const char* who) { return (*store)->find_contact(who).value(); };
  ASSERT_TRUE((*store)->record_answer(id("answered@example.org"), now - day, "manual", "").ok());
  ASSERT_TRUE((*store)->snooze(id("snoozed@example.org"), now + 6 * day).ok());
  // "Listed" was in yesterday's delivered digest.
  Digest yesterday;
  yesterday.slot = "yesterday";
  yesterday.generated_at = now - day;
  DigestItem item;
  item.who.contact_id = id("listed@example.org");
  item.reasons = {"first time writing"};
  yesterday.items.push_back(item);
  auto digest_id = (*store)->record_digest(yesterday);
  ASSERT_TRUE((*store)->mark_digest_delivered(*digest_id, "file x", "m@x", now - day).ok());

  CandidateFilter f{now, 12 * 3600, 3 * day, "today"};
  auto names = [&](const CandidateFilter& filter) {
    std::vector<std::string> out;
    auto candidates = (*store)->digest_candidates(filter);
    for (const auto& c : candidates.value()) out.push_back(c.display_name);
    return out;
  };
  EXPECT_EQ(names(f), std::vector<std::string>{"Waiting"});
  // Four days on, the listed one is due again; the snoozed one still sleeps.
  CandidateFilter later{now + 4 * day, 12 * 3600, 3 * day, "later"};
  EXPECT_EQ(names(later), (std::vector<std::string>{"Just now", "Waiting", "Listed"}));
  // Re-rendering yesterday's slot keeps its own list.
  CandidateFilter same_slot{now, 12 * 3600, 3 * day, "yesterday"};
  EXPECT_EQ(names(same_slot), (std::vector<std::string>{"Waiting", "Listed"}));
  // Writing again after being listed brings them back at once.
  Batch again;
  again.messages.push_back(human_email("mid:l2@x", "listed@example.org", "Listed", now - 2 * 3600));
  ASSERT_TRUE((*store)->commit_batch(src->id, again, now).ok());
  EXPECT_EQ(names(f), (std::vector<std::string>{"Waiting", "Listed"}));
}

TEST_P(StoreBehaviour, SentMailAnswersItsRecipientsWhateverTheOrderOfReading) {
  auto store = open_store();
  auto sent_src = (*store)->source("sent folder", "sent", "/sent", 1);
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  // The Sent folder is read first: Sam answered Ana at 2000, before Rapport knew Ana.
  Message answer;
  answer.natural_key = "mid:answer-1@slowgarden.example";
  answer.outgoing = true;
  answer.received_at = 2000;
  answer.to = {{"Ana", "ANA@example.org"}, {"", "someone-else@example.org"}};
  Batch sent;
  sent.messages.push_back(answer);
  auto r = (*store)->commit_batch(sent_src->id, sent, 2500);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->answers_added, 2);
  EXPECT_EQ(r->messages_added, 0);  // not a listener message
  EXPECT_EQ(r->contacts_added, 0);
  EXPECT_EQ((*store)->commit_batch(sent_src->id, sent, 2600)->answers_added, 0);  // once
  // Then the mailbox: Ana wrote at 1000 (answered) and Ben at 1500 (not).
  Batch b;
  b.messages.push_back(human_email("mid:1@x", "ana@example.org", "Ana", 1000));
  b.messages.push_back(human_email("mid:2@x", "ben@example.org", "Ben", 1500));
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 3000).ok());
  auto c = (*store)->digest_candidates();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ(c->front().display_name, "Ben");
  EXPECT_EQ((*store)->counts()->unanswered_contacts, 1);
  // Ana writes again after the answer: she is waiting again.
  Batch later;
  later.messages.push_back(human_email("mid:3@x", "ana@example.org", "Ana", 4000));
  ASSERT_TRUE((*store)->commit_batch(src->id, later, 4100).ok());
  c = (*store)->digest_candidates();
  ASSERT_EQ(c->size(), 2u);
  const DigestCandidate& ana = (*c)[0].display_name == "Ana" ? (*c)[0] : (*c)[1];
  EXPECT_EQ(ana.display_name, "Ana");
  EXPECT_EQ(ana.last_answered_at, 2000);
  EXPECT_EQ(ana.unanswered_messages, 1);
}

TEST_P(StoreBehaviour, ADigestPerSlotIsReplacedNotDuplicated) {
  auto store = open_store();
  auto src = (*store)->source("maildir", "replies", "/m", 1);
  Batch b;
  b.messages.push_back(human_email("mid:1@x", "ana@example.org", "Ana", 1000));
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 2000).ok());
  Digest d;
  d.slot = "2026-11-25";
  d.generated_at = 3000;
  DigestItem item;
  item.who = (*store)->digest_candidates()->front();
  item.score = 0.5;
  item.reasons = {"first time writing", "asked a question"};
  d.items.push_back(item);
  auto id1 = (*store)->record_digest(d);
  ASSERT_TRUE(id1.ok()) << id1.error().to_string();
  auto id2 = (*store)->record_digest(d);
  ASSERT_TRUE(id2.ok());
  EXPECT_EQ(*id1, *id2);
  auto& db = (*store)->database();
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM digests"), 1);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM digest_items"), 1);
  ASSERT_TRUE((*store)->mark_digest_delivered(*id1, "file /tmp/x.eml", "id@x", 4000).ok());
  EXPECT_EQ(count(db, "SELECT delivered_at FROM digests"), 4000);
  auto reason = db.prepare("SELECT reason FROM digest_items");
  ASSERT_TRUE(reason->step().value());
  EXPECT_EQ(reason->text(0), "first time writing; asked a question");
}

TEST_P(StoreBehaviour, AChangedLocationIsReadAtOnceFromTheStart) {
  // A fixed url kept the old schedule: the run after the fix read nothing, and the digest said
  // nobody was waiting.
  auto store = open_store().value();
  auto src = store->source("feed", "show", "https://old.example/feed", 100).value();
  Batch b;
  b.cursor = "etag x";
  ASSERT_TRUE(store->commit_batch(src.id, b, 100).ok());
  ASSERT_TRUE(store->schedule_poll(src.id, 100 + 3600).ok());
  ASSERT_TRUE(store->record_failure(src.id, make_error(ErrorCode::kNetwork, "404"), 100).ok());
  auto moved = store->source("feed", "show", "https://new.example/feed", 200).value();
  EXPECT_EQ(moved.cursor, "");
  EXPECT_FALSE(moved.next_poll_at.has_value()) << "due at once";
  EXPECT_EQ(moved.consecutive_failures, 0);
  EXPECT_EQ(store->sources().value()[0].next_poll_at, std::nullopt);
}

TEST_P(StoreBehaviour, ASourceTheConfigNoLongerNamesIsRetiredAndComesBackWhenNamedAgain) {
  auto store = open_store().value();
  auto old = store->source("maildir", "replies", "/mail", 100).value();
  store->source("feed", "show", "https://x.example/feed", 100).value();
  store->source("feed", "comments of ep-1", "https://x.example/ep-1/comments", 100).value();
  store->source("social thread", "thread of ep-1", "https://social.example/@show/55", 100).value();
  Batch b;
  Message m;
  m.natural_key = "mid:1";
  m.identity = {"email", "ana@example.org", "Ana@Example.org"};
  m.text = "hi";
  m.received_at = 50;
  b.messages.push_back(m);
  ASSERT_TRUE(store->commit_batch(old.id, b, 100).ok());
  ASSERT_TRUE(store->retire_sources({"show", "inbox"}, 300).ok());
  auto states = store->sources().value();
  ASSERT_EQ(states.size(), 4u);
  for (const auto& s : states) {
    EXPECT_EQ(s.retired_at.has_value(), s.name == "replies") << s.name;
  }
  EXPECT_EQ(store->counts().value().messages, 1) << "its messages stay";
  auto back = store->source("maildir", "replies", "/mail", 400).value();
  EXPECT_FALSE(back.retired_at.has_value());
  // Forgotten: gone from the list, its place lost, its messages kept.
  ASSERT_TRUE(store->forget_source("replies", 500).ok());
  EXPECT_EQ(store->sources().value().size(), 3u);
  EXPECT_EQ(store->counts().value().messages, 1);
  EXPECT_EQ(store->forget_source("replies", 500).error().code, ErrorCode::kNotFound);
  auto again = store->source("maildir", "replies", "/mail", 600).value();
  EXPECT_EQ(again.id, old.id) << "named again: the same source, read from the start";
  EXPECT_EQ(again.cursor, "");
  EXPECT_EQ(store->sources().value().size(), 4u);
}

}  // namespace
TEST_P(StoreBehaviour, OneProcessAtATimeReadsASourceUnderALeaseThatRunsOut) {
  auto here = open_shared_store();
  ASSERT_TRUE(here.ok()) << here.error().to_string();
  auto there = open_again();
  ASSERT_TRUE(there.ok()) << there.error().to_string();
  (*there)->set_lease_holder("studio-3 pid 4242");  // another machine's daemon
  auto src = (*here)->source("maildir", "inbox", "/mail", 100).value();
  Batch b;
  b.messages.push_back(human_email("mid:lease-1@example.org", "ana@example.org", "Ana", 50));
  b.cursor = "1";

  ASSERT_TRUE((*here)->begin_read(src.id, 100).ok());
  Status refused = (*there)->begin_read(src.id, 110);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kBusy);
  EXPECT_EQ(refused.error().retry, Retry::kYes);
  EXPECT_NE(refused.error().what.find("being read by " + (*here)->lease_holder() +
                                      ", its lease running to "),
            std::string::npos)
      << refused.error().to_string();
  EXPECT_EQ(refused.error().where, "inbox");
  // What the other reads meanwhile is not stored, nor does its cursor move.
  auto lost = (*there)->commit_batch(src.id, b, 120);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kBusy);
  EXPECT_NE(lost.error().what.find("its read was taken over by"), std::string::npos);
  EXPECT_EQ((*here)->counts().value().messages, 0);
  EXPECT_EQ((*here)->source("maildir", "inbox", "/mail", 120).value().cursor, "");

  // Each batch the holder stores renews its lease.
  ASSERT_TRUE((*here)->commit_batch(src.id, b, 200).ok());
  auto held = (*there)->source("maildir", "inbox", "/mail", 200).value();
  EXPECT_EQ(held.lease_holder, (*here)->lease_holder());
  EXPECT_EQ(held.lease_until, 200 + Store::kReadLeaseSeconds);
  EXPECT_EQ(held.cursor, "1");
  EXPECT_FALSE((*there)->begin_read(src.id, 100 + Store::kReadLeaseSeconds + 1).ok())
      << "renewed: not run out when the first lease would have";

  // Let go: the other may read it; the first one's end_read leaves the other's lease alone.
  ASSERT_TRUE((*here)->end_read(src.id).ok());
  ASSERT_TRUE((*there)->begin_read(src.id, 300).ok());
  ASSERT_TRUE((*here)->end_read(src.id).ok());
  EXPECT_EQ((*here)->source("maildir", "inbox", "/mail", 300).value().lease_holder,
            "studio-3 pid 4242");
  EXPECT_FALSE((*here)->begin_read(src.id, 300 + Store::kReadLeaseSeconds - 1).ok());

  // The other machine dies mid-read: its lease runs out, and the read can be taken over.
  ASSERT_TRUE((*here)->begin_read(src.id, 300 + Store::kReadLeaseSeconds).ok());
  EXPECT_EQ((*there)->commit_batch(src.id, b, 300 + Store::kReadLeaseSeconds + 5).error().code,
            ErrorCode::kBusy)
      << "a process back from a long pause stores nothing more";
  ASSERT_TRUE((*there)->abandon_read(src.id).ok());
  auto cleared = (*here)->source("maildir", "inbox", "/mail", 2000).value();
  EXPECT_EQ(cleared.lease_holder, "");
  EXPECT_FALSE(cleared.reading_since.has_value());
  EXPECT_EQ((*here)->counts().value().messages, 1);
}

TEST_P(StoreBehaviour, ABatchLookedUpAtOnceStillStoresEachMessageAndPersonOnce) {
  // A batch's stored messages and known identities are read in one query each: a message
  // twice in one batch, a person new in it writing twice, keys and addresses that are not
  // valid UTF-8 (looked up alone), and a merge in the middle of the batch all come out as a
  // message-by-message write would.
  auto store = open_store();
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto src = (*store)->source("maildir", "replies", "/mail", 1).value();
  Batch first;
  first.messages.push_back(human_email("mid:cat-1@x", "cat@example.org", "Cat", 900));
  first.messages.push_back(human_email("mid:dan-1@x", "dan@example.org", "Dan", 950));
  first.cursor = "1";
  ASSERT_TRUE((*store)->commit_batch(src.id, first, 1000).ok());

  Batch b;
  b.messages.push_back(human_email("mid:ana-1@x", "ana@example.org", "Ana", 1000));
  b.messages.push_back(human_email("mid:ana-2@x", "ana@example.org", "Ana", 1100));
  b.messages.push_back(human_email("mid:ana-1@x", "ana@example.org", "Ana", 1000));  // again
  b.messages.push_back(human_email("mid:\xff\xfe-3@x", "b\xe9n@example.org", "B\xe9n", 1200));
  b.messages.push_back(human_email("mid:\xff\xfe-3@x", "b\xe9n@example.org", "B\xe9n", 1200));
  b.messages.push_back(human_email("mid:b\xe9n-4@x", "b\xe9n@example.org", "B\xe9n", 1300));
  // One message from both Cat's and Dan's addresses: they are one person, and Dan's next
  // message in the same batch is that person's.
  Message both = human_email("mid:cat-2@x", "cat@example.org", "Cat", 1400);
  both.also.push_back({"email", "dan@example.org"});
  b.messages.push_back(both);
  b.messages.push_back(human_email("mid:dan-2@x", "dan@example.org", "Dan", 1500));
  b.cursor = "2";
  auto r = (*store)->commit_batch(src.id, b, 2000);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->messages_added, 6);
  EXPECT_EQ(r->messages_known, 2);
  EXPECT_EQ(r->contacts_added, 2);  // Ana, Bén
  auto counts = (*store)->counts().value();
  EXPECT_EQ(counts.messages, 8);
  EXPECT_EQ(counts.contacts, 3) << "Ana, Bén, and Cat who is Dan";
  auto cat = (*store)->find_contact("cat@example.org");
  auto dan = (*store)->find_contact("dan@example.org");
  ASSERT_TRUE(cat.ok() && dan.ok());
  EXPECT_EQ(*cat, *dan);

  // The same batch again changes nothing.
  auto again = (*store)->commit_batch(src.id, b, 3000);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->messages_added, 0);
  EXPECT_EQ(again->messages_known, 8);
  EXPECT_EQ(again->contacts_added, 0);
  EXPECT_EQ((*store)->counts().value().messages, 8);
  EXPECT_EQ((*store)->counts().value().contacts, 3);
}

TEST_P(StoreBehaviour, ALargeBatchOfNewPeopleIsStoredWholeOrNotAtAll) {
  // Hundreds of new people in one batch: on PostgreSQL their writes are sent on without
  // waiting, read back in several rounds; a failure late in the batch names its message and
  // leaves nothing behind.
  auto store = open_store();
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto& db = (*store)->database();
  auto src = (*store)->source("maildir", "replies", "/mail", 1).value();
  auto batch_of = [](int n) {
    Batch b;
    for (int i = 0; i < n; ++i) {
      std::string who = "listener" + std::to_string(i) + "@example.org";
      b.messages.push_back(
          human_email("mid:l" + std::to_string(i) + "@x", who, "Listener " + std::to_string(i),
                      1000 + i));
    }
    b.cursor = std::to_string(n);
    return b;
  };
  if (postgres()) {
    ASSERT_TRUE(db.exec("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'disk on fire'; END $$; CREATE TRIGGER refuse BEFORE "
                        "INSERT ON messages FOR EACH ROW WHEN (NEW.natural_key = 'mid:l250@x') "
                        "EXECUTE FUNCTION refuse()")
                    .ok());
  } else {
    ASSERT_TRUE(db.exec("CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.natural_key = "
                        "'mid:l250@x' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
                    .ok());
  }
  auto failed = (*store)->commit_batch(src.id, batch_of(300), 5000);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().what.find("storing message mid:l250@x: "), std::string::npos)
      << failed.error().to_string();
  EXPECT_NE(failed.error().what.find("disk on fire"), std::string::npos);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM messages"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM contacts"), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM identities"), 0);

  ASSERT_TRUE(db.exec("DROP TRIGGER refuse" + std::string(postgres() ? " ON messages" : "")).ok());
  auto stored = (*store)->commit_batch(src.id, batch_of(300), 6000);
  ASSERT_TRUE(stored.ok()) << stored.error().to_string();
  EXPECT_EQ(stored->messages_added, 300);
  EXPECT_EQ(stored->contacts_added, 300);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM messages m JOIN identities i ON i.id = m.identity_id "
                      "JOIN contacts c ON c.id = i.contact_id"),
            300);
  // People are numbered in the order they first wrote, as one at a time would.
  auto first = (*store)->find_contact("listener0@example.org");
  auto last = (*store)->find_contact("listener299@example.org");
  ASSERT_TRUE(first.ok() && last.ok());
  EXPECT_LT(*first, *last);
  auto again = (*store)->commit_batch(src.id, batch_of(300), 7000);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->messages_known, 300);
  EXPECT_EQ(again->contacts_added, 0);
}

}  // namespace rapport
