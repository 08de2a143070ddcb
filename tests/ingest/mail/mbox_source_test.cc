#include "ingest/mail/mbox_source.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::TempDir;

// One mbox message as Thunderbird or mutt append it, with the blank line that ends it.
std::string entry(int n, const std::string& body) {
  return "From listener" + std::to_string(n) + "@example.org Tue Nov 24 10:0" +
         std::to_string(n % 10) + ":00 2026\n" + "From: Listener " + std::to_string(n) +
         " <listener" + std::to_string(n) + "@example.org>\n" +
         "To: sam@slowgarden.example\nSubject: Re: Ep. 5\n" + "Message-ID: <mbox-" +
         std::to_string(n) + "@example.org>\n" + "Date: Tue, 24 Nov 2026 10:00:00 +0000\n\n" +
         body + "\n";
}

void append(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::app | std::ios::binary) << text;
}

TEST(MboxSource, ReadsEveryMessageAndUndoesMboxrdQuoting) {
  TempDir dir;
  auto path = dir.write("replies.mbox",
                        entry(1, "First line.\n>From the garden, with love.\n>>From two deep.\n") +
                            entry(2, "Short one.\n"));
  MboxSource source("archive", path.string());
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 2u);
  const Message& m = batch->messages[0];
  EXPECT_EQ(m.message_id, "mbox-1@example.org");
  EXPECT_NE(m.text.find("\nFrom the garden, with love."), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("\n>From two deep."), std::string::npos) << m.text;
  EXPECT_EQ(batch->messages[1].from.address, "listener2@example.org");
  EXPECT_EQ(batch->messages[0].source_ref, "offset 0");
  EXPECT_FALSE(batch->more);
  EXPECT_TRUE(batch->warnings.empty());
}

// A message over max_message_bytes (a listener's whole recording, attached) is read from its
// beginning — its headers and its text come first — with a warning, and the messages after it
// are read as usual.
TEST(MboxSource, AMessageOverTheLimitIsStoredFromItsBeginningAndTheNextIsRead) {
  TempDir dir;
  std::string recording;
  for (int i = 0; i < 40000; ++i) recording += "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAA\n";
  std::string big =
      "From ines@example.org Tue Nov 24 10:00:00 2026\nFrom: Ines <ines@example.org>\n"
      "To: sam@slowgarden.example\nSubject: my question, recorded\nMessage-ID: <rec@example.org>\n"
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
      "Content-Type: text/plain; charset=utf-8\n\nThe recording of my question is attached.\n"
      "--b\nContent-Type: audio/wav; name=\"question.wav\"\nContent-Transfer-Encoding: base64\n\n" +
      recording + "--b--\n\n";
  auto path = dir.write("replies.mbox", big + entry(2, "After the big one.\n"));
  ASSERT_GT(big.size(), 2u << 20);
  MboxSource source("archive", path.string(), MboxFormat::kMboxrd, 500, 1 << 20);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 2u);
  const Message& m = batch->messages[0];
  EXPECT_EQ(m.message_id, "rec@example.org");
  EXPECT_NE(m.text.find("The recording of my question is attached."), std::string::npos) << m.text;
  ASSERT_EQ(batch->warnings.size(), 1u);
  EXPECT_EQ(batch->warnings[0], "offset 0: larger than 1048576 bytes; only the beginning was read");
  EXPECT_EQ(batch->messages[1].message_id, "mbox-2@example.org");
  EXPECT_NE(batch->messages[1].text.find("After the big one."), std::string::npos);
}

TEST(MboxSource, MboxoKeepsDeeperQuotesAsWritten) {
  TempDir dir;
  auto path = dir.write("o.mbox", entry(1, ">From here.\n>>From there.\n"));
  MboxSource source("archive", path.string(), MboxFormat::kMboxo);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_NE(batch->messages[0].text.find("From here."), std::string::npos);
  EXPECT_NE(batch->messages[0].text.find(">>From there."), std::string::npos);
}

TEST(MboxSource, AFromLineInsideABodyWithoutABlankLineBeforeItIsNotASeparator) {
  TempDir dir;
  // An unquoted "From " line in the middle of a paragraph (a careless writer).
  auto path = dir.write("loose.mbox", entry(1, "I wrote to you\nFrom my kitchen table.\n"));
  MboxSource source("archive", path.string());
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_NE(batch->messages[0].text.find("From my kitchen table."), std::string::npos);
}

