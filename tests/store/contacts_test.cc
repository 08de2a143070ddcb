// One person across channels: identities tied by a message, merges with their evidence, and
// merges undone exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/text.h"
#include "store/sql_store.h"
#include "tests/support/store_backends.h"

namespace rapport {
namespace {

Identity email(const std::string& v) { return {"email", v}; }
Identity phone(const std::string& v) { return {"phone", v}; }
Identity handle(const std::string& v) { return {"handle", v}; }

Message msg(const std::string& key, UnixTime at, const std::string& name, Identity who,
            std::vector<Identity> also = {}) {
  Message m;
  m.natural_key = key;
  m.kind = MessageKind::kForm;
  m.received_at = at;
  m.display_name = name;
  m.from.name = name;
  m.identity = std::move(who);
  m.also = std::move(also);
  m.text = m.reply_text = "Hello from " + key;
  return m;
}

// The same on SQLite and PostgreSQL.
class Contacts : public testing::StoreBackendTest {
 protected:
  std::unique_ptr<SqlStore> fresh_store() {
    auto s = open_store();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }
};
RAPPORT_ON_BOTH_BACKENDS(Contacts);

std::int64_t source(SqlStore& s) { return s.source("form", "site", "", 1).value().id; }

void commit(SqlStore& s, std::vector<Message> messages) {
  Batch b;
  b.messages = std::move(messages);
  auto r = s.commit_batch(source(s), b, 1795600000);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

// Everything a merge may touch, row by row, as text: equal text means equal state.
std::string snapshot(SqlStore& s) {
  std::string out;
  for (const char* sql :
       {"SELECT id, display_name, display_name_at, first_seen_at, last_seen_at, notes, "
        "COALESCE(snoozed_until, -1), COALESCE(merged_into, -1) FROM contacts ORDER BY id",
        "SELECT id, kind, value, contact_id FROM identities ORDER BY id",
        "SELECT id, contact_id, answered_at, how FROM answers ORDER BY id",
        "SELECT contact_id, tag FROM contact_tags ORDER BY contact_id, tag",
        "SELECT id, contact_id, text, created_at FROM contact_notes ORDER BY id"}) {
    auto stmt = s.database().prepare(sql);
    EXPECT_TRUE(stmt.ok());
    while (stmt->step().value()) {
      for (int c = 0; c < stmt->column_count(); ++c) out += stmt->text(c) + "|";
      out += "\n";
    }
    out += "--\n";
  }
  return out;
}

// Who is one person: each contact's identities, as a set of sets (ids left out).
std::set<std::set<std::string>> grouping(SqlStore& s) {
  std::set<std::set<std::string>> out;
  auto records = s.contact_records();
  EXPECT_TRUE(records.ok());
  for (const auto& r : *records) {
    std::set<std::string> ids;
    for (const auto& i : r.identities) ids.insert(i.kind + ":" + i.value);
    out.insert(ids);
  }
  return out;
}

TEST_P(Contacts, AMessageWithTwoIdentitiesTiesThemToOnePerson) {
  auto s = fresh_store();
  commit(*s, {msg("form:1", 100, "Ana López", email("ana@example.org"),
                  {phone("+447700900123"), handle("instagram:analopez")})});
  auto people = s->contact_records().value();
  ASSERT_EQ(people.size(), 1u);
  EXPECT_EQ(people[0].identities.size(), 3u);
  // Later, the phone alone is the same person.
  commit(*s, {msg("voicemail:7", 200, "", phone("+447700900123"))});
  EXPECT_EQ(s->contact_records()->size(), 1u);
  EXPECT_EQ(s->counts()->contacts, 1);
}

TEST_P(Contacts, AMessageJoiningTwoPeopleIsAMergeWithItsEvidence) {
  auto s = fresh_store();
  commit(*s, {msg("mid:1@x", 100, "Ana López", email("ana@example.org")),
              msg("voicemail:1", 150, "", phone("+447700900123"))});
  ASSERT_EQ(s->counts()->contacts, 2);
  commit(*s, {msg("form:2", 200, "Ana", email("ana@example.org"), {phone("+447700900123")})});
  EXPECT_EQ(s->counts()->contacts, 1);
  auto ana = s->find_contact("ana@example.org").value();
  auto detail = s->contact_detail(ana).value();
  ASSERT_EQ(detail.merges.size(), 1u);
  EXPECT_EQ(detail.merges[0].kind, "merge");
  EXPECT_EQ(detail.merges[0].evidence,
            "message form:2 is from both email ana@example.org and phone +447700900123");
  std::vector<std::string> identities;
  for (const auto& i : detail.contact.identities) identities.push_back(i.kind + ":" + i.value);
  EXPECT_EQ(identities, (std::vector<std::string>{"email:ana@example.org", "phone:+447700900123"}));
  EXPECT_EQ(detail.contact.messages, 3);
  EXPECT_EQ(detail.contact.display_name, "Ana");  // the most recent name
  // The merged contact's id still finds the person.
  EXPECT_EQ(s->find_contact(std::to_string(detail.merges[0].from_contact_id)).value(), ana);
}

TEST_P(Contacts, UnmergeRestoresTheExactStateEvenAfterLaterMessages) {
  auto build = [](SqlStore& s) {
    commit(s, {msg("mid:1@x", 100, "Ana López", email("ana@example.org")),
               msg("voicemail:1", 150, "A. Lopez", phone("+447700900123"))});
    std::int64_t ana = s.find_contact("ana@example.org").value();
    std::int64_t caller = s.find_contact("+447700900123").value();
    ASSERT_TRUE(s.tag_contact(ana, "supporter", true).ok());
    ASSERT_TRUE(s.tag_contact(caller, "caller", true).ok());
    ASSERT_TRUE(s.add_note(caller, "called about compost", 1795000000).ok());
    ASSERT_TRUE(s.record_answer(caller, 160, "manual", "").ok());
    ASSERT_TRUE(s.snooze(ana, 999).ok());
  };
  auto merged = fresh_store();
  build(*merged);
  std::int64_t ana = merged->find_contact("ana@example.org").value();
  std::int64_t caller = merged->find_contact("+447700900123").value();
  auto id = merged->merge_contacts(caller, ana, "by hand", 1795600000);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(merged->counts()->contacts, 1);
  EXPECT_EQ(merged->contact_detail(ana)->contact.tags,
            (std::vector<std::string>{"caller", "supporter"}));
  // A message arrives for the phone while the two are one person.
  commit(*merged, {msg("voicemail:2", 300, "Ana Lopez", phone("+447700900123"))});
  ASSERT_TRUE(merged->unmerge(*id, 1795600100).ok());

  // The same history without the merge.
  auto control = fresh_store();
  build(*control);
  commit(*control, {msg("voicemail:2", 300, "Ana Lopez", phone("+447700900123"))});
  EXPECT_EQ(snapshot(*merged), snapshot(*control));

  // Undone means "two people": a message tying them again does not join them.
  commit(*merged, {msg("form:9", 400, "Ana", email("ana@example.org"), {phone("+447700900123")})});
  EXPECT_EQ(merged->counts()->contacts, 2);
  EXPECT_FALSE(merged->unmerge(*id, 1795600200).ok());  // undone already
}

TEST_P(Contacts, TwoPeopleSaidApartAreNotJoinedThroughAThirdIdentity) {
  auto s = fresh_store();
  commit(*s, {msg("a", 100, "Ana", email("ana@example.org")),
              msg("b", 110, "Ana", email("ana@work.example"))});
  std::int64_t home = s->find_contact("ana@example.org").value();
  std::int64_t work = s->find_contact("ana@work.example").value();
  auto merged = s->merge_contacts(work, home, "by hand", 1);
  ASSERT_TRUE(merged.ok());
  ASSERT_TRUE(s->unmerge(*merged, 2).ok());  // "these are two people"
  // The work address joins a phone caller, then the phone and the home address come together:
  // through the caller, the two Anas would be one again.
  commit(*s, {msg("c", 120, "", phone("+447700900123"))});
  commit(*s, {msg("d", 130, "Ana", phone("+447700900123"), {email("ana@work.example")})});
  commit(*s, {msg("e", 140, "Ana", email("ana@example.org"), {phone("+447700900123")})});
  EXPECT_NE(s->find_contact("ana@example.org").value(),
            s->find_contact("ana@work.example").value());
  EXPECT_EQ(s->counts()->contacts, 2);
}

TEST_P(Contacts, TheGroupingDoesNotDependOnTheOrderMessagesArriveIn) {
  std::vector<Message> all = {
      msg("a", 100, "Ana", email("ana@example.org")),
      msg("b", 110, "", phone("+447700900123")),
      msg("c", 120, "Ben", email("ben@example.org")),
      msg("d", 130, "Ana L", handle("instagram:analopez"), {phone("+447700900123")}),
      msg("e", 140, "Ana", email("ana@example.org"), {handle("instagram:analopez")}),
      msg("f", 150, "Ben K", email("ben.k@work.example"), {email("ben@example.org")}),
      msg("g", 160, "Cleo", email("cleo@example.org")),
  };
  auto forward = fresh_store();
  for (const auto& m : all) commit(*forward, {m});
  auto backward = fresh_store();
  for (auto it = all.rbegin(); it != all.rend(); ++it) commit(*backward, {*it});
  auto shuffled = fresh_store();
  for (size_t i : {3u, 6u, 0u, 5u, 1u, 4u, 2u}) commit(*shuffled, {all[i]});
  auto expected = std::set<std::set<std::string>>{
      {"email:ana@example.org", "phone:+447700900123", "handle:instagram:analopez"},
      {"email:ben@example.org", "email:ben.k@work.example"},
      {"email:cleo@example.org"}};
  EXPECT_EQ(grouping(*forward), expected);
  EXPECT_EQ(grouping(*backward), expected);
  EXPECT_EQ(grouping(*shuffled), expected);
  // And the name shown is the most recent one, whatever the order.
  for (auto* s : {forward.get(), backward.get(), shuffled.get()}) {
    auto ana = s->contact_detail(s->find_contact("ana@example.org").value()).value();
    EXPECT_EQ(ana.contact.display_name, "Ana");
    auto ben = s->contact_detail(s->find_contact("ben@example.org").value()).value();
    EXPECT_EQ(ben.contact.display_name, "Ben K");
  }
}

TEST_P(Contacts, ReadingTheSameMessagesAgainChangesNothing) {
  auto s = fresh_store();
  std::vector<Message> batch = {
      msg("a", 100, "Ana", email("ana@example.org")), msg("b", 110, "", phone("+447700900123")),
      msg("c", 120, "Ana", email("ana@example.org"), {phone("+447700900123")})};
  commit(*s, batch);
  std::string once = snapshot(*s);
  commit(*s, batch);
  EXPECT_EQ(snapshot(*s), once);
}

ContactFilter filter(bool unanswered, bool first_time, std::string tag = "",
                     std::string source = "", std::optional<UnixTime> since = std::nullopt) {
  ContactFilter f;
  f.unanswered = unanswered;
  f.first_time = first_time;
  f.tag = std::move(tag);
  f.source = std::move(source);
  f.since = since;
  return f;
}

TEST_P(Contacts, ListFiltersAndMergeRefusals) {
  auto s = fresh_store();
  commit(*s, {msg("a", 100, "Ana", email("ana@example.org")),
              msg("b", 200, "Ben", email("ben@example.org")),
              msg("c", 300, "Ben", email("ben@example.org"))});
  std::int64_t ana = s->find_contact("ana@example.org").value();
  std::int64_t ben = s->find_contact("ben@example.org").value();
  ASSERT_TRUE(s->tag_contact(ben, "supporter", true).ok());
  ASSERT_TRUE(s->record_answer(ana, 150, "manual", "").ok());
  auto waiting = s->contacts(filter(true, false)).value();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].id, ben);
  auto first = s->contacts(filter(false, true)).value();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, ana);
  EXPECT_EQ(s->contacts(filter(false, false, "supporter"))->size(), 1u);
  EXPECT_EQ(s->contacts(filter(false, false, "", "site"))->size(), 2u);
  EXPECT_EQ(s->contacts(filter(false, false, "", "elsewhere"))->size(), 0u);
  EXPECT_EQ(s->contacts(filter(false, false, "", "", 250))->size(), 1u);
  EXPECT_EQ(s->merge_contacts(ana, ana, "", 1).error().code, ErrorCode::kUsage);
  EXPECT_EQ(s->merge_contacts(ana, 999, "", 1).error().code, ErrorCode::kUsage);
  ASSERT_TRUE(s->merge_contacts(ana, ben, "by hand", 1).ok());
  EXPECT_EQ(s->merge_contacts(ana, ben, "again", 1).error().code, ErrorCode::kUsage);
}

