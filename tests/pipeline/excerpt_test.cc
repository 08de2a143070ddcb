#include "pipeline/excerpt.h"

#include <gtest/gtest.h>

namespace rapport::pipeline {
namespace {

std::vector<std::string> sentences_of(std::string_view text) {
  std::vector<std::string> out;
  for (auto [b, e] : split_sentences(text)) out.emplace_back(text.substr(b, e - b));
  return out;
}

TEST(Sentences, SurviveAbbreviationsNumbersAddressesAndWrappedLines) {
  EXPECT_EQ(sentences_of("Dr. Okafor said 3.5 litres, e.g. twice a week. See https://x.example/a?b=1 "
                         "for the chart! Did J. R. Hartley\nwrite it? Yes."),
            (std::vector<std::string>{
                "Dr. Okafor said 3.5 litres, e.g. twice a week.",
                "See https://x.example/a?b=1 for the chart!",
                "Did J. R. Hartley\nwrite it?", "Yes."}));
}

TEST(Sentences, BlankLinesListsClosingQuotesEmojiAndCjk) {
  EXPECT_EQ(sentences_of("Hi Sam,\n\nTwo things:\n- the seed list\n- the date\nThanks!\" 🌱 Bye"),
            (std::vector<std::string>{"Hi Sam,", "Two things:", "- the seed list", "- the date\nThanks!\"",
                                      "🌱 Bye"}));
  EXPECT_EQ(sentences_of("今日の放送を聞きました。種の保存について質問があります！来週も聞けますか？"),
            (std::vector<std::string>{"今日の放送を聞きました。", "種の保存について質問があります！",
                                      "来週も聞けますか？"}));
  EXPECT_EQ(sentences_of("Wait… what? Really?!"),
            (std::vector<std::string>{"Wait…", "what?", "Really?!"}));
}

TEST(Asks, QuestionsAndRequestsInTheLanguagesListenersWrite) {
  for (const char* yes :
       {"Is it too late to sow broad beans?", "Any tips for clay soil.", "Please read my letter on air.",
        "Could you do a follow-up episode on seed libraries.",
        "Our council wrote and I'd love to know how you'd handle that.",
        "Tell us more about the meadow.", "Let me know if you want photos.",
        "¿Puedes hablar de tomates", "Pourriez-vous parler des semences ?",
        "Könnten Sie eine Folge über Kompost machen.", "Potresti parlare del compost.",
        "Czy możesz zrobić odcinek o nasionach.", "次回は種の話をしてください。",
        "Would you do a listener Q&A episode? (I have questions.)", "هل يمكنك التحدث عن البذور؟"}) {
    EXPECT_TRUE(asks(yes)) << yes;
  }
  for (const char* no : {"I was so pleased with the episode.", "Thanks for the show!",
                         "We planted garlic in the rain.", "The displeased neighbour calmed down.",
                         "Marcus"}) {
    EXPECT_FALSE(asks(no)) << no;
  }
}

TEST(Excerpt, ShowsEveryAskAcrossTheConversationWithTheOpeningLine) {
  std::string first =
      "Hi Sam,\n\nI run the seed library in Lund with two colleagues. We started in 2019 with "
      "one shelf at the town library. Today we lend 300 varieties. The librarians were "
      "sceptical at first. Could you do a follow-up episode on how small seed libraries "
      "start? Both my colleagues would be happy to talk.\n\nMaja";
  std::string second = "No rush at all! We are here all winter.";
  auto parts = excerpt_conversation({first, second}, 600);
  ASSERT_EQ(parts.size(), 1u);  // the follow-up asks nothing: the ask is in her first message
  EXPECT_EQ(parts[0].message, 0);
  // The opening, the ask, and what leads up to it while the budget lasts.
  EXPECT_EQ(parts[0].text,
            "I run the seed library in Lund with two colleagues. … Today we lend 300 varieties. "
            "The librarians were sceptical at first. Could you do a follow-up episode on how small "
            "seed libraries start? …");
  // With a tight budget, the ask comes before what leads up to it.
  parts = excerpt_conversation({first, second}, 160);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].text,
            "I run the seed library in Lund with two colleagues. … Could you do a follow-up "
            "episode on how small seed libraries start? …");
  // Tighter still, the opening is cut short, and one "…" says so.
  parts = excerpt_conversation({first, second}, 120);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].text,
            "I run the seed library in Lund with two… Could you do a follow-up episode on how "
            "small seed libraries start? …");
}

TEST(Excerpt, AQuestionAtTheEndOfALongMessageIsShown) {
  std::string long_one = "We listened on the long drive north. ";
  for (int i = 0; i < 200; ++i) long_one += "The hedges were bare and the fields were brown. ";
  long_one += "What would you plant first in a north-facing garden?";
  auto parts = excerpt_conversation({long_one}, 600);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].text,
            "We listened on the long drive north. … The hedges were bare and the fields were "
            "brown. The hedges were bare and the fields were brown. What would you plant first in "
            "a north-facing garden?");
}

TEST(Excerpt, TheBudgetHoldsForLongMessagesAndManyQuestions) {
  std::string many;
  for (int i = 0; i < 400; ++i) many += "Question " + std::to_string(i) + ", could you answer it? ";
  std::string huge(1 << 20, 'a');  // a megabyte without a sentence end or a space
  for (const std::string& text : {many, huge, many + huge}) {
    auto parts = excerpt_conversation({text, "And one more thing?"}, 600);
    size_t total = 0;
    for (const auto& p : parts) {
      for (char c : p.text) total += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    EXPECT_LE(total, 600u + 4 * parts.size()) << text.size();  // and each part's "…" marks
    EXPECT_FALSE(parts.empty());
  }
}

TEST(Excerpt, NothingAskedGivesTheNewestWordsWithoutTheSignOff) {
  auto parts = excerpt_conversation(
      {"Here in Uppsala the beds sleep under snow. We use spruce branches instead.\nIngrid"}, 600);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].text, "Here in Uppsala the beds sleep under snow. We use spruce branches instead. …");
}

}  // namespace
}  // namespace rapport::pipeline
