#include "ingest/mail/maildir_source.h"

#include <gtest/gtest.h>
#include <utime.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::TempDir;

std::string reply(const std::string& id, const std::string& from) {
  return "From: " + from +
         "\nTo: sam@slowgarden.example\nSubject: Re: Ep. 1\nDate: Mon, 2 Nov 2026 "
         "10:00:00 +0000\nMessage-ID: <" +
         id + ">\n\nLovely episode.\n";
}

void set_mtime(const std::filesystem::path& p, time_t t) {
  struct utimbuf times {
    t, t
  };
  ASSERT_EQ(utime(p.c_str(), &times), 0);
}

class MaildirSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.path() / "new");
    std::filesystem::create_directories(dir.path() / "cur");
    std::filesystem::create_directories(dir.path() / "tmp");
  }
  std::filesystem::path deliver(const std::string& sub, const std::string& name,
                                const std::string& content, time_t mtime) {
    auto p = dir.write(sub + "/" + name, content);
    set_mtime(p, mtime);
    return p;
  }
  TempDir dir;
};

TEST_F(MaildirSourceTest, ReadsNewAndCurThenOnlyWhatArrivedSince) {
  deliver("cur", "1000.M1.host:2,S", reply("a@x", "Ana <ana@example.org>"), 1000);
  deliver("new", "2000.M2.host", reply("b@x", "Ben <ben@example.org>"), 2000);
  deliver("tmp", "3000.M3.host", reply("partial@x", "x@example.org"), 3000);  // never read
  dir.write("cur/.hidden", "not mail");
  MaildirSource source("replies", dir.str());
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->messages.size(), 2u);
  EXPECT_EQ(first->messages[0].message_id, "a@x");  // oldest first
  EXPECT_EQ(first->messages[0].source_ref, "1000.M1.host");
  EXPECT_EQ(first->cursor, "2000 2");

  auto nothing = source.poll(first->cursor);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->messages.empty());
  EXPECT_EQ(nothing->cursor, "2000 2");

  // A client moving a message from new/ to cur/ renames it; that is nothing new.
  std::filesystem::rename(dir.path() / "new/2000.M2.host", dir.path() / "cur/2000.M2.host:2,S");
  auto moved = source.poll(first->cursor);
  EXPECT_TRUE(moved->messages.empty());

  deliver("new", "4000.M4.host", reply("c@x", "Cat <cat@example.org>"), 4000);
  auto third = source.poll(first->cursor);
  ASSERT_EQ(third->messages.size(), 1u);
  EXPECT_EQ(third->messages[0].message_id, "c@x");
  EXPECT_EQ(third->cursor, "4000 3");
}

TEST_F(MaildirSourceTest, AFileDeliveredWithAnOldTimeMakesAFullRescan) {
  deliver("cur", "1000.M1.host:2,S", reply("a@x", "ana@example.org"), 1000);
  deliver("cur", "5000.M5.host:2,S", reply("e@x", "eve@example.org"), 5000);
  MaildirSource source("replies", dir.str());
  auto first = source.poll("");
  ASSERT_EQ(first->messages.size(), 2u);
  // Restored from a backup with its original time, older than the watermark.
  deliver("cur", "3000.M3.host:2,S", reply("c@x", "cat@example.org"), 3000);
  auto second = source.poll(first->cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->messages.size(), 3u);  // all again; natural keys make it harmless
  EXPECT_EQ(second->messages[1].message_id, "c@x");
  EXPECT_EQ(second->cursor, "5000 3");
}

TEST_F(MaildirSourceTest, AMessageTooLargeIsKeptByItsBeginningWithAWarning) {
  std::string big = reply("big@x", "ana@example.org") + std::string(4096, 'x') + "\n";
  deliver("new", "1000.M1.host", big, 1000);
  MaildirSource source("replies", dir.str(), 500, 1024);
  auto r = source.poll("");
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].message_id, "big@x");
  ASSERT_FALSE(r->messages[0].warnings.empty());
  EXPECT_NE(r->messages[0].warnings.back().find("only the beginning"), std::string::npos);
}

TEST_F(MaildirSourceTest, AFolderIsReadInBatchesThatResumeWhereTheyStopped) {
  for (int i = 0; i < 7; ++i) {
    deliver("cur", std::to_string(1000 + i) + ".M" + std::to_string(i) + ".host:2,S",
            reply("m" + std::to_string(i) + "@x", "ana@example.org"), 1000 + i);
  }
  MaildirSource source("replies", dir.str(), 3);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->messages.size(), 3u);
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->cursor, "partial 1002 1002.M2.host 3");
  auto second = source.poll(first->cursor);
  ASSERT_EQ(second->messages.size(), 3u);
  EXPECT_EQ(second->messages[0].message_id, "m3@x");
  auto third = source.poll(second->cursor);
  ASSERT_EQ(third->messages.size(), 1u);
  EXPECT_FALSE(third->more);
  EXPECT_EQ(third->cursor, "1006 7");
  EXPECT_TRUE(source.poll(third->cursor)->messages.empty());

  // A file delivered with an old time while a scan is in batches is not lost: the count at the
  // end no longer matches, and the next poll reads everything again.
  auto restart = source.poll("");
  deliver("new", "0999.M9.host", reply("late@x", "ben@example.org"), 999);
  auto rest = source.poll(source.poll(restart->cursor)->cursor);
  EXPECT_EQ(rest->cursor, "1006 7");
  auto again = source.poll(rest->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->messages.size(), 3u);  // a full rescan, in batches again
  EXPECT_EQ(again->messages[0].message_id, "late@x");
}

TEST_F(MaildirSourceTest, AFileAMailProgramMovesDuringABatchedScanIsStillRead) {
  for (int i = 0; i < 4; ++i) {
    deliver("new", std::to_string(2000 + i) + ".M" + std::to_string(i) + ".host",
            reply("n" + std::to_string(i) + "@x", "ana@example.org"), 2000 + i);
  }
  MaildirSource source("replies", dir.str(), 2);
  auto first = source.poll("");
  ASSERT_EQ(first->messages.size(), 2u);
  // The creator opens the third message: it moves to cur/ and gains its flags.
  std::filesystem::rename(dir.path() / "new/2002.M2.host", dir.path() / "cur/2002.M2.host:2,S");
  auto second = source.poll(first->cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->messages.size(), 2u);
  EXPECT_EQ(second->messages[0].message_id, "n2@x");
  EXPECT_TRUE(second->warnings.empty());
  EXPECT_EQ(second->cursor, "2003 4");
}

TEST(MaildirSource, AMissingFolderFailsWithAHint) {
  MaildirSource source("replies", "/nonexistent/Maildir");
  auto r = source.poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().hint.find("new/ and cur/"), std::string::npos);
}

TEST(MaildirSource, ReadsTheWholeDemoMaildir) {
  MaildirSource source("replies", std::string(RAPPORT_SOURCE_DIR) + "/config/demo/Maildir");
  auto r = source.poll("");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->messages.size(), 30u);
  for (const auto& m : r->messages) {
    EXPECT_EQ(m.natural_key.rfind("mid:", 0), 0u) << m.source_ref;
    EXPECT_FALSE(m.text.empty()) << m.source_ref;
    EXPECT_TRUE(m.warnings.empty()) << m.source_ref << ": " << m.warnings.front();
  }
}

}  // namespace
}  // namespace rapport::ingest
