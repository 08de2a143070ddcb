// The POP3 source against a real Dovecot on 127.0.0.1.
#include "ingest/mail/pop3_source.h"

#include <gtest/gtest.h>

#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "tests/support/dovecot_server.h"

namespace rapport::ingest {
namespace {

using testing::DovecotTestServer;

constexpr char kUser[] = "sam@slowgarden.example";
constexpr char kPassword[] = "compost-42";

// A voicemail-service notification forwarded by a listener from Outlook, with a line that
// begins with a dot (POP3 stuffs it) and a Windows-1252 body.
std::string message(int n) {
  return "From: =?windows-1252?Q?Zo=EB_Martin?= <zoe" + std::to_string(n) +
         "@example.co.uk>\r\n"
         "To: sam@slowgarden.example\r\n"
         "Subject: RE: Ep. 12 - Compost\r\n"
         "Date: Mon, 23 Nov 2026 19:1" +
         std::to_string(n % 10) +
         ":00 +0000\r\n"
         "Message-ID: <DB9PR0" +
         std::to_string(n) +
         "MB1234@DB9PR07MB.eurprd07.prod.outlook.com>\r\n"
         "Content-Type: text/plain; charset=\"Windows-1252\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n"
         "MIME-Version: 1.0\r\n"
         "\r\n"
         "Message " +
         std::to_string(n) +
         ": I tried the =93hot=94 method.\r\n"
         ".hidden line that starts with a dot\r\n"
         "\r\n"
         "From: Sam <sam@slowgarden.example>\r\nSent: Sunday, November 22, 2026 9:00 AM\r\n"
         "Subject: Ep. 12\r\n\r\nNew episode.\r\n";
}

// The flags that say what a reader did; \Recent only says which session saw a message first.
std::string lasting_flags(std::string flags) {
  for (size_t at; (at = flags.find("\\Recent")) != std::string::npos;) flags.erase(at, 7);
  return flags;
}

Pop3Options options(const DovecotTestServer& server, const std::string& security) {
  Pop3Options o;
  o.name = "pop";
  o.server.protocol = "pop3";
  o.server.host = "127.0.0.1";
  o.server.port = security == "tls" ? server.pop3s_port() : server.pop3_port();
  o.server.security = security;
  o.server.username = kUser;
  o.server.password = kPassword;
  o.server.ca_file = server.ca_file();
  o.server.timeout_seconds = 10;
  return o;
}

class Pop3SourceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ready()) << server.why_not_ready(); }
  DovecotTestServer server{kUser, kPassword};
};

TEST_F(Pop3SourceTest, ReadsByUidlOverStlsDeletesNothingAndMarksNothingSeen) {
  ASSERT_TRUE(server.save(message(1)));
  ASSERT_TRUE(server.save(message(2)));
  std::string before = lasting_flags(server.flags());
  Pop3Source source(options(server, "starttls"));
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->messages.size(), 2u);
  const Message& m = first->messages[0];
  EXPECT_EQ(m.from.name, "Zoë Martin");
  EXPECT_NE(m.text.find("the “hot” method"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("\n.hidden line"), std::string::npos);  // unstuffed, kept
  EXPECT_EQ(std::count(first->cursor.begin(), first->cursor.end(), '\n'), 2);
  EXPECT_EQ(lasting_flags(server.flags()), before);  // still there, still unseen
  EXPECT_EQ(before, "uid=1 flags=\nuid=2 flags=\n");

  auto nothing = source.poll(first->cursor);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->messages.empty());

  ASSERT_TRUE(server.save(message(3)));
  auto next = source.poll(first->cursor);
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  ASSERT_EQ(next->messages.size(), 1u);
  EXPECT_EQ(next->messages[0].from.address, "zoe3@example.co.uk");
}

TEST_F(Pop3SourceTest, ReadsInBatchesOverTlsAndForgetsWhatLeftTheServer) {
  for (int n = 1; n <= 5; ++n) ASSERT_TRUE(server.save(message(n)));
  Pop3Options o = options(server, "tls");
  o.batch_size = 2;
  Pop3Source source(o);
  auto store = SqlStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  FixedClock clock(1795600000);
  std::vector<Source*> sources{&source};
  auto out = pipeline::poll_sources(**store, sources, clock, {});
  ASSERT_FALSE(out[0].error.has_value()) << out[0].error->to_string();
  EXPECT_EQ(out[0].stored.messages_added, 5);  // three batches in one pass

  // The creator's mail program deletes everything; the cursor forgets those UIDLs.
  ASSERT_TRUE(server.expunge_all());
  ASSERT_TRUE(server.save(message(6)));
  auto later = pipeline::poll_sources(**store, sources, clock, {});
  ASSERT_FALSE(later[0].error.has_value()) << later[0].error->to_string();
  EXPECT_EQ(later[0].stored.messages_added, 1);
  auto state = (*store)->source("pop3", "pop", source.location(), clock.now());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(std::count(state->cursor.begin(), state->cursor.end(), '\n'), 1);
}

TEST_F(Pop3SourceTest, ARefusedLoginIsAConfigError) {
  Pop3Options o = options(server, "tls");
  o.server.password = "not-it";
  Pop3Source source(o);
  auto batch = source.poll("");
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, ErrorCode::kConfig);
}

}  // namespace
}  // namespace rapport::ingest
