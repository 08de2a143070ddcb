// Digest delivery over SMTP, against a real SMTP server on 127.0.0.1.
#include "notify/smtp_mailer.h"

#include <gtest/gtest.h>

#include "core/text.h"
#include "ingest/mail/mail_parser.h"
#include "notify/digest_render.h"
#include "notify/mime_writer.h"
#include "tests/support/smtp_server.h"

namespace rapport::notify {
namespace {

using testing::SmtpTestServer;

SmtpOptions options(const SmtpTestServer& server, const std::string& password = "open-sesame") {
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.username = "sam@slowgarden.example";
  o.password = password;
  o.ca_file = server.ca_file();
  o.timeout_seconds = 5;
  return o;
}

std::string hostile_digest_email() {
  Digest d;
  d.slot = "2026-11-25";
  d.generated_at = 1795597200;
  d.show = "The Slow Garden";
  DigestItem item;
  item.who.display_name = "Eve\r\nBcc: everyone@example.org <script>alert(1)</script>";
  item.who.address = "eve@example.org";
  item.who.subject = "Re: Ep. 10\r\nX-Injected: yes";
  item.who.reply_text =
      std::string(3000, 'w') +
      " \u202Eright-to-left \u05E9\u05DC\u05D5\u05DD <img src=x onerror=alert(1)>";
  item.reasons = {"first time writing"};
  d.items.push_back(item);
  OutgoingMessage m;
  m.from_name = "Rapport";
  m.from_address = "sam@slowgarden.example";
  m.to_name = "Sam \"the gardener\" Rivera";
  m.to_address = "sam@slowgarden.example";
  m.subject = digest_subject(d);
  m.message_id = "rapport-digest-2026-11-25.1@slowgarden.example";
  m.date = d.generated_at;
  m.text = render_text(d, {"Sam Rivera", 280});
  m.html = render_html(d, {"Sam Rivera", 280});
  return compose(m);
}

TEST(SmtpMailer, DeliversOverStartTlsWithAuthAndTheMessageArrivesWhole) {
  SmtpTestServer server("sam@slowgarden.example", "open-sesame");
  ASSERT_TRUE(server.ready());
  SmtpMailer mailer(options(server));
  std::string data = hostile_digest_email();
  auto sent = mailer.send({"sam@slowgarden.example", "sam@slowgarden.example", "digest"}, data);
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  EXPECT_EQ(*sent, "smtp 127.0.0.1:" + std::to_string(server.port()));
  auto got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(server.envelope(1), "sam@slowgarden.example\nsam@slowgarden.example\n");
  // It parses as MIME with both parts, and no listener text became a header.
  Message parsed = ingest::parse_mail(got[0], 0);
  EXPECT_EQ(parsed.subject, "Rapport: 1 person to answer today");
  EXPECT_EQ(parsed.message_id, "rapport-digest-2026-11-25.1@slowgarden.example");
  EXPECT_TRUE(parsed.warnings.empty()) << parsed.warnings.front();
  EXPECT_EQ(parsed.header("Bcc"), nullptr);
  EXPECT_EQ(parsed.header("X-Injected"), nullptr);
  EXPECT_NE(parsed.text.find("Eve  Bcc: everyone@example.org"), std::string::npos) << parsed.text;
  EXPECT_NE(got[0].find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  // In the HTML part listener text is escaped (in the text part "<script>" is just text).
  std::string html = got[0].substr(got[0].find("Content-Type: text/html"));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<img src=3Dx"), std::string::npos);
  for (const auto& line : split_lines(got[0])) EXPECT_LE(line.size(), 998u);
}

TEST(SmtpMailer, DeliversOverSmtps) {
  SmtpTestServer server("sam@slowgarden.example", "open-sesame", SmtpTestServer::Mode::kTls);
  ASSERT_TRUE(server.ready());
  SmtpOptions o = options(server);
  o.security = SmtpSecurity::kTls;
  auto sent = SmtpMailer(o).send({"sam@slowgarden.example", "sam@slowgarden.example", "d"},
                                 "Subject: hi\r\n\r\nhello\r\n");
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST(SmtpMailer, LogsInWithXoauth2FromATokenCommand) {
  SmtpTestServer server("sam@slowgarden.example", "ya29.a0-token");
  ASSERT_TRUE(server.ready());
  SmtpOptions o = options(server, "");
  o.token_command = "printf 'ya29.a0-token\\n'";
  auto sent = SmtpMailer(o).send({"sam@slowgarden.example", "sam@slowgarden.example", "d"},
                                 "Subject: hi\r\n\r\nhello\r\n");
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  EXPECT_EQ(server.messages().size(), 1u);
  o.token_command = "exit 3";
  auto failed = SmtpMailer(o).send({"sam@slowgarden.example", "sam@slowgarden.example", "d"}, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConfig);
}

TEST(SmtpMailer, AWrongPasswordFailsPromptlyWithAHint) {
  SmtpTestServer server("sam@slowgarden.example", "open-sesame");
  ASSERT_TRUE(server.ready());
  auto r = SmtpMailer(options(server, "guess"))
               .send({"sam@slowgarden.example", "sam@slowgarden.example", "d"},
                     "Subject: x\r\n\r\nx\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().retry, Retry::kNo);
  EXPECT_NE(r.error().hint.find("refused the login"), std::string::npos) << r.error().to_string();
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, RefusesAServerItCannotVerify) {
  SmtpTestServer server("sam@slowgarden.example", "open-sesame");
  ASSERT_TRUE(server.ready());
  SmtpOptions o = options(server);
  o.ca_file.clear();  // the system's CAs do not know this self-signed certificate
  auto r = SmtpMailer(o).send({"sam@slowgarden.example", "sam@slowgarden.example", "d"}, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().hint.find("could not be verified"), std::string::npos)
      << r.error().to_string();
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, AServerThatIsDownIsARetryableFailure) {
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = testing::closed_port();
  o.timeout_seconds = 3;
  auto r = SmtpMailer(o).send({"a@x.example", "b@x.example", "d"}, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().retry, Retry::kYes);
}

}  // namespace
}  // namespace rapport::notify
