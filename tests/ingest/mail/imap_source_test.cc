// The IMAP source against a real Dovecot on 127.0.0.1.
#include "ingest/mail/imap_source.h"

#include <gtest/gtest.h>

#include <climits>

#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/dovecot_server.h"

namespace rapport::ingest {
namespace {

using testing::CuttingProxy;
using testing::DovecotTestServer;

constexpr char kUser[] = "sam@slowgarden.example";
constexpr char kPassword[] = "compost-42";

// A reply as Apple Mail writes it; `padding` lines make it as large as a test needs.
std::string reply(int n, const std::string& from, int padding = 0) {
  std::string body =
      "Episode " + std::to_string(n) + " made me rethink my whole balcony. Thank you!\r\n";
  for (int i = 0; i < padding; ++i)
    body += "More about the tomatoes, line " + std::to_string(i) + ".\r\n";
  return "Return-Path: <" + from +
         ">\r\n"
         "From: Listener " +
         std::to_string(n) + " <" + from +
         ">\r\n"
         "To: Sam <sam@slowgarden.example>\r\n"
         "Subject: Re: Ep. " +
         std::to_string(n) +
         ": Seeds\r\n"
         "Date: Tue, 24 Nov 2026 10:0" +
         std::to_string(n % 10) +
         ":00 +0100\r\n"
         "Message-Id: <reply-" +
         std::to_string(n) +
         "@mail.example.net>\r\n"
         "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n"
         "\r\n" +
         body +
         "\r\nOn 23 Nov 2026, at 09:00, Sam <sam@slowgarden.example> wrote:\r\n"
         "> New episode is out.\r\n";
}

ImapOptions options(const DovecotTestServer& server, const std::string& security = "starttls") {
  ImapOptions o;
  o.name = "replies";
  o.server.protocol = "imap";
  o.server.host = "127.0.0.1";
  o.server.port = security == "tls" ? server.imaps_port() : server.imap_port();
  o.server.security = security;
  o.server.username = kUser;
  o.server.password = kPassword;
  o.server.ca_file = server.ca_file();
  o.server.timeout_seconds = 10;
  return o;
}

class ImapSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ready()) << server.why_not_ready(); }
  DovecotTestServer server{kUser, kPassword};
};

TEST_F(ImapSourceTest, ReadsOverStartTlsAndLeavesEveryFlagAsItWas) {
  for (int n = 1; n <= 3; ++n)
    ASSERT_TRUE(server.save(reply(n, "l" + std::to_string(n) + "@example.org")));
  std::string before = server.flags();
  ASSERT_NE(before.find("3 "), std::string::npos) << before;

  ImapSource source(options(server));
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 3u);
  EXPECT_EQ(batch->messages[0].message_id, "reply-1@mail.example.net");
  EXPECT_EQ(batch->messages[2].from.address, "l3@example.org");
  EXPECT_EQ(batch->messages[0].subject, "Re: Ep. 1: Seeds");
  EXPECT_NE(batch->messages[0].text.find("rethink my whole balcony"), std::string::npos);
  EXPECT_FALSE(batch->more);
  EXPECT_TRUE(batch->cursor.ends_with(" 3")) << batch->cursor;
  EXPECT_EQ(batch->messages[1].source_ref.substr(0, 6), "INBOX/");
  // EXAMINE and BODY.PEEK[]: nothing became \Seen, nothing moved or went away.
  EXPECT_EQ(server.flags(), before);
  EXPECT_EQ(server.flags().find("Seen"), std::string::npos);
}

TEST_F(ImapSourceTest, ASecondPollFetchesOnlyWhatArrivedSince) {
  ASSERT_TRUE(server.save(reply(1, "ana@example.org")));
  ImapSource source(options(server, "tls"));
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->messages.size(), 1u) << first->cursor << "\n" << server.flags();

  auto nothing = source.poll(first->cursor);
  ASSERT_TRUE(nothing.ok()) << nothing.error().to_string();
  EXPECT_TRUE(nothing->messages.empty()) << nothing->cursor << "\n" << server.flags();
  EXPECT_EQ(nothing->cursor, first->cursor);

  ASSERT_TRUE(server.save(reply(2, "ben@example.org")));
  ASSERT_TRUE(server.save(reply(3, "cleo@example.org")));
  auto next = source.poll(first->cursor);
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  ASSERT_EQ(next->messages.size(), 2u)
      << "cursor " << first->cursor << " -> " << next->cursor << "\n"
      << server.flags();
  EXPECT_EQ(next->messages[0].message_id, "reply-2@mail.example.net");
  EXPECT_EQ(next->messages[1].message_id, "reply-3@mail.example.net");
}