TEST_P(Contacts, NotesAreEditedAndRemovedOneByOneAndFollowAMergeAndItsUndoing) {
  auto s = fresh_store();
  commit(*s, {msg("a", 100, "Ana", email("ana@example.org")),
              msg("b", 200, "Ana L.", email("ana@work.example"))});
  std::int64_t ana = s->find_contact("ana@example.org").value();
  std::int64_t work = s->find_contact("ana@work.example").value();
  auto first = s->add_note(ana, "Met at the seed swap", 1000);
  auto second = s->add_note(work, "Works at the allotment office", 2000);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(s->edit_note(ana, *first, "Met at the spring seed swap", 3000).ok());
  EXPECT_EQ(s->edit_note(work, *first, "not hers", 3000).error().code, ErrorCode::kNotFound)
      << "a note is edited through the person it is about";
  std::string before = snapshot(*s);
  auto merged = s->merge_contacts(work, ana, "same person", 4000);
  ASSERT_TRUE(merged.ok());
  auto both = s->contact_detail(ana).value();
  ASSERT_EQ(both.notes.size(), 2u);
  EXPECT_EQ(both.notes[0].text, "Met at the spring seed swap");
  EXPECT_EQ(both.notes[0].edited_at, 3000);
  EXPECT_EQ(both.contact.notes,
            "1970-01-01 Met at the spring seed swap\n1970-01-01 Works at the allotment office");
  ASSERT_TRUE(s->unmerge(*merged, 5000).ok());
  // Every row as it was, the notes' owners included.
  EXPECT_EQ(snapshot(*s), before);
  EXPECT_EQ(s->contact_detail(work).value().notes.size(), 1u) << "the note went back with her";
  ASSERT_TRUE(s->delete_note(work, *second).ok());
  EXPECT_TRUE(s->contact_detail(work).value().notes.empty());
  EXPECT_EQ(s->delete_note(work, *second).error().code, ErrorCode::kNotFound);
}

