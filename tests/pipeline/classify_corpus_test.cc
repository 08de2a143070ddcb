// Every case of the classification corpus (tests/data/classify): bounces from many mail
// systems, complaints, challenges, delay notices and vacation replies are never a person; the
// people whose mail looks a little like them stay people.
#include <gtest/gtest.h>

#include "ingest/mail/mail_parser.h"
#include "pipeline/classify.h"
#include "tests/support/corpus.h"

namespace rapport::pipeline {
namespace {

using testing::ClassCase;

class ClassCorpus : public ::testing::TestWithParam<ClassCase> {};

TEST_P(ClassCorpus, TellsPeopleFromMachines) {
  const ClassCase& c = GetParam();
  Message m = ingest::parse_mail(c.mail, 1795600000);
  Classification got = classify(m);
  EXPECT_EQ(to_string(got.cls), c.expected) << "reason: " << got.reason << "\nsubject: "
                                            << m.subject << "\nfrom: " << m.from.address;
  if (c.expected != "human") {
    EXPECT_FALSE(got.reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, ClassCorpus,
    ::testing::ValuesIn(testing::load_class_corpus(std::string(RAPPORT_TEST_DATA) + "/classify")),
    [](const ::testing::TestParamInfo<ClassCase>& info) {
      return info.param.category + "_" + info.param.name;
    });

}  // namespace
}  // namespace rapport::pipeline
