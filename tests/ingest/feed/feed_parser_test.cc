#include "ingest/feed/feed_parser.h"

#include <gtest/gtest.h>

#include "core/text.h"
#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::read_file;
using testing::test_data;

std::string demo_feed() {
  return read_file(std::string(RAPPORT_SOURCE_DIR) + "/config/demo/feed.xml");
}

TEST(FeedParser, ReadsTheDemoPodcastWithItunesFields) {
  auto feed = parse_feed(demo_feed(), "file:///demo/feed.xml");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->format, "rss");
  EXPECT_EQ(feed->title, "The Slow Garden");
  EXPECT_EQ(feed->language, "en-gb");
  EXPECT_EQ(feed->author, "Sam Rivera");
  EXPECT_EQ(feed->image, "https://slowgarden.example/art/cover-3000.jpg");
  ASSERT_EQ(feed->items.size(), 10u);
  const FeedItem& newest = feed->items[0];
  EXPECT_EQ(newest.guid, "slowgarden-ep-010");
  EXPECT_EQ(newest.title, "Ep. 10: Letting the Meadow Decide");
  EXPECT_EQ(newest.link, "https://slowgarden.example/episodes/10-letting-the-meadow-decide");
  EXPECT_EQ(newest.published, 1794895200);  // Tue, 17 Nov 2026 06:00:00 +0000
  EXPECT_EQ(newest.episode, 10);
  EXPECT_EQ(newest.season, 1);
  EXPECT_EQ(newest.duration_seconds, 43 * 60 + 37);
  EXPECT_EQ(newest.episode_type, "full");
  EXPECT_EQ(newest.explicit_, false);
  EXPECT_EQ(feed->items[9].episode_type, "trailer");
  ASSERT_TRUE(newest.enclosure.has_value());
  EXPECT_EQ(newest.enclosure->type, "audio/mpeg");
  EXPECT_EQ(newest.enclosure->length, 41876112);
  // Durations in every form the demo uses: MM:SS, seconds, HH:MM:SS.
  EXPECT_EQ(feed->items[2].duration_seconds, 2214);
  EXPECT_EQ(feed->items[3].duration_seconds, 34 * 60 + 57);
  EXPECT_TRUE(feed->warnings.empty());
}

TEST(FeedParser, ResolvesRelativeAtomLinksAgainstXmlBase) {
  auto feed = parse_feed(test_data("feeds/atom_with_xml_base.xml"), "https://mirror.example/feed");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->format, "atom");
  EXPECT_EQ(feed->title, "Field Notes & Letters");
  EXPECT_EQ(feed->link, "https://letters.example/");
  EXPECT_EQ(feed->author, "Noor Haddad");
  ASSERT_EQ(feed->items.size(), 2u);
  EXPECT_EQ(feed->items[0].title, "Issue 12: The Hedge Year");  // markup removed
  EXPECT_EQ(feed->items[0].link, "https://letters.example/issues/12-the-hedge-year");
  EXPECT_EQ(feed->items[0].guid, "tag:letters.example,2026:issue-12");
  EXPECT_EQ(feed->items[0].published, 1795156200);  // 2026-11-20T07:30:00+01:00
  EXPECT_EQ(feed->items[1].title, "Issue 11: Frost dates");
  EXPECT_EQ(feed->items[1].published, 1794555000);  // only <updated>: used as the date
  ASSERT_TRUE(feed->items[1].enclosure.has_value());
  EXPECT_EQ(feed->items[1].enclosure->url, "https://letters.example/audio/11.mp3");
}

