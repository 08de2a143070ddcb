// The feed corpus (tests/data/feed_corpus): documents as publishers' tools write them — Atom
// text constructs of every type, Atom 0.3, guids as links, Dublin Core dates, legacy encodings
// nobody declared — each with what a reader must see. bench/reply_bench reports it by category.
#include <gtest/gtest.h>

#include "tests/support/corpus.h"
#include "tests/support/feed_check.h"

namespace rapport::testing {
namespace {

class FeedCorpus : public ::testing::TestWithParam<FeedCase> {};

TEST_P(FeedCorpus, ReadsWhatAReaderSees) {
  for (const std::string& w : feed_case_mismatches(GetParam())) ADD_FAILURE() << w;
}

std::string case_name(const ::testing::TestParamInfo<FeedCase>& info) {
  return info.param.category + "_" + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, FeedCorpus,
                         ::testing::ValuesIn(load_feed_corpus(std::string(RAPPORT_SOURCE_DIR) +
                                                              "/tests/data/feed_corpus")),
                         case_name);

}  // namespace
}  // namespace rapport::testing
