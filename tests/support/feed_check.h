// Checking a feed corpus case (tests/support/corpus.h) against what the feed parser reads;
// shared by the suite and bench/reply_bench.
#pragma once

#include <string>
#include <vector>

#include "tests/support/corpus.h"

namespace rapport::testing {

// One line per expectation the parser missed ("title: got \"…\", want \"…\""); empty when it
// read everything the case expects.
std::vector<std::string> feed_case_mismatches(const FeedCase& c);

}  // namespace rapport::testing
