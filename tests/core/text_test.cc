#include "core/text.h"

#include <gtest/gtest.h>

#include "core/json_writer.h"

namespace rapport {
namespace {

TEST(Text, ReplacesInvalidUtf8) {
  EXPECT_EQ(valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(valid_utf8("caf\xE9!"), "caf\xEF\xBF\xBD!");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Text, TellsValidUtf8WithoutCopying) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x8C\xB1"));
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));       // Latin-1
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("ok\xC3"));        // cut short
}

TEST(Text, Utf8PrefixNeverSplitsACharacter) {
  std::string s = "ab\xC3\xA9";  // "abé"
  EXPECT_EQ(utf8_prefix(s, 3), "ab");
  EXPECT_EQ(utf8_prefix(s, 4), s);
}

TEST(Text, ExcerptFoldsWhitespaceAndCutsAtAWord) {
  EXPECT_EQ(excerpt("Hello\n\n  there   friend", 100), "Hello there friend");
  std::string e = excerpt("The quick brown fox jumps over the lazy dog", 20);
  EXPECT_EQ(e, "The quick brown fox\xE2\x80\xA6");
  // Counts characters, not bytes.
  EXPECT_EQ(excerpt("\xC3\xA9\xC3\xA9\xC3\xA9", 3), "\xC3\xA9\xC3\xA9\xC3\xA9");
}

TEST(Text, StripsStackedReplyPrefixes) {
  EXPECT_EQ(strip_reply_prefixes("Re: RE: Fwd: Ep. 4"), "Ep. 4");
  EXPECT_EQ(strip_reply_prefixes("AW: SV: R: Hello"), "Hello");
  EXPECT_EQ(strip_reply_prefixes("Re[2]: [The Slow Garden] Ep. 9"), "Ep. 9");
  EXPECT_EQ(strip_reply_prefixes("Reading list"), "Reading list");
}

TEST(Text, FormatsTimes) {
  EXPECT_EQ(format_rfc3339_utc(1795564800), "2026-11-25T00:00:00Z");
  EXPECT_EQ(format_rfc5322(1795564800), "Wed, 25 Nov 2026 00:00:00 +0000");
  EXPECT_EQ(local_date(1795564800), "2026-11-25");  // the tests run with TZ=UTC
  EXPECT_EQ(long_local_date(1795564800), "Wednesday 25 November 2026");
}

TEST(JsonWriter, WritesNestedValuesAndEscapes) {
  JsonWriter j;
  j.begin_object()
      .key("name")
      .value("Amélie \"Mimi\"\n")
      .key("n")
      .value(3)
      .key("none")
      .null()
      .key("list")
      .begin_array()
      .value(true)
      .value(std::string("a\x01"))
      .end_array()
      .end_object();
  EXPECT_EQ(
      j.str(),
      "{\"name\":\"Amélie \\\"Mimi\\\"\\n\",\"n\":3,\"none\":null,\"list\":[true,\"a\\u0001\"]}");
}

}  // namespace
}  // namespace rapport
