// FeedParser: RSS 2.0 / 0.9x, RSS 1.0 (RDF) and Atom 1.0 into one plain structure.
//
// Tolerant by design: an unreadable date is kept as text, an ill-formed document yields
// every item that could be recovered with a warning, and nothing is fatal except a
// document that is not a feed at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace rapport::ingest {

struct FeedEnclosure {
  std::string url;
  std::string type;
  std::optional<std::int64_t> length;
};

struct FeedLink {
  std::string url;
  std::string type;  // MIME type or protocol; may be empty
};

struct FeedPerson {
  std::string name;
  std::string role;  // "host", "guest", …; empty means host
};

struct FeedItem {
  std::string guid;          // the item's identity: guid/id, else link, else a content hash
  std::string title;         // plain text
  std::string link;          // absolute when the feed gave a base
  std::string author;        // a name
  std::string author_email;  // when the feed gives one
  std::string author_uri;    // the author's website (Atom)
  // The item's body as the feed gives it (content:encoded, else description; Atom content,
  // else summary), usually HTML. Kept raw: only comments need it as text (content_text()).
  std::string content_html;
  bool content_is_html = true;  // false for Atom type="text" bodies
  std::string content_text() const;
  std::optional<UnixTime> published;
  std::string published_text;  // as written
  std::optional<UnixTime> updated;
  std::optional<FeedEnclosure> enclosure;
  std::optional<int> episode;
  std::optional<int> season;
  std::optional<int> duration_seconds;
  std::string episode_type;               // itunes:episodeType: "full", "trailer", "bonus"
  std::optional<bool> explicit_;          // itunes:explicit
  std::string image;                      // itunes:image of the episode
  std::string comments_feed;              // wfw:commentRss
  std::optional<int> comment_count;       // slash:comments
  std::vector<FeedLink> transcripts;      // podcast:transcript
  std::vector<FeedPerson> people;         // podcast:person
  std::vector<FeedLink> social_interact;  // podcast:socialInteract (url, protocol)
};

struct ParsedFeed {
  std::string format;  // "rss", "rdf", "atom"
  std::string title;
  std::string link;
  std::string language;
  std::string author;
  std::string image;
  std::string podcast_guid;        // podcast:guid of the channel
  std::optional<int> ttl_minutes;  // RSS <ttl>: how long the feed may be cached
  std::vector<FeedItem> items;     // in document order; at most the first 10,000
  std::vector<std::string> warnings;
  bool items_capped = false;  // the document had more items than are kept
};

// Parses a feed document. `url` is where it came from, the base for relative links.
// Fails with kParse only when the bytes hold no feed.
Result<ParsedFeed> parse_feed(std::string_view bytes, std::string_view url);

// "01:02:03", "62:03", "3723" -> seconds.
std::optional<int> parse_duration(std::string_view text);

}  // namespace rapport::ingest
