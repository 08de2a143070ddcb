#include "pipeline/extract.h"

#include <gtest/gtest.h>

namespace rapport::pipeline {
namespace {

struct Case {
  const char* name;
  const char* body;
  const char* expected;
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ExtractReply : public ::testing::TestWithParam<Case> {};

TEST_P(ExtractReply, KeepsOnlyTheNewWords) {
  EXPECT_EQ(extract_reply(GetParam().body), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Clients, ExtractReply,
    ::testing::Values(
        Case{"gmail",
             "Loved it.\n\nMarcus\n\nOn Tue, 27 Oct 2026 at 06:00, Sam Rivera <sam@x.example> "
             "wrote:\n\n> Slugs.\n",
             "Loved it.\n\nMarcus"},
        Case{"gmail_wrapped_attribution",
             "Yes!\n\nOn Tue, 27 Oct 2026 at 06:00, Sam Rivera <\nsam@slowgarden.example> "
             "wrote:\n> x\n",
             "Yes!"},
        Case{"apple_mail_quote_after_signoff",
             "Does printing matter?\n\nSent from my iPhone\n\n> On 3 Nov 2026, at 06:00, Sam "
             "wrote:\n",
             "Does printing matter?"},
        Case{"outlook_header_block",
             "Best,\nPriya\n\nFrom: Sam Rivera <sam@x.example>\nSent: Tuesday, October 20, 2026 "
             "7:00 AM\n"
             "To: Priya\nSubject: Ep. 6\n\nContainers.\n",
             "Best,\nPriya"},
        Case{"original_message", "Agreed.\n-----Original Message-----\nFrom: Sam\n", "Agreed."},
        Case{"german", "Danke!\n\nAm 17.11.2026 um 07:00 schrieb Sam Rivera:\n> Wiese\n", "Danke!"},
        Case{"french", "Merci !\n\nLe mar. 10 nov. 2026 à 07:00, Sam Rivera a écrit :\n> x\n",
             "Merci !"},
        Case{"spanish_wrapped",
             "Un abrazo,\nLucía\n\nEl mar, 10 nov 2026 a las 7:00, Sam Rivera "
             "(<sam@x.example>)\nescribió:\n\n> x\n",
             "Un abrazo,\nLucía"},
        Case{"portuguese",
             "Obrigada!\n\nEm ter., 10 de nov. de 2026 às 07:00, Sam escreveu:\n> x\n",
             "Obrigada!"},
        Case{"italian",
             "Ciao!\n\nIl giorno mar 17 nov 2026 alle ore 07:00 Sam Rivera <sam@x.example> ha "
             "scritto:\n> x\n",
             "Ciao!"},
        Case{"dutch",
             "Bedankt!\n\nOp di 17 nov. 2026 om 07:00 schreef Sam Rivera <sam@x.example>:\n> x\n",
             "Bedankt!"},
        Case{"swedish",
             "Tack!\n\nDen 3 nov. 2026 kl. 07:00 skrev Sam Rivera <sam@x.example>:\n> x\n",
             "Tack!"},
        Case{"signature", "Thanks for the show.\n\n-- \nDev Patel\nPatel Family Farm\n",
             "Thanks for the show."},
        Case{"interleaved_quotes",
             "> Is cardboard safe?\nYes, mostly.\n> And tape?\nTake it off.\n",
             "Yes, mostly.\nTake it off."},
        Case{"html_quote_marks", "New words here.\n> On Tue Sam wrote:\n> > old\n",
             "New words here."},
        Case{"a_sentence_starting_on_is_kept",
             "On Tuesday I finally planted the garlic.\nIt took all afternoon.\n",
             "On Tuesday I finally planted the garlic.\nIt took all afternoon."},
        Case{"groups_io_footer",
             "Count me in for the seed swap.\n\n-=-=-=-=-=-=-=-=-=-=-=-\nGroups.io Links: You "
             "receive all messages sent to this group.\nView/Reply Online (#412)\n",
             "Count me in for the seed swap."},
        Case{"google_groups_footer_without_dashes",
             "Same here, the frost came early.\n\nYou received this message because you are "
             "subscribed to the Google Groups \"Slow Gardeners\" group.\nTo unsubscribe from "
             "this group and stop receiving emails from it, send an email to x@googlegroups.com.\n",
             "Same here, the frost came early."},
        Case{"mailman_footer",
             "Thanks for the tip.\n_______________________________________________\nGarden-talk "
             "mailing list\nGarden-talk@lists.example.org\n",
             "Thanks for the tip."},
        Case{"only_quote_falls_back", "> just a quote\n", "> just a quote"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ExtractReply, ReadsHostileInputWhole) {
  // A hundred thousand attribution fragments: each line is looked at a bounded number of
  // times (the ctest timeout catches a blow-up; speed is measured in bench/).
  std::string hostile;
  for (int i = 0; i < 100000; ++i) hostile += "On >>>> wrote\n";
  std::string out = extract_reply(hostile);
  EXPECT_EQ(out.size(), hostile.size() - 1);
}

}  // namespace
}  // namespace rapport::pipeline
