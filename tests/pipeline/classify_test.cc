#include "pipeline/classify.h"

#include <gtest/gtest.h>

namespace rapport::pipeline {
namespace {

struct Case {
  const char* name;
  const char* from;
  const char* subject;
  std::vector<Header> headers;
  const char* body;
  MessageClass expected;
  const char* reason_contains;
};

Message make(const Case& c) {
  Message m;
  m.from.address = c.from;
  m.subject = c.subject;
  m.headers = c.headers;
  m.text = c.body;
  return m;
}

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Classify : public ::testing::TestWithParam<Case> {};

TEST_P(Classify, SortsMessagesByWhoWroteThem) {
  const Case& c = GetParam();
  Classification got = classify(make(c));
  EXPECT_EQ(got.cls, c.expected) << to_string(got.cls) << ": " << got.reason;
  EXPECT_NE(got.reason.find(c.reason_contains), std::string::npos) << got.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Classify,
    ::testing::Values(
        Case{"plain_reply",
             "ana@example.org",
             "Re: Ep. 4",
             {},
             "Loved it!",
             MessageClass::kHuman,
             ""},
        Case{"auto_submitted",
             "klaus@gmx.de",
             "Re: Ep. 10",
             {{"Auto-Submitted", "auto-replied"}},
             "Ich bin nicht im Büro.",
             MessageClass::kAutoReply,
             "Auto-Submitted: auto-replied"},
        Case{"auto_submitted_no_is_human",
             "ana@example.org",
             "Re: Ep. 10",
             {{"Auto-Submitted", "no"}},
             "Hi!",
             MessageClass::kHuman,
             ""},
        Case{"x_autoreply",
             "a@b.example",
             "Hello",
             {{"X-Autoreply", "yes"}},
             "",
             MessageClass::kAutoReply,
             "X-Autoreply"},
        Case{"precedence_auto_reply",
             "a@b.example",
             "Hello",
             {{"Precedence", "auto_reply"}},
             "",
             MessageClass::kAutoReply,
             "auto_reply"},
        Case{"outlook_automatic_reply",
             "p@corp.example",
             "Automatic reply: Ep. 6",
             {},
             "Away",
             MessageClass::kAutoReply,
             "subject"},
        Case{"german_subject",
             "k@gmx.de",
             "Abwesenheitsnotiz: Ep. 10",
             {},
             "",
             MessageClass::kAutoReply,
             "subject"},
        Case{"french_subject",
             "a@orange.fr",
             "Réponse automatique : Ep. 9",
             {},
             "",
             MessageClass::kAutoReply,
             "subject"},
        Case{"spanish_subject",
             "l@gmail.com",
             "Respuesta automática: Ep. 9",
             {},
             "",
             MessageClass::kAutoReply,
             "subject"},
        Case{"swedish_subject",
             "i@telia.se",
             "Autosvar: Ep. 8",
             {},
             "",
             MessageClass::kAutoReply,
             "subject"},
        Case{"absent_minded_is_human",
             "ana@example.org",
             "Absent-minded question about Ep. 3",
             {},
             "Do tomatoes...?",
             MessageClass::kHuman,
             ""},
        Case{"mailer_daemon",
             "MAILER-DAEMON@mx.example",
             "Undelivered Mail Returned to Sender",
             {},
             "",
             MessageClass::kBounce,
             "MAILER-DAEMON"},
        Case{"delivery_report",
             "postmaster@outlook.com",
             "Undeliverable: Ep. 4",
             {{"Content-Type", "multipart/report; report-type=delivery-status; boundary=x"}},
             "",
             MessageClass::kBounce,
             "multipart/report"},
        Case{"postfix_bounce_names_the_failed_address",
             "MAILER-DAEMON@mx.slowgarden.example",
             "Undelivered Mail Returned to Sender",
             {},
             "This is the mail system at host mx.slowgarden.example.\n\n"
             "<old.listener@defunct-isp.example>: host mx.defunct-isp.example said: "
             "550 5.1.1 User unknown",
             MessageClass::kBounce,
             "failed address old.listener@defunct-isp.example"},
        Case{"delivery_report_final_recipient",
             "postmaster@outlook.com",
             "Undeliverable: Ep. 4",
             {{"Content-Type", "multipart/report; report-type=delivery-status; boundary=x"}},
             "Delivery has failed.\n\nReporting-MTA: dns;AM0PR.eurprd.outlook.com\n"
             "Final-Recipient: rfc822;gone@contoso.example\nAction: failed\n",
             MessageClass::kBounce,
             "failed address gone@contoso.example"},
        Case{"failed_recipients",
             "mail@relay.example",
             "Delivery problem",
             {{"X-Failed-Recipients", "old@defunct.example"}},
             "",
             MessageClass::kBounce,
             "old@defunct.example"},
        Case{"unsubscribe_subject",
             "ana@example.org",
             "unsubscribe",
             {},
             "",
             MessageClass::kUnsubscribe,
             "unsubscribe"},
        Case{"unsubscribe_body",
             "ana@example.org",
             "Re: Ep. 5",
             {},
             "Please unsubscribe me",
             MessageClass::kUnsubscribe,
             "unsubscribe"},
        Case{"mentions_unsubscribe_is_human",
             "ana@example.org",
             "Re: Ep. 5",
             {},
             "I almost hit unsubscribe last month, but this episode won me back!",
             MessageClass::kHuman,
             ""},
        Case{"list_id",
             "news@seedco.example",
             "Autumn catalogue",
             {{"List-Id", "<autumn.seedco.example>"}},
             "",
             MessageClass::kList,
             "List-Id"},
        Case{"precedence_bulk",
             "news@seedco.example",
             "Offers",
             {{"Precedence", "bulk"}},
             "",
             MessageClass::kList,
             "bulk"},
        Case{"noreply_sender",
             "no-reply@platform.example",
             "Your weekly stats",
             {},
             "",
             MessageClass::kList,
             "no-reply@"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace rapport::pipeline
