#include "core/secret.h"

#include <gtest/gtest.h>

#include <set>

namespace rapport {
namespace {

TEST(Secret, HmacSha256MatchesRfc4231) {
  // RFC 4231, test cases 2 and 3.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(Secret, EqualSecretsComparesWholeStrings) {
  EXPECT_TRUE(equal_secrets("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(equal_secrets("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(equal_secrets("s3cret", "s3cret-token"));
  EXPECT_TRUE(equal_secrets("", ""));
  EXPECT_FALSE(equal_secrets(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(Secret, RandomHexIsHexOfTheLengthAskedAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string h = random_hex(32);
    ASSERT_EQ(h.size(), 64u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace rapport
