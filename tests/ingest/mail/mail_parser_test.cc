#include "ingest/mail/mail_parser.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::read_file;
using testing::test_data;

// A message of the bundled demo Maildir, found by its unique name in new/ or cur/.
std::string demo_mail(const std::string& unique) {
  for (const char* sub : {"cur", "new"}) {
    std::filesystem::path dir =
        std::filesystem::path(RAPPORT_SOURCE_DIR) / "config/demo/Maildir" / sub;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().filename().string().rfind(unique, 0) == 0) return read_file(e.path());
    }
  }
  ADD_FAILURE() << "no demo message " << unique;
  return {};
}

TEST(MailParser, DecodesBase64Utf8AndAnRfc2047Name) {
  Message m = parse_mail(demo_mail("1762867441.M55P9031.mail"), 0);
  EXPECT_EQ(m.from.name, "Amélie Durand");
  EXPECT_EQ(m.from.address, "amelie.durand@orange.fr");
  EXPECT_EQ(m.subject, "Re\xC2\xA0: Ep. 9: Saving Seed for Beginners");
  EXPECT_EQ(m.message_id, "1f9c2b7e-8d41-4c0e-9a55-3e7b2f61c0d4@orange.fr");
  EXPECT_EQ(m.natural_key, "mid:1f9c2b7e-8d41-4c0e-9a55-3e7b2f61c0d4@orange.fr");
  EXPECT_EQ(m.in_reply_to, "ep009.newsletter@slowgarden.example");
  EXPECT_EQ(m.received_at, 1794403441);  // 14:24:01 +0100
  EXPECT_NE(m.text.find("grand-mère gave me beans from her garden in the Drôme"), std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("huit sur dix !"), std::string::npos);
  EXPECT_TRUE(m.warnings.empty()) << m.warnings.front();
}

TEST(MailParser, DecodesQuotedPrintableWindows1252FromOutlook) {
  Message m = parse_mail(demo_mail("1761044520.M31P2201.mail"), 0);
  EXPECT_EQ(m.from.name, "Priya Raman");
  EXPECT_EQ(m.subject, "RE: Ep. 6: A Balcony Is a Garden Too");
  EXPECT_FALSE(m.text_from_html);
  // Soft line breaks joined, =92 read as the windows-1252 apostrophe.
  EXPECT_NE(m.text.find("I’m the listener with the balcony you mentioned at the start – thank you "
                        "for reading my message out"),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("Sent: Tuesday, October 20, 2026"), std::string::npos);
  EXPECT_EQ(m.references, std::vector<std::string>{"ep006.newsletter@slowgarden.example"});
}

TEST(MailParser, TurnsHtmlOnlyMailIntoTextWithQuotesMarked) {
  Message m = parse_mail(demo_mail("1759250400.M12P4410.mail"), 0);
  EXPECT_EQ(m.from.name, "Tomás García");  // iso-8859-1 Q-encoded
  EXPECT_TRUE(m.text_from_html);
  EXPECT_NE(m.text.find("My abuela in Murcia would have loved this episode."), std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("from seed she saved & every year"), std::string::npos);
  EXPECT_EQ(m.text.find("margin-top"), std::string::npos);  // <style> dropped
  // Outlook's reply divider starts the quoted part.
  EXPECT_NE(m.text.find("> From: Sam Rivera <sam@slowgarden.example>"), std::string::npos)
      << m.text;
}

TEST(MailParser, UnwrapsFormatFlowedAndKeepsTheSignatureSeparator) {
  Message m = parse_mail(demo_mail("1760704412.M77P1290.mail"), 0);
  EXPECT_NE(m.text.find("F1 hybrids are not sterile, they just do not come true from seed."),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("\n-- \nJonas Weber"), std::string::npos);
}

TEST(MailParser, ReadsLatin1QuotedPrintableBodies) {
  Message m = parse_mail(demo_mail("1762956000.M7P12.mail"), 0);
  EXPECT_EQ(m.from.name, "Lucía Fernández");
  EXPECT_NE(m.text.find("Guardé semillas de judías"), std::string::npos) << m.text;
}

