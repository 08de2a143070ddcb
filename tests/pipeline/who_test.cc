// One way to name a person: every spelling of an address or a phone, an id, a name without
// case or accents, the unique beginning of a name.
#include "pipeline/who.h"

#include <gtest/gtest.h>

#include "pipeline/run_once.h"
#include "store/sql_store.h"

namespace rapport::pipeline {
namespace {

Message from(const std::string& key, const std::string& name, const std::string& address,
             UnixTime at) {
  Message m;
  m.natural_key = key;
  m.from = {name, address};
  m.text = "Hello!";
  m.received_at = at;
  return m;
}

class WhoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(SqlStore::open(":memory:").value());
    rules.default_country = "GB";
    auto src = store->source("maildir", "replies", "/mail", 0);
    Batch b;
    b.messages.push_back(from("mid:1", "Lucía Fernández", "lucia.fernandez@gmail.com", 100));
    b.messages.push_back(from("mid:2", "Ana López", "ana@example.org", 200));
    b.messages.push_back(from("mid:3", "Ana Lopez", "ana.lopez@work.example", 300));
    b.messages.push_back(from("mid:4", "Grace Kim", "grace@example.net", 400));
    Message call;
    call.natural_key = "vm:1";
    call.kind = MessageKind::kVoicemail;
    call.claimed = {"phone", "+44 (0)7700 900123", ""};
    call.text = "Call me back?";
    call.received_at = 500;
    b.messages.push_back(call);
    for (auto& m : b.messages) process_message(m, std::vector<Episode>{}, rules);
    ASSERT_TRUE(store->commit_batch(src->id, b, 600).ok());
  }
  std::int64_t id(const std::string& who) {
    auto r = find_person(*store, who, rules);
    EXPECT_TRUE(r.ok()) << who << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : -1;
  }
  std::unique_ptr<SqlStore> store;
  IdentityRules rules;
};

TEST_F(WhoTest, FindsSomeoneByTheAddressTheDigestPrintsInAnySpelling) {
  // `rapport snooze lucia.fernandez@gmail.com 2d` said "no one called …" while the digest
  // printed exactly that address: the identity is kept in its normal form.
  std::int64_t lucia = id("lucia.fernandez@gmail.com");
  EXPECT_EQ(id("LuciaFernandez@googlemail.com"), lucia);
  EXPECT_EQ(id("lucia.fernandez+podcast@gmail.com"), lucia);
  EXPECT_EQ(id("  Lucia.Fernandez@Gmail.com "), lucia);
  EXPECT_EQ(id("#" + std::to_string(lucia)), lucia);
  EXPECT_EQ(id(std::to_string(lucia)), lucia);
}

TEST_F(WhoTest, FindsSomeoneByTheirNameWithoutCaseOrAccentsOrByItsBeginning) {
  std::int64_t lucia = id("lucia.fernandez@gmail.com");
  EXPECT_EQ(id("Lucia Fernandez"), lucia);
  EXPECT_EQ(id("LUCÍA FERNÁNDEZ"), lucia);
  EXPECT_EQ(id("lucía"), lucia);  // the unique beginning of a name
  EXPECT_EQ(id("Grace"), id("grace@example.net"));
}

TEST_F(WhoTest, SeveralMatchesAreListedWithTheirIdsAndHowToPickOne) {
  auto r = find_person(*store, "Ana Lopez", rules);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUsage);
  std::int64_t ana = id("ana@example.org");
  std::int64_t other = id("ana.lopez@work.example");
  EXPECT_NE(r.error().what.find("2 people match \"Ana Lopez\": #" + std::to_string(ana) +
                                " Ana López <ana@example.org>; #" + std::to_string(other) +
                                " Ana Lopez <ana.lopez@work.example>"),
            std::string::npos)
      << r.error().what;
  EXPECT_NE(r.error().hint.find("by its id (like #"), std::string::npos);
}

TEST_F(WhoTest, FindsACallerByTheirNumberHoweverItIsWritten) {
  std::int64_t caller = id("+447700900123");
  EXPECT_EQ(id("07700 900123"), caller);  // national, with [contacts] default_country = "GB"
  EXPECT_EQ(id("0044 7700 900 123"), caller);
  EXPECT_EQ(id("+44 (0)7700 900123"), caller);
}

TEST_F(WhoTest, SaysWhatItLookedForWhenNoOneMatches) {
  auto address = find_person(*store, "nobody@example.org", rules);
  ASSERT_FALSE(address.ok());
  EXPECT_EQ(address.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(address.error().what, "no one writes from nobody@example.org");
  auto name = find_person(*store, "Zoë", rules);
  EXPECT_EQ(name.error().what, "no one called \"Zoë\"");
  auto id = find_person(*store, "#999", rules);
  EXPECT_EQ(id.error().what, "no contact #999");
}

TEST_F(WhoTest, AMergedPersonIsFoundAsTheOneTheyJoined) {
  std::int64_t ana = id("ana@example.org");
  std::int64_t other = id("ana.lopez@work.example");
  ASSERT_TRUE(store->merge_contacts(other, ana, "the same person", 700).ok());
  EXPECT_EQ(id("#" + std::to_string(other)), ana);
  EXPECT_EQ(id("Ana Lopez"), ana) << "one person now, not two";
}

}  // namespace
}  // namespace rapport::pipeline
