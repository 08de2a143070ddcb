// FeedSource: one of the creator's own feeds; its items become episodes.
//
// Cursor: the ETag and Last-Modified of the last successful fetch, so an unchanged feed
// costs one conditional GET (304) and no parsing.
#pragma once

#include <cstdint>
#include <string>

#include "ingest/feed_parser.h"
#include "ingest/http_client.h"
#include "ingest/source.h"

namespace rapport::ingest {

struct FeedSourceOptions {
  std::string name;
  std::string url;
  std::string username;
  std::string password;  // resolved secret; never logged
  int timeout_seconds = 30;
  std::int64_t max_bytes = 20 * 1024 * 1024;
};

class FeedSource final : public Source {
 public:
  // `http` must outlive this source.
  FeedSource(FeedSourceOptions options, HttpClient& http)
      : options_(std::move(options)), http_(http) {}

  std::string_view kind() const override { return "feed"; }
  const std::string& name() const override { return options_.name; }
  const std::string& location() const override { return options_.url; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  FeedSourceOptions options_;
  HttpClient& http_;
};

// The episode Rapport keeps for a feed item.
Episode to_episode(const FeedItem& item);

}  // namespace rapport::ingest