// Five 20 KB messages in batches of two, `fetches` in flight, the connection cut after
// `cut_at` bytes from the server; then read again whole. Returns the messages the cut poll kept.
std::int64_t read_cut_and_resume(DovecotTestServer& server, size_t fetches, size_t cut_at) {
  for (int n = 1; n <= 5; ++n) {
    EXPECT_TRUE(server.save(reply(n, "p" + std::to_string(n) + "@example.org", 500)));
  }
  CuttingProxy proxy(server.imap_port(), cut_at);
  ImapOptions o = options(server);
  o.server.port = proxy.port();
  o.batch_size = 2;
  o.fetches_in_flight = fetches;
  ImapSource source(o);
  auto store = SqlStore::open(":memory:");
  EXPECT_TRUE(store.ok());
  FixedClock clock(1795600000);
  std::vector<Source*> sources{&source};

  auto cut = pipeline::poll_sources(**store, sources, clock, {});
  EXPECT_EQ(cut.size(), 1u);
  EXPECT_TRUE(cut[0].error.has_value()) << "the proxy should have cut the connection";
  if (!cut[0].error) return -1;
  EXPECT_EQ(cut[0].error->code, ErrorCode::kNetwork);
  // Whole batches, each committed with its cursor; never the one that was cut.
  const std::int64_t kept = cut[0].stored.messages_added;
  auto state = (*store)->source("imap", "replies", source.location(), clock.now());
  EXPECT_TRUE(state.ok());
  if (kept > 0) {
    EXPECT_TRUE(state->cursor.ends_with(" " + std::to_string(kept))) << state->cursor;
  }
  EXPECT_EQ(state->consecutive_failures, 1);

  proxy.set_cut_after(SIZE_MAX);
  auto resumed = pipeline::poll_sources(**store, sources, clock, {});
  EXPECT_FALSE(resumed[0].error.has_value()) << resumed[0].error->to_string();
  EXPECT_EQ(resumed[0].stored.messages_added, 5 - kept);
  EXPECT_EQ(resumed[0].stored.messages_known, 0);  // resumed after the cursor, nothing read twice
  auto counts = (*store)->counts();
  EXPECT_TRUE(counts.ok());
  EXPECT_EQ(counts->messages, 5);
  return kept;
}

TEST_F(ImapSourceTest, ReadsInBatchesThatResumeAfterTheConnectionDropsMidBatch) {
  // One fetch at a time: the cut falls in the second batch, the first is kept.
  EXPECT_EQ(read_cut_and_resume(server, 1, 62 * 1024), 2);
}

TEST_F(ImapSourceTest, PipelinedFetchesKeepOnlyWholeBatchesWhenTheConnectionDrops) {
  // Fetches in flight, and Dovecot may answer them interleaved: how many whole batches
  // had ended when the cut came is the server's choice, but never half of one, and the rest
  // is read on the next poll, nothing twice.
  std::int64_t kept = read_cut_and_resume(server, 4, 80 * 1024);
  EXPECT_TRUE(kept == 0 || kept == 2 || kept == 4) << kept;
}

TEST_F(ImapSourceTest, AChangedUidValidityReadsTheFolderAgainAndStoresNothingTwice) {
  ASSERT_TRUE(server.save(reply(1, "ana@example.org")));
  ASSERT_TRUE(server.save(reply(2, "ben@example.org")));
  ImapSource source(options(server));
  auto store = SqlStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  FixedClock clock(1795600000);
  std::vector<Source*> sources{&source};
  auto first = pipeline::poll_sources(**store, sources, clock, {});
  ASSERT_FALSE(first[0].error.has_value()) << first[0].error->to_string();
  EXPECT_EQ(first[0].stored.messages_added, 2);

  ASSERT_TRUE(server.set_uidvalidity("INBOX", 4242));
  ASSERT_TRUE(server.save(reply(3, "cleo@example.org")));
  auto again = pipeline::poll_sources(**store, sources, clock, {});
  ASSERT_FALSE(again[0].error.has_value()) << again[0].error->to_string();
  EXPECT_EQ(again[0].stored.messages_added, 1);
  EXPECT_EQ(again[0].stored.messages_known, 2);
  ASSERT_FALSE(again[0].warnings.empty());
  EXPECT_NE(again[0].warnings[0].find("UIDVALIDITY changed"), std::string::npos);
  auto state = (*store)->source("imap", "replies", source.location(), clock.now());
  EXPECT_EQ(state->cursor, "4242 3");
}

TEST_F(ImapSourceTest, SinceBoundsTheFirstReadByTheServersArrivalDate) {
  ASSERT_TRUE(server.append(reply(1, "old@example.org"), "02-Jan-2025 10:00:00 +0000"));
  ASSERT_TRUE(server.append(reply(2, "new@example.org"), "20-Nov-2026 10:00:00 +0000"));
  ImapOptions o = options(server);
  o.since = 1793318400;  // 2026-10-31
  ImapSource source(o);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_EQ(batch->messages[0].from.address, "new@example.org");
  // Later mail is read whatever its date: `since` is for the first read only.
  ASSERT_TRUE(server.append(reply(3, "late@example.org"), "03-Jan-2025 10:00:00 +0000"));
  auto next = source.poll(batch->cursor);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->messages.size(), 1u);
  EXPECT_EQ(next->messages[0].from.address, "late@example.org");
}

