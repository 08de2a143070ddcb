// Every case of the reply corpus (tests/data/replies): the words the person wrote, from the
// whole mail as it arrives (MIME, HTML, charsets), through the pipeline's reply extraction.
#include <gtest/gtest.h>

#include "ingest/mail/mail_parser.h"
#include "pipeline/extract.h"
#include "tests/support/corpus.h"

namespace rapport::pipeline {
namespace {

using testing::ReplyCase;

class ReplyCorpus : public ::testing::TestWithParam<ReplyCase> {};

TEST_P(ReplyCorpus, FindsThePersonsWords) {
  const ReplyCase& c = GetParam();
  Message m = ingest::parse_mail(c.mail, 1795600000);
  EXPECT_EQ(extract_reply(m.text), c.expected) << "text read from the mail:\n" << m.text;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, ReplyCorpus,
    ::testing::ValuesIn(testing::load_reply_corpus(std::string(RAPPORT_TEST_DATA) + "/replies")),
    [](const ::testing::TestParamInfo<ReplyCase>& info) {
      return info.param.category + "_" + info.param.name;
    });

}  // namespace
}  // namespace rapport::pipeline
