// The reply-extraction corpus in tests/data/replies: cases of what people write back, each a
// mail (or a plain body) and the words the person wrote. Shared by the test and the benchmark.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace rapport::testing {

struct ReplyCase {
  std::string category;  // the file's name without .txt
  std::string name;
  std::string mail;      // a whole RFC 5322 message
  std::string expected;  // the person's words
};

// Every case of every file in `folder`. A case is "### NAME", the mail, "=== expected" and the
// words. A mail that does not start with "Content-Type:" is a plain UTF-8 body, given the
// headers of a reply; one that does gets From and Subject put before its own headers.
std::vector<ReplyCase> load_reply_corpus(const std::string& folder);

// Test names and failure messages show the case's category and name, not its bytes.
inline void PrintTo(const ReplyCase& c, std::ostream* os) { *os << c.category << "/" << c.name; }

}  // namespace rapport::testing