TEST(FeedParser, ReadsRss1AndKeepsAnUnreadableDateAsText) {
  auto feed = parse_feed(test_data("feeds/rss1_rdf.xml"), "https://allotment.example/rss");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->format, "rdf");
  EXPECT_EQ(feed->language, "en");
  ASSERT_EQ(feed->items.size(), 2u);
  EXPECT_EQ(feed->items[0].guid, "https://allotment.example/2026/11/leeks");
  EXPECT_EQ(feed->items[0].author, "Pat");
  EXPECT_EQ(feed->items[1].published_text, "sometime in late October");
  EXPECT_FALSE(feed->items[1].published.has_value());
  ASSERT_EQ(feed->warnings.size(), 1u);
  EXPECT_NE(feed->warnings[0].find("cannot read the date"), std::string::npos);
}

TEST(FeedParser, RecoversItemsFromIllFormedXml) {
  auto feed = parse_feed(test_data("feeds/broken_unclosed.xml"), "https://night.example/feed");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  ASSERT_GE(feed->items.size(), 2u);
  // &nbsp; is not an XML entity, but feeds use it.
  EXPECT_EQ(feed->items[0].title,
            "Moths\xC2\xA0"
            "and\xC2\xA0Moonflowers");
  EXPECT_EQ(feed->items[0].duration_seconds, 3723);
  // Two-digit year, missing seconds, named zone.
  EXPECT_EQ(feed->items[0].published, 1794276000);  // 2026-11-10T02:00:00Z
  EXPECT_EQ(feed->items[1].title, "Owls & Orchards");
  bool warned = false;
  for (const auto& w : feed->warnings) warned |= w.find("ill-formed XML") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(FeedParser, ConvertsDeclaredLatin1AndWindows1252) {
  auto latin1 = parse_feed(test_data("feeds/latin1.xml"), "https://cafe.example/");
  ASSERT_TRUE(latin1.ok()) << latin1.error().to_string();
  EXPECT_EQ(latin1->title, "Café Jardin");
  EXPECT_EQ(latin1->items.at(0).title, "L'été des tomates");
  auto cp1252 = parse_feed(test_data("feeds/windows1252.xml"), "https://q.example/");
  ASSERT_TRUE(cp1252.ok());
  EXPECT_EQ(cp1252->items.at(0).title, "“Smart” quotes – and a dash");
}

TEST(FeedParser, TrustsUtf8BytesOverAWrongDeclaration) {
  auto feed = parse_feed(test_data("feeds/declared_latin1_but_utf8.xml"), "https://cafe.example/");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->title, "Café Jardin");
  EXPECT_EQ(feed->items.at(0).title, "Crème brûlée");
  ASSERT_EQ(feed->warnings.size(), 1u);
  EXPECT_NE(feed->warnings[0].find("bytes are UTF-8"), std::string::npos);
}

TEST(FeedParser, ReadsABomAndCdata) {
  auto feed = parse_feed(test_data("feeds/utf8_bom_cdata.xml"), "https://g.example/");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->title, "Grün");
  // "<Sommer>" closes nothing: text, as written (a title about "<blink>" says "<blink>").
  EXPECT_EQ(feed->items.at(0).title, "Frühling & <Sommer>");
  EXPECT_EQ(feed->items.at(0).published, 1773964800);  // 2026-03-20, no zone: UTC
}

TEST(FeedParser, IdentifiesItemsByGuidElseLinkElseHash) {
  std::string xml = R"(<rss><channel>
    <item><title>A</title><guid>g-a</guid><link>https://x.example/a</link></item>
    <item><title>B</title><link>https://x.example/b</link></item>
    <item><title>C</title><pubDate>Tue, 17 Nov 2026 06:00:00 GMT</pubDate></item>
  </channel></rss>)";
  auto feed = parse_feed(xml, "https://x.example/");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->items[0].guid, "g-a");
  EXPECT_EQ(feed->items[1].guid, "https://x.example/b");
  EXPECT_EQ(feed->items[2].guid.rfind("sha256:", 0), 0u);
  // The hash is stable across fetches.
  auto again = parse_feed(xml, "https://x.example/");
  EXPECT_EQ(again->items[2].guid, feed->items[2].guid);
}

