#include "ingest/feed_source.h"

#include "store/text.h"

namespace rapport::ingest {
namespace {

struct FeedCursor {
  std::string etag;
  std::string last_modified;
};

FeedCursor decode(const std::string& cursor) {
  FeedCursor c;
  for (const auto& line : split_lines(cursor)) {
    if (line.rfind("etag ", 0) == 0) c.etag = line.substr(5);
    if (line.rfind("last-modified ", 0) == 0) c.last_modified = line.substr(14);
  }
  return c;
}

std::string encode(const FeedCursor& c) {
  std::string out;
  // Header values cannot hold newlines, but a hostile server's could; keep one per line.
  auto clean = [](std::string s) {
    for (char& ch : s) {
      if (ch == '\n' || ch == '\r') ch = ' ';
    }
    return s;
  };
  if (!c.etag.empty()) out += "etag " + clean(c.etag) + "\n";
  if (!c.last_modified.empty()) out += "last-modified " + clean(c.last_modified) + "\n";
  return out;
}

}  // namespace

Episode to_episode(const FeedItem& item) {
  Episode e;
  e.guid = item.guid;
  e.title = item.title;
  e.link = item.link;
  e.published_at = item.published;
  e.published_text = item.published_text;
  e.number = item.episode;
  e.season = item.season;
  e.duration_seconds = item.duration_seconds;
  return e;
}

Result<Batch> FeedSource::poll(const std::string& cursor) {
  FeedCursor previous = decode(cursor);
  HttpRequest request;
  request.url = options_.url;
  request.if_none_match = previous.etag;
  request.if_modified_since = previous.last_modified;
  request.username = options_.username;
  request.password = options_.password;
  request.timeout_seconds = options_.timeout_seconds;
  request.max_bytes = options_.max_bytes;

  auto response = http_.get(request);
  if (!response) return response.error();
  Batch batch;
  if (response->status == 304) {
    batch.cursor = cursor;
    return batch;
  }
  if (response->status < 200 || response->status >= 300) {
    Retry retry = response->status >= 500 || response->status == 429 || response->status == 408
                      ? Retry::kYes
                      : Retry::kNo;
    std::string hint;
    if (response->status == 401 || response->status == 403) {
      hint = "the feed needs a username and password_env, or they are wrong";
    } else if (response->status == 404 || response->status == 410) {
      hint = "check the feed's URL";
    }
    return make_error(ErrorCode::kNetwork, "HTTP " + std::to_string(response->status), options_.url,
                      hint, retry);
  }
  auto feed = parse_feed(response->body, response->effective_url);
  if (!feed) return feed.error();
  batch.warnings = feed->warnings;
  batch.episodes.reserve(feed->items.size());
  for (const auto& item : feed->items) batch.episodes.push_back(to_episode(item));
  batch.cursor = encode({response->etag, response->last_modified});
  return batch;
}

}  // namespace rapport::ingest
