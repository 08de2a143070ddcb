// FeedSource: a feed read over HTTP(S) or from a file. Either one of the creator's own feeds,
// whose items become episodes, or a comments feed, whose items become listener messages.
//
// Cursor: the ETag and Last-Modified of the last successful fetch (an unchanged feed costs
// one conditional GET answered 304 and no parsing), and the URL a permanent redirect moved
// the feed to.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "ingest/feed/feed_parser.h"
#include "ingest/feed/http_source.h"

namespace rapport::ingest {

enum class FeedKind { kEpisodes, kComments };

struct FeedSourceOptions {
  std::string name;
  std::string url;
  FeedKind kind = FeedKind::kEpisodes;
  std::string episode_guid;  // comments of one episode: the episode they belong to
  std::string username;
  std::string password;  // resolved secret; never logged
  std::string ca_file;
  int timeout_seconds = 30;
  std::int64_t max_bytes = 20 * 1024 * 1024;
};

class FeedSource final : public HttpSource {
 public:
  // `http` and `clock` must outlive this source.
  FeedSource(FeedSourceOptions options, HttpClient& http, const Clock& clock)
      : HttpSource(http), options_(std::move(options)), clock_(clock) {}

  std::string_view kind() const override {
    return options_.kind == FeedKind::kEpisodes ? "feed" : "comments";
  }
  const std::string& name() const override { return options_.name; }
  const std::string& location() const override { return options_.url; }
  HttpRequest request(const std::string& cursor) const override;
  // 304: an empty batch with the same cursor. 410: kGone. 429 and 503: kNetwork with the
  // Retry-After. Other non-2xx: kNetwork. A body that is no feed: kParse.
  Result<Batch> receive(const std::string& cursor, Result<HttpResponse> response) override;

 private:
  FeedSourceOptions options_;
  const Clock& clock_;
};

// The episode Rapport keeps for a feed item.
Episode to_episode(const FeedItem& item);
// The listener message a comment-feed item is.
Message to_comment(const FeedItem& item, const std::string& episode_guid, UnixTime fallback_time);

}  // namespace rapport::ingest
