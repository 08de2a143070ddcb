#include "ingest/decode/html_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rapport::ingest {
namespace {

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(HtmlText, MarksQuotedLinesAndKeepsTheNewWords) {
  std::vector<std::string> warnings;
  std::string text = html_to_text(
      "<div>Thanks, that helped!</div><blockquote>On Monday you wrote:<br>Try the "
      "<b>mulch</b>.</blockquote>",
      &warnings);
  EXPECT_EQ(text, "Thanks, that helped!\n> On Monday you wrote:\n> Try the mulch.");
  EXPECT_TRUE(warnings.empty());
}

TEST(HtmlText, TwentyThousandNestedQuotesStayLinearInSizeWithAWarning) {
  // Every line carried "> " once per open quote: 20,000 levels took 22 s and 4.4 GB, and
  // 50,000 ended in std::bad_alloc.
  for (int depth : {20000, 50000}) {
    std::string html = repeat("<blockquote>x\n", depth) + "end";
    std::vector<std::string> warnings;
    std::string text = html_to_text(html, &warnings);
    EXPECT_LT(text.size(), 4 * html.size()) << depth;
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0],
              "quotes nested deeper than 16 levels (kMaxQuotePrefix); deeper ones are marked as "
              "that level");
    // The deepest line is marked at the cap, and still reads as a quote.
    std::string deepest = repeat("> ", 16) + "x end";
    EXPECT_NE(text.rfind(deepest), std::string::npos) << text.substr(text.size() - 80);
  }
}

TEST(HtmlText, AHundredThousandNestedGmailQuotesStayBounded) {
  std::string html = repeat("<div class=\"gmail_quote\">q\n", 100000) + "end";
  std::vector<std::string> warnings;
  std::string text = html_to_text(html, &warnings);
  EXPECT_LT(text.size(), 4 * html.size());
  EXPECT_EQ(warnings.size(), 1u);
  EXPECT_EQ(text.substr(0, 6), "> q\n> ");
}

TEST(HtmlText, AmpersandsWithoutSemicolonsAreKeptAsWrittenInLinearTime) {
  // Each '&' looked for a ';' to the end of the text: quadratic.
  std::string amps(2'000'000, '&');
  EXPECT_EQ(decode_entities(amps), amps);
  EXPECT_EQ(html_to_text("<p>" + amps.substr(0, 1000) + "</p>"), amps.substr(0, 1000));
  EXPECT_EQ(decode_entities("caf&eacute; &amp c&#233;&#x301;"), "café &amp cé\xCC\x81");
  EXPECT_EQ(decode_entities("&averyveryverylongname;"), "&averyveryverylongname;");
}

TEST(HtmlText, SpacesInPreFollowedByManyBlocksAreLinear) {
  // Each block tag re-trimmed a line of a million spaces.
  std::string html = "<pre>" + std::string(1'000'000, ' ') + repeat("<div>", 100000) + "x";
  EXPECT_EQ(html_to_text(html), "x");
}

}  // namespace
}  // namespace rapport::ingest

namespace rapport::ingest {
namespace {

TEST(HtmlText, ALinkKeepsItsTargetWhenItsTextDoesNotSayIt) {
  EXPECT_EQ(html_to_text("<p>Here is the <a href=\"https://open.example/pl/3?si=a&amp;b=1\">playlist</a> "
                         "we made.</p>"),
            "Here is the playlist <https://open.example/pl/3?si=a&b=1> we made.");
  // The text already is the address: nothing added.
  EXPECT_EQ(html_to_text("See <a href=\"https://www.example.org/a/\">example.org/a</a> and "
                         "<a href='mailto:ana@example.org?subject=hi'>ana@example.org</a>."),
            "See example.org/a and ana@example.org.");
  // Only web and mail addresses; an image alone in a link adds no address; data-href is not one.
  EXPECT_EQ(html_to_text("<a href=\"javascript:alert(1)\">click</a> <a href=\"https://x.example/\">"
                         "<img src=\"logo.png\"></a> <a data-href=\"https://y.example\">y</a>"),
            "click y");
}

}  // namespace
}  // namespace rapport::ingest