TEST(FeedParser, RefusesADocumentThatIsNotAFeed) {
  auto html = parse_feed("<!DOCTYPE html><html><body>Moved</body></html>", "https://x.example/");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().code, ErrorCode::kParse);
  EXPECT_NE(html.error().what.find("<html>"), std::string::npos);
  auto empty = parse_feed("", "https://x.example/");
  ASSERT_FALSE(empty.ok());
}

TEST(FeedParser, ReadsPodcastNamespacesWhateverTheirPrefix) {
  auto feed =
      parse_feed(test_data("feeds/podcast_namespaces.xml"), "https://hedgerow.example/feed");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->author, "Bea Marsh");  // it:author, not itunes:author
  EXPECT_EQ(feed->image, "https://hedgerow.example/cover.jpg");
  EXPECT_EQ(feed->podcast_guid, "917393e3-1b1e-5cef-ace4-edaa54e1f810");
  ASSERT_EQ(feed->items.size(), 1u);
  const FeedItem& i = feed->items[0];
  EXPECT_EQ(i.title, "#31 — Blackthorn winter");
  EXPECT_EQ(i.author, "Bea Marsh");
  EXPECT_EQ(i.published, 1794979800);  // dc:date 2026-11-18T05:30:00Z
  EXPECT_EQ(i.episode, 31);
  EXPECT_EQ(i.season, 3);
  EXPECT_EQ(i.duration_seconds, 3605);
  EXPECT_EQ(i.episode_type, "full");
  ASSERT_EQ(i.transcripts.size(), 1u);
  EXPECT_EQ(i.transcripts[0].url, "https://hedgerow.example/31.vtt");
  EXPECT_EQ(i.transcripts[0].type, "text/vtt");
  ASSERT_EQ(i.people.size(), 2u);
  EXPECT_EQ(i.people[0].name, "Tom Ashby");
  EXPECT_EQ(i.people[0].role, "guest");
  EXPECT_EQ(i.people[1].role, "");
  ASSERT_EQ(i.social_interact.size(), 1u);
  EXPECT_EQ(i.social_interact[0].type, "activitypub");
  EXPECT_EQ(i.comments_feed, "https://hedgerow.example/31/feed/");
  EXPECT_EQ(i.comment_count, 7);
  EXPECT_EQ(i.content_text(), "Full notes with links <https://x.example>.");  // content:encoded wins over description
  ASSERT_TRUE(i.enclosure.has_value());  // media:content stands in for a missing enclosure
  EXPECT_EQ(i.enclosure->url, "https://cdn.hedgerow.example/31.m4a");
  EXPECT_EQ(i.enclosure->length, 5242880);
}

TEST(FeedParser, ReadsUtf16AndIso8859_15) {
  auto utf16 = parse_feed(test_data("feeds/utf16.xml"), "https://u.example/");
  ASSERT_TRUE(utf16.ok()) << utf16.error().to_string();
  EXPECT_EQ(utf16->title, "Ünïcode Garden");
  EXPECT_EQ(utf16->items.at(0).title, "日本の庭");
  auto euro = parse_feed(test_data("feeds/iso8859_15.xml"), "https://e.example/");
  ASSERT_TRUE(euro.ok()) << euro.error().to_string();
  EXPECT_EQ(euro->items.at(0).title, "Graines à 3 €");
}

TEST(FeedParser, ReadsBareAmpersandsAsText) {
  auto feed = parse_feed(test_data("feeds/bare_ampersand.xml"), "https://qa.example/");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->title, "Q&A Garden");
  ASSERT_EQ(feed->items.size(), 2u);
  EXPECT_EQ(feed->items[0].title, "Listener Q&A: slugs & snails");
  EXPECT_EQ(feed->items[0].link, "https://qa.example/1?a=1&b=2");
  EXPECT_EQ(feed->items[1].title, "Tools & tricks");
}