TEST(MailParser, ReadsAPostfixBounceReport) {
  Message m = parse_mail(demo_mail("1763359320.M20P5.mail"), 0);
  EXPECT_EQ(m.from.address, "MAILER-DAEMON@mx.slowgarden.example");
  EXPECT_EQ(m.from.name, "Mail Delivery System");
  ASSERT_NE(m.header("Content-Type"), nullptr);
  EXPECT_NE(m.header("Content-Type")->find("multipart/report"), std::string::npos);
  EXPECT_NE(m.text.find("could not\nbe delivered"), std::string::npos) << m.text;
  EXPECT_EQ(m.received_at, 1794895320);  // "(UTC)" comment after the zone ignored
}

TEST(MailParser, ReadsEveryPartUpToAMissingFinalBoundary) {
  Message m = parse_mail(test_data("mail/missing_final_boundary.eml"), 0);
  EXPECT_EQ(m.text,
            "Sam, the worms are back! After your episode I stopped adding citrus and the bin "
            "is alive again.\n\nRuth");
  ASSERT_FALSE(m.warnings.empty());
  EXPECT_NE(m.warnings[0].find("no final boundary"), std::string::npos);
}

TEST(MailParser, DecodesWhatIsValidInBrokenBase64) {
  Message m = parse_mail(test_data("mail/broken_base64.eml"), 0);
  EXPECT_NE(m.text.find("Thank you for the episode! I saved my first shiso seeds."),
            std::string::npos)
      << m.text;
  bool warned = false;
  for (const auto& w : m.warnings) warned |= w.find("broken base64") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(MailParser, KeysAMessageWithoutIdByItsContent) {
  std::string raw = test_data("mail/no_message_id_raw_8bit.eml");
  Message m = parse_mail(raw, 1794000000);
  EXPECT_EQ(m.message_id, "");
  EXPECT_EQ(m.natural_key.rfind("sha256:", 0), 0u);
  EXPECT_EQ(m.natural_key.size(), 7u + 64u);
  EXPECT_EQ(parse_mail(raw, 1794000000).natural_key, m.natural_key);
  EXPECT_NE(parse_mail(raw + "P.S. hej igen\n", 0).natural_key, m.natural_key);
  // Raw UTF-8 in headers is read as it is.
  EXPECT_EQ(m.from.name, "Björn Nilsson");
  EXPECT_EQ(m.subject, "Hälsningar från Göteborg");
  // "5 Nov 2026 09:00 +0100": no weekday, no seconds.
  EXPECT_EQ(m.received_at, 1793865600);
}

TEST(MailParser, ReadsRawLatin1HeadersWithAWarning) {
  Message m = parse_mail(test_data("mail/raw_latin1_header.eml"), 0);
  EXPECT_EQ(m.from.name, "Renée Lefèvre");
  EXPECT_EQ(m.text, "J'ai adoré l'épisode.");
  bool warned = false;
  for (const auto& w : m.warnings) warned |= w.find("raw 8-bit") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(MailParser, PrefersPlainTextInNestedMultipartsAndSkipsAttachments) {
  Message m = parse_mail(test_data("mail/nested_mixed_with_attachment.eml"), 0);
  EXPECT_EQ(m.from.name, "Okafor, Marcus");
  EXPECT_EQ(m.from.address, "marcus.okafor@gmail.com");
  EXPECT_EQ(m.text, "Here's the verge after six weeks. Council hasn't written yet!");
  EXPECT_TRUE(m.warnings.empty());
}

TEST(MailParser, ConvertsIso2022Jp) {
  Message m = parse_mail(test_data("mail/iso2022jp.eml"), 0);
  EXPECT_EQ(m.from.name, "山田 太郎");
  EXPECT_EQ(m.subject, "こんにちは");
  EXPECT_EQ(m.text, "こんにちは、サムさん。");
}

TEST(MailParser, NeverFailsOnGarbage) {
  for (std::string raw :
       {std::string(), std::string("\n\n\n"), std::string("no headers at all"),
        std::string("Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\n--x\n"),
        std::string(5000, '=') + "?"}) {
    Message m = parse_mail(raw, 42);
    EXPECT_FALSE(m.natural_key.empty());
    EXPECT_EQ(m.received_at, 42);
  }
}

TEST(MailParser, ParsesAddressForms) {
  EXPECT_EQ(parse_address("\"Lee, Hannah\" <hannah@icloud.com>").name, "Lee, Hannah");
  EXPECT_EQ(parse_address("hannah@icloud.com (Hannah Lee)").name, "Hannah Lee");
  EXPECT_EQ(parse_address("<hannah@icloud.com>").address, "hannah@icloud.com");
  EXPECT_EQ(parse_address("hannah@icloud.com").address, "hannah@icloud.com");
  auto list = parse_address_list("\"Rivera, Sam\" <sam@x.example>, ben@y.example");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Rivera, Sam");
  EXPECT_EQ(list[1].address, "ben@y.example");
}

TEST(MailParser, CommentsInAddressesAreNotPartOfThem) {
  // RFC 5322's own example, and the forms old gateways and X.400 bridges write.
  Address a = parse_address("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
  EXPECT_EQ(a.address, "pete@silly.test");
  EXPECT_EQ(a.name, "Pete");
  a = parse_address("Pete(his account)@silly.test(his host)");
  EXPECT_EQ(a.address, "Pete@silly.test");
  EXPECT_EQ(a.name, "");  // two comments: neither is a name
  a = parse_address("ines.moreau@laposte.net (Ines (la vraie) Moreau)");
  EXPECT_EQ(a.address, "ines.moreau@laposte.net");
  EXPECT_EQ(a.name, "Ines (la vraie) Moreau");
  a = parse_address("<@relay.example.net:kofi@example.gh>");
  EXPECT_EQ(a.address, "kofi@example.gh");
  a = parse_address("\"Okafor, Chidi \\\"CJ\\\"\" <chidi@example.ng>");
  EXPECT_EQ(a.name, "Okafor, Chidi \"CJ\"");
  a = parse_address("broken (never closed <x@y.example>");
  EXPECT_EQ(a.address, "broken");
  // A comma inside a comment does not split a list; a group gives its members.
  auto list = parse_address_list("kofi@example.gh (Mensah, Kofi), Listeners: a@x.example, "
                                 "\"B; C\" <b@y.example>;, undisclosed-recipients:;");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "Mensah, Kofi");
  EXPECT_EQ(list[1].address, "a@x.example");
  EXPECT_EQ(list[2].name, "B; C");
}

TEST(MailParser, SeveralAuthorsTheFirstIsTheSender) {
  Message m = parse_mail(
      "From: Maja Nowak <maja@example.pl>, Piotr Nowak <piotr@example.pl>\n"
      "Subject: od nas obojga\nMessage-ID: <two@example.pl>\n\nDziekujemy!\n",
      0);
  EXPECT_EQ(m.from.address, "maja@example.pl");
  EXPECT_EQ(m.from.name, "Maja Nowak");
  m = parse_mail("From: maja@example.pl, piotr@example.pl\nMessage-ID: <t2@x>\n\nHej\n", 0);
  EXPECT_EQ(m.from.address, "maja@example.pl");
  // A client that forgot the quotes around "Lopez, Ana" still names one person.
  m = parse_mail("From: Lopez, Ana <ana@example.es>\nMessage-ID: <t3@x>\n\nHola\n", 0);
  EXPECT_EQ(m.from.address, "ana@example.es");
  EXPECT_EQ(m.from.name, "Lopez, Ana");
}

TEST(MailParser, QuotedLocalPartsKeepTheirQuotes) {
  Message m = parse_mail(
      "From: \"ana lopez\"@example.es\nMessage-ID: <q1@example.es>\n\nHola\n", 0);
  EXPECT_EQ(m.from.address, "\"ana lopez\"@example.es");
  m = parse_mail("From: Ana <\"ana@home\"@example.es>\nMessage-ID: <q2@example.es>\n\nHola\n", 0);
  EXPECT_EQ(m.from.address, "\"ana@home\"@example.es");
  EXPECT_EQ(m.from.name, "Ana");
}

TEST(MailParser, RawUtf8HeadersReadAsUtf8WhateverTheBodySays) {
  // RFC 6532 headers from a modern client, a Latin-1 body part from an old one.
  Message m = parse_mail(
      "From: J\xC3\xBCrgen Fr\xC3\xB6hlich <jf@example.de>\nSubject: Fr\xC3\xB6sche\n"
      "Message-ID: <u1@example.de>\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\n"
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
      "Sch\xF6ne Folge \xFC" "ber Fr\xF6sche.\n--b--\n",
      0);
  EXPECT_EQ(m.subject, "Frösche");
  EXPECT_EQ(m.from.name, "Jürgen Fröhlich");
  EXPECT_EQ(m.text, "Schöne Folge über Frösche.");
  // A header that mixes UTF-8 words with Latin-1 bytes keeps each as it was meant.
  m = parse_mail("From: a@example.de\nSubject: Fr\xC3\xB6sche und Kr\xF6ten\nMessage-ID: <u2@x>\n\nx\n", 0);
  EXPECT_EQ(m.subject, "Frösche und Kröten");
}

TEST(MailParser, APartWithoutACharsetIsReadInTheOneItsBytesShow) {
  // An old Japanese mail program: ISO-2022-JP would declare itself; Shift_JIS often did not.
  std::string body =
      "\x8D\xA1\x93\xFA\x82\xCC\x95\xFA\x91\x97\x82\xF0\x95\xB7\x82\xAB\x82\xDC\x82\xB5"
      "\x82\xBD\x81\x42\x8E\xED\x82\xCC\x95\xDB\x91\xB6\x82\xC9\x82\xC2\x82\xA2\x82\xC4"
      "\x8E\xBF\x96\xE2\x82\xAA\x82\xA0\x82\xE8\x82\xDC\x82\xB7\x81\x42\n";
  Message m = parse_mail("From: a@example.jp\nMessage-ID: <sj@example.jp>\nMIME-Version: 1.0\n"
                         "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n" + body,
                         0);
  EXPECT_EQ(m.text, "今日の放送を聞きました。種の保存について質問があります。");
  ASSERT_FALSE(m.warnings.empty());
  EXPECT_NE(m.warnings[0].find("read as"), std::string::npos) << m.warnings[0];
}

TEST(MailParser, Utf7BodiesAndEncodedWords) {
  Message m = parse_mail(
      "From: =?utf-7?Q?J+AOk-r+APQ-me?= <jerome@example.fr>\n"
      "Subject: =?UNICODE-1-1-UTF-7?Q?L+AOk-pisode_42?=\nMessage-ID: <u7@example.fr>\n"
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-7\n\n"
      "Merci pour l+IBk-+AOk-pisode, c'+AOk-tait tr+AOg-s beau.\n",
      0);
  EXPECT_EQ(m.from.name, "Jérôme");
  EXPECT_EQ(m.subject, "Lépisode 42");
  EXPECT_EQ(m.text, "Merci pour l\u2019épisode, c'était très beau.");
}

TEST(MailParser, DecodesEncodedWordsAndDropsSpaceBetweenThem) {
  EXPECT_EQ(decode_rfc2047("=?utf-8?q?caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?="), "café crème");
  EXPECT_EQ(decode_rfc2047("Re: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Wien"), "Re: Grüße aus Wien");
  EXPECT_EQ(decode_rfc2047("=?utf-8*en?B?SGVsbG8=?="), "Hello");
  EXPECT_EQ(decode_rfc2047("plain =?bogus"), "plain =?bogus");
}

// --- Hostile headers (regressions: each once took seconds to minutes) ---

TEST(MailParser, ASubjectFullOfUnterminatedEncodedWordsIsKeptAsWrittenInLinearTime) {
  // Each "=?" searched to the end of the header for "?=": 118 s for a 1 MB Subject.
  std::string subject;
  for (int i = 0; i < 1'000'000; ++i) subject += "=?";
  Message m =
      parse_mail("From: a@example.org\nMessage-ID: <s@x>\nSubject: " + subject + "\n\nhello\n", 0);
  // Kept as written, up to the 64 KB a header may hold.
  EXPECT_EQ(m.subject.size(), 64u * 1024);
  EXPECT_TRUE(subject.compare(0, m.subject.size(), m.subject) == 0);
  bool cut = false;
  for (const auto& w : m.warnings) cut |= w.find("(kMaxHeaderValue)") != std::string::npos;
  EXPECT_TRUE(cut);
  std::string words;
  for (int i = 0; i < 200'000; ++i) words += "=?utf-8?q?a";
  EXPECT_TRUE(decode_rfc2047(words) == words);
}

TEST(MailParser, DecodesEncodedWordsWithARawQuestionMarkAtTheEnd) {
  EXPECT_EQ(decode_rfc2047("=?utf-8?Q?Is_it_true?\?="), "Is it true?");
  EXPECT_EQ(decode_rfc2047("Re: =?ISO-8859-1?Q?Gr=FC=DFe?= =?UTF-8?B?YXVz?= Wien"),
            "Re: Grüßeaus Wien");
  EXPECT_EQ(decode_rfc2047("=?utf-8?q?unterminated"), "=?utf-8?q?unterminated");
  EXPECT_EQ(decode_rfc2047("a =? b ?= c"), "a =? b ?= c");
}

TEST(MailParser, AContentTypeWithAHundredThousandParametersReadsTheFirstWithAWarning) {
  // Poco's parameter list compared each name with every other: 28 s for 1 MB.
  std::string ct = "text/plain; charset=iso-8859-1";
  for (int i = 0; i < 100'000; ++i) ct += "; a" + std::to_string(i) + "=b";
  Message m = parse_mail(
      "From: a@example.org\nMessage-ID: <p@x>\nContent-Type: " + ct + "\n\ncaf\xE9\n", 0);
  EXPECT_EQ(m.text, "café");
  bool warned = false;
  for (const auto& w : m.warnings) warned |= w.find("(MimeValue::kMaxParams)") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(MailParser, ReadsQuotedAndRfc2231Parameters) {
  MimeValue v = parse_mime_value(
      "Attachment; filename*0*=utf-8''Caf%C3%A9%20; filename*1=\"menu (v2).pdf\"; "
      "name=\"a \\\"quoted\\\" name\"; size=1024");
  EXPECT_EQ(v.value, "attachment");
  EXPECT_EQ(v.param("filename"), "Café menu (v2).pdf");
  EXPECT_EQ(v.param("NAME"), "a \"quoted\" name");
  EXPECT_EQ(v.param("size"), "1024");
  EXPECT_EQ(v.param("missing"), "");
  MimeValue ct = parse_mime_value("multipart/alternative;\r\n boundary=\"=_b;1\"");
  EXPECT_EQ(ct.value, "multipart/alternative");
  EXPECT_EQ(ct.param("boundary"), "=_b;1");
}

TEST(MailParser, FiftyThousandNestedBlockquotesInHtmlMailStayBounded) {
  std::string html;
  for (int i = 0; i < 50'000; ++i) html += "<blockquote>x\n";
  Message m = parse_mail(
      "From: a@example.org\nMessage-ID: <q@x>\nContent-Type: text/html\n\nHi there" + html, 0);
  EXPECT_TRUE(m.text_from_html);
  EXPECT_LT(m.text.size(), 4 * html.size());
  EXPECT_EQ(m.text.substr(0, 8), "Hi there");
  bool warned = false;
  for (const auto& w : m.warnings) warned |= w.find("kMaxQuotePrefix") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(MailParser, AMultipartWhoseBoundaryNeverComesIsReadAsText) {
  // Found by the fuzzer: the body was kept as raw bytes, not UTF-8.
  Message m = parse_mail(
      "From: a@example.org\nMessage-ID: <b@x>\nContent-Type: multipart/alternative; "
      "boundary=\"never\"\n\nGr\xFC\xDF Gott\n",
      0);
  EXPECT_EQ(m.text, "Gr\xEF\xBF\xBD\xEF\xBF\xBD Gott");
  EXPECT_EQ(m.warnings.front(), "multipart/alternative has no part; read as text");
}

TEST(MailParser, AnRfc2231SectionNumberTooLongToBeOneIsIgnored) {
  // Found by the fuzzer: "name*99999999999=" overflowed an int (UBSan).
  MimeValue v = parse_mime_value("attachment; filename*99999999999=a; filename*0=b; filename*1=c");
  EXPECT_EQ(v.param("filename"), "abc");
}

}  // namespace
}  // namespace rapport::ingest
