// The corpora of realistic mail in tests/data, shared by the tests and the benchmarks:
// replies (tests/data/replies: a mail and the words the person wrote) and classified mail
// (tests/data/classify: a mail and whether a person or a machine wrote it).
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

struct ClassCase {
  std::string category;  // the file's name without .txt
  std::string name;
  std::string expected;  // the class, as stored: "human", "bounce", "auto_reply", "complaint"
  std::string mail;      // the raw message, line ends as written in the file
};

// Every case of every file in `folder`: "### NAME CLASS", then the raw message.
std::vector<ClassCase> load_class_corpus(const std::string& folder);

inline void PrintTo(const ClassCase& c, std::ostream* os) { *os << c.category << "/" << c.name; }

struct FeedCase {
  std::string category;  // the folder's name
  std::string name;      // the file's name without .xml
  std::string bytes;     // the document as a server sends it
  // What the parser must read, as "key: value" lines of NAME.expected: title, link, published
  // (RFC 3339, UTC) of the first item; feed_title. A key left out is not checked.
  std::vector<std::pair<std::string, std::string>> expected;
};

// Every CATEGORY/NAME.xml under `folder`, with its NAME.expected.
std::vector<FeedCase> load_feed_corpus(const std::string& folder);

inline void PrintTo(const FeedCase& c, std::ostream* os) { *os << c.category << "/" << c.name; }

}  // namespace rapport::testing