TEST(FeedParser, RecoversTheItemsAfterABrokenOne) {
  auto feed = parse_feed(test_data("feeds/broken_middle.xml"), "https://p.example/");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->title, "Patchy Feed");
  std::vector<std::string> guids;
  for (const auto& i : feed->items) guids.push_back(i.guid);
  EXPECT_EQ(guids, (std::vector<std::string>{"p-1", "p-2", "p-3", "p-4"}));
  EXPECT_GE(feed->warnings.size(), 2u);  // the document, and the broken item itself
}

TEST(FeedParser, ReadsRss091WithoutGuids) {
  auto feed = parse_feed(test_data("feeds/rss091.xml"), "http://almanac.example/rss");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->format, "rss");
  ASSERT_EQ(feed->items.size(), 2u);
  EXPECT_EQ(feed->items[0].guid, "http://almanac.example/frost");  // the link stands in
  EXPECT_EQ(feed->items[0].content_text(), "When to sow.");
}

TEST(FeedParser, ABrokenDocumentThatIsNoFeedIsRefusedNotRecovered) {
  auto page = parse_feed("<html><body><item><title>x</item></body></html>", "https://x.example/");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kParse);
  EXPECT_NE(page.error().what.find("<html>"), std::string::npos) << page.error().what;
}

TEST(FeedParser, NeverFailsOnGarbage) {
  for (std::string junk : {std::string("<rss><channel><item><title>"), std::string("<<<<>>>>"),
                           std::string(10000, '<'), std::string("<rss>") + std::string(5000, '&'),
                           std::string("\xFF\xFE<\0r\0"), std::string("<feed><entry>")}) {
    auto feed = parse_feed(junk, "https://x.example/");
    if (feed.ok()) {
      for (const auto& i : feed->items) EXPECT_FALSE(i.guid.empty());
    } else {
      EXPECT_EQ(feed.error().code, ErrorCode::kParse);
    }
  }
}

TEST(FeedParser, ParsesDurations) {
  EXPECT_EQ(parse_duration("1:02:03"), 3723);
  EXPECT_EQ(parse_duration("62:03"), 3723);
  EXPECT_EQ(parse_duration("3723"), 3723);
  EXPECT_EQ(parse_duration("3723.5"), 3723);
  EXPECT_EQ(parse_duration("about an hour"), std::nullopt);
  EXPECT_EQ(parse_duration(""), std::nullopt);
}

// --- Hostile documents (regressions: each once crashed, or took seconds to minutes) ---

TEST(FeedParser, RecoversFromAQuarterMillionUnclosedItemsWithoutDeepRecursion) {
  // Each unclosed <item> holds the next: the partial tree is 260,000 levels deep, and the old
  // recovery freed it recursively (a stack overflow that crashed every later run).
  std::string doc = "<rss><channel><title>Deep</title>";
  for (int i = 0; i < 260000; ++i) doc += "<item>";
  auto feed = parse_feed(doc, "https://x.example/feed");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  EXPECT_EQ(feed->title, "Deep");
  EXPECT_EQ(feed->items.size(), 10000u);
  EXPECT_TRUE(feed->items_capped);
  EXPECT_EQ(feed->warnings.back(), "more than 10000 items (kMaxItems); the rest were skipped");
  EXPECT_LE(feed->warnings.size(), 51u);
}

TEST(FeedParser, RecoversItemsThatNeverCloseOneByOneInOnePass) {
  // Searching for </item> from every item cost quadratic time (19 s for 1 MB).
  std::string doc = "<rss><channel><title>Open</title>";
  for (int i = 0; i < 30000; ++i) {
    doc += "<item><title>Episode " + std::to_string(i) + "</title><guid>g" + std::to_string(i) +
           "</guid>";
  }
  auto feed = parse_feed(doc, "https://x.example/feed");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  ASSERT_EQ(feed->items.size(), 10000u);
  EXPECT_EQ(feed->items[0].title, "Episode 0");
  EXPECT_EQ(feed->items[4321].title, "Episode 4321");
  EXPECT_EQ(feed->items[4321].guid, "g4321");
}

