#include "pipeline/identity.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pipeline/resolve.h"

namespace rapport::pipeline {
namespace {

TEST(EmailIdentity, GmailIgnoresDotsTagsAndCaseAndGooglemailIsGmail) {
  EXPECT_EQ(email_identity("Ana.Lopez+podcast@GoogleMail.com").value, "analopez@gmail.com");
  EXPECT_EQ(email_identity("<a.n.a@gmail.com>").value, "ana@gmail.com");
  EXPECT_EQ(email_identity("mailto:Ana@Example.ORG").value, "ana@example.org");
}

TEST(EmailIdentity, PlusTagsGoAtProvidersThatDeliverThemToTheSameMailbox) {
  for (const char* domain : {"outlook.com", "hotmail.com", "hotmail.co.uk", "live.fr", "msn.com",
                             "icloud.com", "me.com", "mac.com", "fastmail.com", "fastmail.fm",
                             "proton.me", "protonmail.com", "pm.me", "hey.com", "zoho.com",
                             "zohomail.eu"}) {
    EXPECT_EQ(email_identity(std::string("Ana.L+Podcast@") + domain).value,
              std::string("ana.l@") + domain)
        << domain;
  }
  // Elsewhere a +tag can be another mailbox; Yahoo's tags use '-', and are their own addresses.
  EXPECT_EQ(email_identity("ana+show@example.org").value, "ana+show@example.org");
  EXPECT_EQ(email_identity("ana+show@live.example.org").value, "ana+show@live.example.org");
  EXPECT_EQ(email_identity("ana+show@yahoo.com").value, "ana+show@yahoo.com");
}

TEST(EmailIdentity, QuotedLocalParts) {
  EXPECT_EQ(email_identity("\"ana lopez\"@Example.ES").value, "\"ana lopez\"@example.es");
  EXPECT_EQ(email_identity("\"Ana\"@example.es").value, "ana@example.es");  // needs no quotes
  EXPECT_EQ(email_identity("\"ana@home\"@example.es").value, "\"ana@home\"@example.es");
  EXPECT_TRUE(email_identity("\"\"@example.es").empty());
  EXPECT_TRUE(email_identity("ana lopez@example.es").empty());
  EXPECT_TRUE(email_identity("ola@@broken.example").empty());
}

TEST(EmailIdentity, PlusTagsElsewhereOnlyWhenConfiguredAndCaseKeptWhereNamed) {
  EXPECT_EQ(email_identity("ana+show@example.net").value, "ana+show@example.net");
  EXPECT_EQ(email_identity("ana.l@fastmail.com").value, "ana.l@fastmail.com");  // dots matter
  IdentityRules rules;
  rules.strip_plus_tags = true;
  EXPECT_EQ(email_identity("ana+show@example.net", rules).value, "ana@example.net");
  rules.case_sensitive_domains = {"legacy.example"};
  EXPECT_EQ(email_identity("AnaL@Legacy.Example", rules).value, "AnaL@legacy.example");
  EXPECT_TRUE(email_identity("not an address").empty());
  EXPECT_TRUE(email_identity("+tag@gmail.com").value == "+tag@gmail.com");  // no local part left
}

TEST(E164, ReadsInternationalAndNationalNumbers) {
  EXPECT_EQ(e164("+44 (0)7700 900123", ""), "+447700900123");
  EXPECT_EQ(e164("0044 7700 900123", ""), "+447700900123");
  EXPECT_EQ(e164("07700 900123", "GB"), "+447700900123");
  EXPECT_EQ(e164("(415) 555-0132", "US"), "+14155550132");
  EXPECT_EQ(e164("1-415-555-0132", "us"), "+14155550132");
  EXPECT_EQ(e164("06 12 34 56 78", "FR"), "+33612345678");
  EXPECT_EQ(e164("06 1234 5678", "IT"), "+390612345678");  // Italy keeps its leading 0
  EXPECT_EQ(e164("07700 900123", ""), "");                 // national, no country: unknown
  EXPECT_EQ(e164("555-0132", "US"), "");                   // too short
  EXPECT_EQ(e164("+44 7700 900123 ext. 4", ""), "+447700900123");  // an extension: the line
}

// tests/data/phones.tsv: numbers as listeners write them in 70 countries, national prefixes
// and all ("8 (912)…", "06 20…", "011 15…"), with what each is in E.164.
TEST(E164, ReadsTheNumbersOfEveryCountryAsPeopleWriteThem) {
  std::ifstream in(std::string(RAPPORT_SOURCE_DIR) + "/tests/data/phones.tsv");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string region, raw, want;
    std::getline(fields, region, '\t');
    std::getline(fields, raw, '\t');
    std::getline(fields, want, '\t');
    EXPECT_EQ(e164(raw, region == "-" ? "" : region), want) << region << " " << raw;
    ++cases;
  }
  EXPECT_GE(cases, 80);
}

TEST(Resolve, AFormWithAnEmailAPhoneAndAHandleCarriesAllThree) {
  Message m;
  m.kind = MessageKind::kForm;
  m.from = {"Ana López", "Ana.Lopez@gmail.com"};
  m.claimed = {"phone", "07700 900123"};
  m.claims = {{"handle", "Instagram:@AnaLopez"}};
  IdentityRules rules;
  rules.default_country = "GB";
  resolve(m, rules);
  EXPECT_EQ(m.identity.kind, "email");
  EXPECT_EQ(m.identity.value, "analopez@gmail.com");
  ASSERT_EQ(m.also.size(), 2u);
  EXPECT_EQ(m.also[0].value, "+447700900123");
  EXPECT_EQ(m.also[1].value, "instagram:analopez");
}

TEST(Resolve, APhoneWithoutACountryIsKeptAsItsDigits) {
  Message a, b;
  a.kind = b.kind = MessageKind::kVoicemail;
  a.claimed = {"phone", "07700 900123"};
  b.claimed = {"phone", "(07700) 900-123"};
  resolve(a);
  resolve(b);
  EXPECT_EQ(a.identity.value, "07700900123");
  EXPECT_EQ(b.identity.value, a.identity.value);  // one person however it was spaced
}

TEST(Resolve, AnAddressThatCannotBeReadIsAnUnknownSenderNotNoOne) {
  Message broken;
  broken.kind = MessageKind::kEmail;
  broken.natural_key = "mid:x1@broken";
  broken.from = {"Ola Nordmann", "ola@@broken"};
  resolve(broken);
  EXPECT_EQ(broken.identity.kind, "unknown");
  EXPECT_EQ(broken.identity.value, "ola@@broken");
  EXPECT_EQ(broken.identity.shown(), "ola@@broken");
  EXPECT_EQ(broken.display_name, "Ola Nordmann");
  // The same broken address again is the same unknown sender; a different case too.
  Message again = broken;
  again.from.address = "OLA@@broken";
  resolve(again);
  EXPECT_EQ(again.identity.value, broken.identity.value);
  EXPECT_EQ(again.identity.written, "OLA@@broken");
  // No sender at all: an unknown sender of its own.
  Message none;
  none.kind = MessageKind::kEmail;
  none.natural_key = "sha256:abc";
  resolve(none);
  EXPECT_EQ(none.identity.kind, "unknown");
  EXPECT_EQ(none.identity.value, "message sha256:abc");
  EXPECT_EQ(none.identity.shown(), "(no sender)");
  // Control characters in a hostile From never reach a stored identity raw.
  Message hostile;
  hostile.kind = MessageKind::kEmail;
  hostile.from = {"", "eve@@x\x1b[31m"};
  resolve(hostile);
  EXPECT_EQ(hostile.identity.written.find('\x1b'), std::string::npos);
}

TEST(Names, NfcAndFolding) {
  // "José" with a combining acute (as macOS writes it) and precomposed are one name.
  EXPECT_EQ(nfc("Jose\xCC\x81"), "Jos\xC3\xA9");
  EXPECT_EQ(nfc("Zo\xC3\xAB"), "Zo\xC3\xAB");
  EXPECT_EQ(fold_name("Jos\xC3\xA9  M\xC3\xBCller"), "jose muller");
  EXPECT_EQ(fold_name("Jose\xCC\x81 Mu\xCC\x88ller"), "jose muller");
  EXPECT_EQ(fold_name("\xC3\x98ystein \xC3\x85kesson"), "oystein akesson");
  EXPECT_EQ(fold_name("Siobh\xC3\xA1n O'Brien-Walsh"), "siobhan obrien walsh");
  EXPECT_EQ(fold_name("\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E"),
            "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E");  // 山田 太郎, as written
  Message m;
  m.from = {
      "\"Jose\xCC\x81 Garc\xC3\xAD"
      "a\"",
      "jose@example.es"};
  resolve(m);
  EXPECT_EQ(m.display_name,
            "Jos\xC3\xA9 Garc\xC3\xAD"
            "a");
}

TEST(JaroWinkler, KnownValues) {
  EXPECT_NEAR(jaro_winkler("martha", "marhta"), 0.961, 0.001);
  EXPECT_NEAR(jaro_winkler("dwayne", "duane"), 0.84, 0.001);
  EXPECT_DOUBLE_EQ(jaro_winkler("ana lopez", "ana lopez"), 1.0);
  EXPECT_LT(jaro_winkler("ana lopez", "ben kim"), 0.6);
}

}  // namespace
}  // namespace rapport::pipeline
