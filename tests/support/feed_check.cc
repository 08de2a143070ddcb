#include "tests/support/feed_check.h"

#include "core/text.h"
#include "ingest/feed/feed_parser.h"

namespace rapport::testing {

std::vector<std::string> feed_case_mismatches(const FeedCase& c) {
  std::vector<std::string> wrong;
  auto parsed = ingest::parse_feed(c.bytes, "https://feeds.example/" + c.name + ".xml");
  if (!parsed) return {"parse failed: " + parsed.error().to_string()};
  const ingest::FeedItem* first = parsed->items.empty() ? nullptr : &parsed->items.front();
  for (const auto& [key, want] : c.expected) {
    std::string got;
    if (key == "feed_title") {
      got = parsed->title;
    } else if (!first) {
      got = "(no item)";
    } else if (key == "title") {
      got = first->title;
    } else if (key == "link") {
      got = first->link;
    } else if (key == "published") {
      got = first->published ? format_rfc3339_utc(*first->published) : "";
    } else {
      got = "(unknown key)";
    }
    if (got != want) wrong.push_back(key + ": got \"" + got + "\", want \"" + want + "\"");
  }
  return wrong;
}

}  // namespace rapport::testing