TEST_F(ImapSourceTest, LogsInWithXOAuth2FromTheTokenCommand) {
  ASSERT_TRUE(server.save(reply(1, "ana@example.org")));
  ImapOptions o = options(server, "tls");
  o.server.password.clear();
  // Dovecot checks an XOAUTH2 token against the passdb like a password.
  o.server.token_command = std::string("printf '%s\\n' ") + kPassword;
  ImapSource source(o);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  EXPECT_EQ(batch->messages.size(), 1u);
}

TEST_F(ImapSourceTest, ARefusedLoginIsAConfigErrorThatNeverShowsThePassword) {
  ImapOptions o = options(server);
  o.server.password = "wrong-horse-battery";
  ImapSource source(o);
  auto batch = source.poll("");
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, ErrorCode::kConfig);
  EXPECT_EQ(batch.error().to_string().find("wrong-horse"), std::string::npos);
}

TEST_F(ImapSourceTest, AnUntrustedCertificateIsRefused) {
  ImapOptions o = options(server, "tls");
  o.server.ca_file.clear();  // the system's CAs do not know the test's certificate
  ImapSource source(o);
  auto batch = source.poll("");
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, ErrorCode::kNetwork);
  EXPECT_NE(batch.error().hint.find("ca_file"), std::string::npos) << batch.error().to_string();
}

TEST_F(ImapSourceTest, ReadsAFolderWithANonAsciiNameAndReportsAMissingOne) {
  ASSERT_TRUE(server.save(reply(7, "hörer@example.de"), "Hörer-Post"));
  ImapOptions o = options(server);
  o.folder = "Hörer-Post";
  ImapSource source(o);
  auto batch = source.poll("");
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->messages.size(), 1u);
  EXPECT_EQ(batch->messages[0].message_id, "reply-7@mail.example.net");

  o.folder = "Replies";
  ImapSource missing(o);
  auto none = missing.poll("");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kConfig);
  EXPECT_NE(none.error().hint.find("Replies"), std::string::npos);
}

TEST(ImapFolderName, IsModifiedUtf7AndQuoted) {
  EXPECT_EQ(imap_quoted_folder("INBOX"), "\"INBOX\"");
  EXPECT_EQ(imap_quoted_folder("Hörer-Post"), "\"H&APY-rer-Post\"");
  EXPECT_EQ(imap_quoted_folder("台北"), "\"&U,BTFw-\"");  // RFC 3501's own example
  EXPECT_EQ(imap_quoted_folder("Q&A \"live\""), "\"Q&-A \\\"live\\\"\"");
}

// Issue 7's answered-tracking, end to end through IMAP: the creator's reply in the Sent folder
// marks the listener answered.
TEST_F(ImapSourceTest, AReplyInTheSentFolderMarksTheListenerAnswered) {
  ASSERT_TRUE(server.save(reply(1, "ana@example.org")));
  ASSERT_TRUE(server.save(reply(2, "ben@example.org")));
  std::string answer =
      "From: Sam <sam@slowgarden.example>\r\nTo: Listener 1 <ana@example.org>\r\n"
      "Subject: Re: Re: Ep. 1: Seeds\r\nDate: Wed, 25 Nov 2026 08:00:00 +0000\r\n"
      "Message-ID: <answer-1@slowgarden.example>\r\nIn-Reply-To: <reply-1@mail.example.net>\r\n"
      "\r\nSo glad the balcony is thriving!\r\n";
  ASSERT_TRUE(server.save(answer, "Sent"));
  ImapSource replies(options(server));
  ImapOptions sent_options = options(server);
  sent_options.name = "sent";
  sent_options.folder = "Sent";
  sent_options.sent = true;
  ImapSource sent(sent_options);
  auto store = SqlStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  FixedClock clock(1795650000);  // 2026-11-25
  std::vector<Source*> sources{&replies, &sent};
  pipeline::PollOptions poll;
  poll.creator_addresses = {"sam@slowgarden.example"};
  auto out = pipeline::poll_sources(**store, sources, clock, poll);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& o : out) ASSERT_FALSE(o.error.has_value()) << o.error->to_string();
  int answers = out[0].stored.answers_added + out[1].stored.answers_added;
  EXPECT_EQ(answers, 1);
  CandidateFilter filter;
  filter.now = clock.now();
  auto waiting = (*store)->digest_candidates(filter);
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u);  // Ben still waits; Ana was answered
  EXPECT_EQ((*waiting)[0].identities.front(), "ben@example.org");
  EXPECT_EQ(server.flags("Sent").find("Seen"), std::string::npos);
}

}  // namespace
}  // namespace rapport::ingest
