#include "core/unicode.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(Unicode, NfcComposesWhatMacosAndFormsSendDecomposed) {
  EXPECT_EQ(nfc("Jose\xCC\x81"), "Jos\xC3\xA9");
  EXPECT_EQ(nfc("Nguye\xCC\x82\xCC\x83n"), "Nguy\xE1\xBB\x85n");  // ê + tilde: ễ, beyond Latin-1
  EXPECT_EQ(nfc("A\xCC\x8A" "ngstro\xCC\x88m"), "\xC3\x85ngstr\xC3\xB6m");
  EXPECT_EQ(nfc("caf\xFF"), "caf\xEF\xBF\xBD");  // invalid UTF-8 replaced, never passed on
}

struct Fold {
  const char* written;
  const char* folded;
};

class FoldName : public ::testing::TestWithParam<Fold> {};

TEST_P(FoldName, ComparesNamesAsPeopleMeanThem) {
  EXPECT_EQ(fold_name(GetParam().written), GetParam().folded) << GetParam().written;
}

INSTANTIATE_TEST_SUITE_P(
    Names, FoldName,
    ::testing::Values(
        Fold{"Jos\xC3\xA9  M\xC3\xBCller", "jose muller"},
        Fold{"Jose\xCC\x81 Mu\xCC\x88ller", "jose muller"},
        Fold{"LUC\xC3\x8D" "A FERN\xC3\x81NDEZ", "lucia fernandez"},
        Fold{"\xC3\x98ystein \xC3\x85kesson", "oystein akesson"},
        Fold{"Siobh\xC3\xA1n O'Brien-Walsh", "siobhan obrien walsh"},
        Fold{"Siobh\xC3\xA1n O\xE2\x80\x99" "Brien", "siobhan obrien"},
        // What the hand-written table (Latin-1 and Latin Extended-A) left as written:
        Fold{"Nguy\xE1\xBB\x85n Th\xE1\xBB\x8B \xC3\x81nh", "nguyen thi anh"},
        Fold{"\xC8\x98tefan \xC8\x9A\xC4\x83ranu", "stefan taranu"},    // Romanian comma-below
        Fold{"\xEF\xBC\xA1\xEF\xBD\x8E\xEF\xBD\x81", "ana"},              // full-width Ａｎａ
        Fold{"\xEF\xAC\x81ona", "fiona"},                                   // the ﬁ ligature
        Fold{"\xE1\xBC\x88\xCE\xB8\xCE\xB7\xCE\xBD\xE1\xBE\xB6", "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1"},  // Ἀθηνᾶ
        Fold{"Stra\xC3\x9F" "e", "strasse"},
        Fold{"\xC3\x9E\xC3\xB3rd\xC3\xADs", "thordis"},                    // Þórdís
        Fold{"\xC5\x81ukasz", "lukasz"},
        Fold{"\xC4\xB0smail Y\xC4\xB1lmaz", "ismail yilmaz"},              // Turkish İ and ı
        Fold{"J.R.R. Tolkien", "jrr tolkien"},
        Fold{"\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E", "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E"},
        Fold{"\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0 \xD0\x9F\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2\xD0\xB0",
             "\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0 \xD0\xBF\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2\xD0\xB0"},
        Fold{"  --  ", ""}),
    [](const ::testing::TestParamInfo<Fold>& i) { return "case" + std::to_string(i.index); });

}  // namespace
}  // namespace rapport