TEST(FeedParser, RecoveryKeepsClosedItemsBetweenUnclosedOnes) {
  std::string doc =
      "<rss xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>M</title>"
      "<item><title>One</title><itunes:episode>1</itunes:episode></item>"
      "<item><title>Two</title>"
      "<item><title>Three</title><itunes:episode>3</itunes:episode></item>";
  auto feed = parse_feed(doc, "https://x.example/feed");
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->items.size(), 3u);
  EXPECT_EQ(feed->items[0].title, "One");
  EXPECT_EQ(feed->items[0].episode, 1);
  EXPECT_EQ(feed->items[1].title, "Two");
  EXPECT_EQ(feed->items[2].title, "Three");
  EXPECT_EQ(feed->items[2].episode, 3) << "the root's namespaces apply inside recovered items";
}

TEST(FeedParser, AHundredThousandNamespacePrefixesAreLookedUpNotScanned) {
  // Every declaration was compared with every other (13.8 s); the first binding still wins.
  std::string root = "<rss";
  for (int i = 0; i < 100000; ++i) {
    root += " xmlns:p" + std::to_string(i) + "=\"urn:x:" + std::to_string(i) + "\"";
  }
  root += " xmlns:it=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" xmlns:p7=\"urn:late\">";
  std::string items =
      "<channel><title>Many</title><item><title>A</title>"
      "<it:duration>1:00</it:duration></item>";
  auto ok = parse_feed(root + items + "</channel></rss>", "https://x.example/feed");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_EQ(ok->items.size(), 1u);
  EXPECT_EQ(ok->items[0].duration_seconds, 60);
  // And broken, where each recovered item was wrapped in the whole start tag again.
  std::string broken = root + "<channel><title>Many</title>";
  for (int i = 0; i < 2000; ++i) broken += "<item><title>A</title><it:duration>2:00</it:duration>";
  auto rec = parse_feed(broken, "https://x.example/feed");
  ASSERT_TRUE(rec.ok()) << rec.error().to_string();
  ASSERT_EQ(rec->items.size(), 2000u);
  EXPECT_EQ(rec->items[1999].duration_seconds, 120);
}

TEST(FeedParser, DurationOfIntMaxHoursIsRefusedNotOverflowed) {
  // "2147483647:59:59" overflowed a signed int (UBSan).
  EXPECT_EQ(parse_duration("2147483647:59:59"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999"), std::nullopt);
  EXPECT_EQ(parse_duration("169:00:00"), std::nullopt) << "more than a week";
  EXPECT_EQ(parse_duration("1:02:03"), 3723);
  EXPECT_EQ(parse_duration("167:59:59"), 167 * 3600 + 59 * 60 + 59);
  auto feed = parse_feed(
      "<rss xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><item>"
      "<title>t</title><itunes:duration>2147483647:59:59</itunes:duration></item></channel></rss>",
      "");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->items[0].duration_seconds, std::nullopt);
}

TEST(FeedParser, ATitleOfTwentyThousandNestedQuotesStaysSmallAndSaysSo) {
  std::string title;
  for (int i = 0; i < 20000; ++i) title += "&lt;blockquote&gt;";
  auto feed = parse_feed("<rss><channel><item><title>" + title +
                             "deep&lt;/blockquote&gt;</title></item></channel></rss>",
                         "");
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->items.size(), 1u);
  EXPECT_LT(feed->items[0].title.size(), 100u);
  EXPECT_NE(feed->items[0].title.find("deep"), std::string::npos);
  ASSERT_FALSE(feed->warnings.empty());
  EXPECT_NE(feed->warnings[0].find("kMaxQuotePrefix"), std::string::npos);
}

