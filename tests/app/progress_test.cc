#include "app/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ingest/mail/maildir_source.h"
#include "store/sql_store.h"
#include "tests/support/temp_dir.h"

namespace rapport::app {
namespace {

using testing::TempDir;

pipeline::ReadProgress at(std::int64_t done, std::int64_t total, std::int64_t messages,
                          std::int64_t batches, bool more, double seconds,
                          Progress::Unit unit = Progress::Unit::kMessages) {
  pipeline::ReadProgress p;
  p.name = "inbox";
  p.kind = "imap";
  p.at = {done, total, unit};
  p.messages = messages;
  p.batches = batches;
  p.more = more;
  p.elapsed_seconds = seconds;
  return p;
}

TEST(ProgressLines, SaysHowFarHowFastAndHowLong) {
  EXPECT_EQ(ProgressLines::describe(at(12000, 100000, 12000, 24, true, 5.0), 38.4),
            "inbox (imap): 12,000 of 100,000 messages (12%), 2,400 a second, about 38 s left");
  EXPECT_EQ(ProgressLines::describe(at(100000, 100000, 100000, 200, false, 190), -1),
            "inbox (imap): 100,000 of 100,000 messages (100%), 526 a second, done in 3 min");
  auto mbox = at(8'100'000, 19'000'000, 4000, 8, true, 2.0, Progress::Unit::kBytes);
  mbox.kind = "mbox";
  EXPECT_EQ(ProgressLines::describe(mbox, 5400),
            "inbox (mbox): 8.1 of 19.0 MB (42%), 4,000 messages, 2,000 a second, about 1 h 30 min "
            "left");
  // A source that does not know its size says what it read.
  EXPECT_EQ(ProgressLines::describe(at(0, 0, 1500, 3, true, 0.2), -1), "inbox (imap): 1,500 messages");
}

// What a terminal was sent.
std::string drawn(const std::vector<pipeline::ReadProgress>& reports) {
  std::FILE* f = std::tmpfile();
  {
    ProgressLines lines(ProgressLines::Mode::kTerminal, f);
    for (const auto& r : reports) lines.report(r);
  }
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

TEST(ProgressLines, ATerminalLineIsRedrawnInPlaceAndEndedOnce) {
  std::string out = drawn({at(500, 1500, 500, 1, true, 1.0), at(1000, 1500, 1000, 2, true, 2.0),
                           at(1500, 1500, 1500, 3, false, 3.0)});
  EXPECT_EQ(out,
            "\rinbox (imap): 500 of 1,500 messages (33%), 500 a second\x1b[K"
            "\rinbox (imap): 1,000 of 1,500 messages (66%), 500 a second, about 1 s left\x1b[K"
            "\rinbox (imap): 1,500 of 1,500 messages (100%), 500 a second, done in 3 s\x1b[K\n");
  // A read of one batch draws nothing: the run's summary line tells it.
  EXPECT_EQ(drawn({at(40, 40, 40, 1, false, 0.1)}), "");
  // Stopped part way (a failed batch): the line is still ended.
  EXPECT_EQ(drawn({at(500, 1500, 500, 1, true, 1.0)}).back(), '\n');
}

// In a log (the daemon's journal), a read of 500 batches is a few lines: its first, one every
// five seconds at most, and its last.
TEST(ProgressLines, ALogGetsALineEveryFiveSecondsNotOneABatch) {
  ::testing::internal::CaptureStderr();
  {
    ProgressLines lines(ProgressLines::Mode::kLog);
    for (int i = 1; i <= 12; ++i) lines.report(at(i * 100, 1200, i * 100, i, i < 12, i * 1.0));
  }
  std::string out = ::testing::internal::GetCapturedStderr();
  std::vector<std::string> got;
  for (size_t start = 0, nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    got.push_back(out.substr(start, nl - start));
  }
  ASSERT_EQ(got.size(), 4u) << out;
  EXPECT_NE(got[0].find("inbox (imap): 100 of 1,200 messages (8%)"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("600 of 1,200 messages (50%)"), std::string::npos) << got[1];
  EXPECT_NE(got[2].find("1,100 of 1,200 messages (91%)"), std::string::npos) << got[2];
  EXPECT_NE(got[3].find("1,200 of 1,200 messages (100%), 100 a second, done in 12 s"),
            std::string::npos)
      << got[3];
}

TEST(ProgressLines, QuietDrawsNothing) {
  std::FILE* f = std::tmpfile();
  {
    ProgressLines lines(ProgressLines::Mode::kOff, f);
    lines.report(at(500, 1500, 500, 1, true, 1.0));
  }
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

std::string mail(int i) {
  return "Return-Path: <listener" + std::to_string(i) +
         "@example.org>\r\n"
         "From: Listener " +
         std::to_string(i) + " <listener" + std::to_string(i) +
         "@example.org>\r\n"
         "To: Mara Quinn <mara@slowgarden.example>\r\n"
         "Subject: Re: Episode 12 - Compost, slowly\r\n"
         "Date: Wed, 25 Nov 2026 08:" +
         std::to_string(10 + i % 50) + ":00 +0000\r\n"
         "Message-ID: <" + std::to_string(i) + "@mail.example.org>\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n\r\n"
         "Loved this one. Do you turn the pile in winter?\r\n";
}

TEST(ProgressLines, APipelineReadTellsEachCommittedBatch) {
  TempDir dir;
  for (int i = 0; i < 1250; ++i) {
    dir.write("Maildir/cur/1795600" + std::to_string(1000 + i) + ".M1P1.host:2,S", mail(i));
  }
  dir.write("Maildir/new/.keep", "");
  auto store = SqlStore::open((dir.path() / "rapport.db").string());
  ASSERT_TRUE(store.ok());
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(
      std::make_unique<ingest::MaildirSource>("inbox", (dir.path() / "Maildir").string(), 500));
  FixedClock clock(1795700000);
  pipeline::PollOptions options;
  std::vector<pipeline::ReadProgress> told;
  options.on_progress = [&](const pipeline::ReadProgress& p) { told.push_back(p); };
  auto outcomes = pipeline::poll_sources(**store, sources, clock, options);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_FALSE(outcomes[0].error) << outcomes[0].error->to_string();
  ASSERT_EQ(told.size(), 3u);
  EXPECT_EQ(told[0].at.done, 500);
  EXPECT_EQ(told[1].at.done, 1000);
  EXPECT_EQ(told[2].at.done, 1250);
  for (const auto& p : told) {
    EXPECT_EQ(p.at.total, 1250);
    EXPECT_EQ(p.name, "inbox");
    EXPECT_EQ(p.kind, "maildir");
  }
  EXPECT_EQ(told[2].messages, 1250);
  EXPECT_EQ(told[2].batches, 3);
  EXPECT_TRUE(told[0].more);
  EXPECT_TRUE(told[1].more);
  EXPECT_FALSE(told[2].more);
  EXPECT_GE(told[2].elapsed_seconds, told[0].elapsed_seconds);
}

}  // namespace
}  // namespace rapport::app