TEST(MboxSource, ResumesFromItsOffsetAndReadsInBatches) {
  TempDir dir;
  std::string all;
  for (int n = 1; n <= 5; ++n) all += entry(n, "Body " + std::to_string(n) + ".\n");
  auto path = dir.write("big.mbox", all);
  MboxSource source("archive", path.string(), MboxFormat::kMboxrd, 2);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->messages.size(), 2u);
  EXPECT_TRUE(first->more);
  auto second = source.poll(first->cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->messages.size(), 2u);
  EXPECT_EQ(second->messages[0].message_id, "mbox-3@example.org");
  auto third = source.poll(second->cursor);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->messages.size(), 1u);
  EXPECT_FALSE(third->more);
  auto none = source.poll(third->cursor);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->messages.empty());
  EXPECT_EQ(none->cursor, third->cursor);

  append(path, entry(6, "Arrived later.\n"));
  auto later = source.poll(third->cursor);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->messages.size(), 1u);
  EXPECT_EQ(later->messages[0].message_id, "mbox-6@example.org");
  EXPECT_TRUE(later->warnings.empty());
}

TEST(MboxSource, ATruncatedReplacedOrRewrittenFileIsReadAgainFromTheStart) {
  TempDir dir;
  auto path = dir.write("m.mbox", entry(1, "One.\n") + entry(2, "Two.\n") + entry(3, "Three.\n"));
  MboxSource source("archive", path.string());
  auto read = source.poll("");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->messages.size(), 3u);

  dir.write("m.mbox", entry(1, "One.\n"));  // truncated
  auto truncated = source.poll(read->cursor);
  ASSERT_TRUE(truncated.ok());
  ASSERT_EQ(truncated->messages.size(), 1u);
  ASSERT_EQ(truncated->warnings.size(), 1u);
  EXPECT_NE(truncated->warnings[0].find("truncated"), std::string::npos);

  // Replaced; its first message is longer than the 4 KB fingerprint.
  const std::string seven = entry(7, std::string(5000, 'x') + "\n");
  dir.write("m.mbox", seven + entry(8, "Eight.\n") + entry(9, "Nine.\n") + entry(10, "Ten.\n"));
  auto replaced = source.poll(truncated->cursor);
  ASSERT_TRUE(replaced.ok());
  ASSERT_EQ(replaced->messages.size(), 4u);
  EXPECT_NE(replaced->warnings.at(0).find("replaced"), std::string::npos);

  // A mail program deleted message 8 and wrote the file again: same beginning, shifted rest.
  dir.write("m.mbox", seven + entry(9, "Nine with more words.\n") + entry(10, "Ten.\n") +
                          entry(11, "Eleven.\n"));
  auto rewritten = source.poll(replaced->cursor);
  ASSERT_TRUE(rewritten.ok());
  ASSERT_EQ(rewritten->messages.size(), 4u);
  EXPECT_NE(rewritten->warnings.at(0).find("rewritten"), std::string::npos);
}

TEST(MboxSource, TextBeforeTheFirstFromLineIsReportedAndAMissingFileIsAnIoError) {
  TempDir dir;
  auto path = dir.write("odd.mbox", "This is not mail.\n\n" + entry(1, "Real.\n"));
  MboxSource source("archive", path.string());
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->messages.size(), 1u);
  ASSERT_EQ(batch->warnings.size(), 1u);
  EXPECT_NE(batch->warnings[0].find("19 bytes before the first"), std::string::npos);

  MboxSource missing("archive", (dir.path() / "nope.mbox").string());
  auto none = missing.poll("");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kIo);
}

TEST(MboxSource, AMessageWithoutADateUsesTheFromLine) {
  TempDir dir;
  auto path = dir.write("nodate.mbox",
                        "From ana@example.org Mon Nov 23 18:22:48 2026\nFrom: ana@example.org\n"
                        "Subject: hi\n\nNo date header here.\n");
  MboxSource source("archive", path.string());
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_EQ(batch->messages[0].received_at, 1795458168);  // 2026-11-23T18:22:48Z
}

TEST(MboxSource, AsctimeDates) {
  EXPECT_EQ(parse_asctime("Mon Nov 23 18:22:48 2026"), 1795458168);
  EXPECT_EQ(parse_asctime("Mon Nov  2 08:01:02 2026"), 1793606462);
  EXPECT_FALSE(parse_asctime("yesterday").has_value());
}

}  // namespace
}  // namespace rapport::ingest
