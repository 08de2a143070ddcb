#include "pipeline/duplicates.h"

#include <gtest/gtest.h>

namespace rapport::pipeline {
namespace {

ContactRecord person(std::int64_t id, const std::string& name, std::vector<Identity> ids) {
  return {id, name, std::move(ids)};
}
Identity email(const std::string& v) { return {"email", v}; }
Identity handle(const std::string& v) { return {"handle", v}; }

const DuplicateSuggestion* find(const std::vector<DuplicateSuggestion>& all, std::int64_t a,
                                std::int64_t b) {
  for (const auto& s : all) {
    if (s.a == a && s.b == b) return &s;
  }
  return nullptr;
}

TEST(SuggestDuplicates, TheSameFullNameWithDifferentAddresses) {
  auto s = suggest_duplicates({person(1, "Lucía Fernández", {email("lucia.f@gmail.com")}),
                               person(2, "Lucia Fernandez", {email("lfernandez@proton.me")}),
                               person(3, "Lucía Martín", {email("lm@gmail.com")})});
  ASSERT_EQ(s.size(), 1u);  // diacritics folded; a different surname is someone else
  EXPECT_EQ(s[0].a, 1);
  EXPECT_EQ(s[0].b, 2);
  EXPECT_DOUBLE_EQ(s[0].score, 0.6);
  EXPECT_EQ(s[0].evidence, std::vector<std::string>{
                               "the same name, \"lucia fernandez\", with different addresses"});
}

TEST(SuggestDuplicates, TheSameNameAtTheSameOwnDomainIsStrongerButNotAtAFreemail) {
  auto s = suggest_duplicates({person(1, "Grace Kim", {email("grace@kimfarm.example")}),
                               person(2, "Grace Kim", {email("g.kim@kimfarm.example")}),
                               person(3, "Dev Patel", {email("dev@gmail.com")}),
                               person(4, "Dev Patel", {email("devp@gmail.com")})});
  auto grace = find(s, 1, 2);
  ASSERT_NE(grace, nullptr);
  EXPECT_DOUBLE_EQ(grace->score, 0.85);
  EXPECT_EQ(grace->evidence[0], "the same name, \"grace kim\", at kimfarm.example");
  auto dev = find(s, 3, 4);
  ASSERT_NE(dev, nullptr);
  EXPECT_DOUBLE_EQ(dev->score, 0.6);  // gmail.com says nothing
  EXPECT_EQ(s.front().a, 1);          // best first
}

TEST(SuggestDuplicates, ASimilarNameWithTheSameLocalPart) {
  auto s = suggest_duplicates({person(1, "Siobhan O'Brien", {email("siobhan.obrien@gmail.com")}),
                               person(2, "Siobhán OBrien", {email("siobhan.obrien@work.example")}),
                               person(3, "Sam Rivers", {email("sriv@work.example")}),
                               person(4, "Tom Baker", {email("sriv@gmail.com")})});
  auto pair = find(s, 1, 2);
  ASSERT_NE(pair, nullptr);
  // The folded names are equal, and the local part is shared: two pieces of evidence.
  EXPECT_EQ(pair->evidence.size(), 2u);
  EXPECT_GT(pair->score, 0.9);
  EXPECT_EQ(find(s, 3, 4), nullptr);  // same local part, unrelated names
}

TEST(SuggestDuplicates, TheSameHandleOnTwoPlatforms) {
  auto s = suggest_duplicates({person(1, "Marcus", {handle("instagram:marcusgrows")}),
                               person(2, "", {handle("mastodon:marcusgrows")}),
                               person(3, "Zoë", {handle("instagram:zoe")})});
  auto pair = find(s, 1, 2);
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->evidence[0], "the same handle, \"marcusgrows\", on instagram and mastodon");
}

TEST(SuggestDuplicates, NothingForStrangersCommonWordsOrPairsTheCreatorSplit) {
  EXPECT_TRUE(suggest_duplicates({person(1, "Ana", {email("info@a.example")}),
                                  person(2, "Ben", {email("info@b.example")})})
                  .empty());
  auto split = suggest_duplicates({person(5, "Ana López", {email("a@x.example")}),
                                   person(9, "Ana López", {email("b@y.example")})},
                                  {{5, 9}});
  EXPECT_TRUE(split.empty());
  // A name so common that comparing everyone who has it says nothing: left out.
  std::vector<ContactRecord> many;
  for (int i = 0; i < 100; ++i) {
    many.push_back(person(i + 1, "Sam", {email("sam" + std::to_string(i) + "@x.example")}));
  }
  EXPECT_TRUE(suggest_duplicates(many).empty());
}

TEST(SuggestDuplicates, NonLatinNamesAreComparedAsWritten) {
  auto s = suggest_duplicates({person(1, "山田 太郎", {email("taro@example.jp")}),
                               person(2, "山田 太郎", {email("t.yamada@example.co.jp")}),
                               person(3, "山田 花子", {email("hanako@example.jp")})});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].b, 2);
}

}  // namespace
}  // namespace rapport::pipeline