TEST(FeedParser, ALongLiteralTitleIsCutAndSaysSo) {
  std::string title;
  for (int i = 0; i < 20000; ++i) title += "&lt;blockquote&gt;";
  auto feed = parse_feed("<rss><channel><item><title>" + title + "</title></item></channel></rss>", "");
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->items.size(), 1u);
  EXPECT_LE(feed->items[0].title.size(), 2003u);
  EXPECT_EQ(feed->items[0].title.substr(0, 24), "<blockquote><blockquote>");
  ASSERT_EQ(feed->warnings.size(), 1u);
  EXPECT_NE(feed->warnings[0].find("kMaxTitleBytes"), std::string::npos);
}

TEST(FeedParser, BytesNotValidUtf8InAUtf8FeedAreReplacedWithAWarning) {
  // Found by the fuzzer: the title kept the broken bytes, on their way to SQLite and the digest.
  // Two bytes no charset reads as text (0xFF 0xFE is no Latin-1 word either, but a detector
  // may say windows-1252): replaced, with a warning, never kept raw.
  auto feed = parse_feed(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item><title>Tools \x81\x8D tricks"
      "</title></item></channel></rss>",
      "");
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->items.size(), 1u);
  EXPECT_EQ(feed->items[0].title, "Tools \xEF\xBF\xBD\xEF\xBF\xBD tricks");
  ASSERT_EQ(feed->warnings.size(), 1u);
  EXPECT_EQ(feed->warnings[0], "bytes that are not valid UTF-8 were replaced");
}

TEST(FeedParser, AUtf16FeedWithALoneSurrogateIsReadWithAReplacementNotBrokenUtf8) {
  // Found by the fuzzer: pugixml turned the lone surrogate into bytes that are not UTF-8.
  std::string le = "\xFF\xFE";
  for (unsigned char c : std::string("<rss><channel><item><title>A"))
    le += {static_cast<char>(c), '\0'};
  le += {'\x00', '\xD8'};  // U+D800, alone
  for (unsigned char c : std::string("Z</title></item></channel></rss>"))
    le += {static_cast<char>(c), '\0'};
  auto feed = parse_feed(le, "");
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  ASSERT_EQ(feed->items.size(), 1u);
  EXPECT_EQ(feed->items[0].title, "A\xEF\xBF\xBDZ");
  EXPECT_EQ(feed->warnings,
            std::vector<std::string>{"bytes that are not valid UTF-16 were replaced"});
}

TEST(FeedParser, ACharacterReferenceToASurrogateIsReplacedNotPassedOn) {
  // Found by the fuzzer: pugixml writes &#xD800; as bytes that are not UTF-8.
  auto feed = parse_feed(
      "<rss><channel><item><title>a&#xD800;b</title><link>https://x.example/"
      "&#xDFFF;</link></item></channel></rss>",
      "");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->items[0].title,
            "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(is_valid_utf8(feed->items[0].link));
  EXPECT_EQ(feed->warnings.back(), "text that is not valid UTF-8 was replaced");
}

TEST(FeedParser, MillionsOfTinyElementsAreRefusedBeforeTheirTreeIsBuilt) {
  // A document of nothing but "<b>" took 751 MB at 16 MB.
  std::string doc = "<rss><channel><item><title>";
  while (doc.size() < 4'000'000) doc += "<b>";
  auto feed = parse_feed(doc, "https://x.example/feed");
  ASSERT_FALSE(feed.ok());
  EXPECT_NE(feed.error().what.find("(kMaxElements)"), std::string::npos);
  // HTML inside CDATA is text: a feed with much of it is read.
  std::string cdata = "<rss><channel><item><title>Show notes</title><description><![CDATA[";
  while (cdata.size() < 4'000'000) cdata += "<p>";
  cdata += "]]></description></item></channel></rss>";
  auto ok = parse_feed(cdata, "https://x.example/feed");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->items[0].title, "Show notes");
}

}  // namespace
}  // namespace rapport::ingest