TEST_P(Contacts, TagsAreOneWhateverTheirCaseAndRemovingAMissingOneSaysSo) {
  auto s = fresh_store();
  commit(*s, {msg("a", 100, "Ana", email("ana@example.org"))});
  std::int64_t ana = s->find_contact("ana@example.org").value();
  ASSERT_TRUE(s->tag_contact(ana, "Supporter", true).ok());
  ASSERT_TRUE(s->tag_contact(ana, "SUPPORTER", true).ok());
  ASSERT_TRUE(s->tag_contact(ana, "Café", true).ok());
  EXPECT_EQ(s->contact_detail(ana).value().contact.tags,
            (std::vector<std::string>{"café", "supporter"}));
  ContactFilter f;
  f.tag = "SuPPorter";
  EXPECT_EQ(s->contacts(f).value().size(), 1u);
  ASSERT_TRUE(s->tag_contact(ana, "supporter", false).ok());
  auto again = s->tag_contact(ana, "supporter", false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().what, "no tag \"supporter\" to remove");
}

TEST(ContactsSqlite, NotesKeptAsTextByAnOlderVersionBecomeRowsWhenTheStoreOpens) {
  std::string path = ::testing::TempDir() + "/notes-upgrade.db";
  std::remove(path.c_str());
  {
    auto s = SqlStore::open(path).value();
    commit(*s, {msg("a", 100, "Ana", email("ana@example.org"))});
    // What an older version wrote: the notes as dated lines of one column.
    ASSERT_TRUE(s->database()
                    .exec("UPDATE contacts SET notes = '2026-11-02 Sent her seeds' || char(10) || "
                          "'2026-11-20 Wants an episode on leeks'")
                    .ok());
  }
  auto s = SqlStore::open(path).value();
  auto d = s->contact_detail(s->find_contact("ana@example.org").value()).value();
  ASSERT_EQ(d.notes.size(), 2u);
  EXPECT_EQ(d.notes[0].text, "Sent her seeds");
  EXPECT_EQ(format_rfc3339_utc(d.notes[0].created_at), "2026-11-02T00:00:00Z");
  EXPECT_EQ(d.notes[1].text, "Wants an episode on leeks");
  EXPECT_EQ(d.contact.notes, "2026-11-02 Sent her seeds\n2026-11-20 Wants an episode on leeks");
}

}  // namespace
}  // namespace rapport
