#include "ingest/feed/feed_source.h"

#include <set>

#include "core/text.h"

namespace rapport::ingest {
namespace {

struct FeedCursor {
  std::string etag;
  std::string last_modified;
  std::string location;  // where a permanent redirect moved the feed
};

FeedCursor decode(const std::string& cursor) {
  FeedCursor c;
  for (const auto& line : split_lines(cursor)) {
    if (line.rfind("etag ", 0) == 0) c.etag = line.substr(5);
    if (line.rfind("last-modified ", 0) == 0) c.last_modified = line.substr(14);
    if (line.rfind("location ", 0) == 0) c.location = line.substr(9);
  }
  return c;
}

std::string encode(const FeedCursor& c) {
  // Header values cannot hold newlines, but a hostile server's could; keep one per line.
  auto clean = [](std::string s) {
    for (char& ch : s) {
      if (ch == '\n' || ch == '\r') ch = ' ';
    }
    return s;
  };
  std::string out;
  if (!c.etag.empty()) out += "etag " + clean(c.etag) + "\n";
  if (!c.last_modified.empty()) out += "last-modified " + clean(c.last_modified) + "\n";
  if (!c.location.empty()) out += "location " + clean(c.location) + "\n";
  return out;
}

}  // namespace

Result<Batch> HttpSource::poll(const std::string& cursor) {
  return receive(cursor, http_.get(request(cursor)));
}

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
  e.comments_feed = item.comments_feed;
  for (const FeedLink& social : item.social_interact) {
    if (iequals(trim(social.type), "activitypub") && is_web_url(social.url)) {
      e.social_thread = social.url;
      break;
    }
  }
  return e;
}

Message to_comment(const FeedItem& item, const std::string& episode_guid, UnixTime fallback_time) {
  Message m;
  m.kind = MessageKind::kComment;
  m.natural_key = "comment:" + item.guid;
  m.source_ref = item.guid;
  m.url = item.link;
  m.from = {item.author, item.author_email};
  m.author_url = item.author_uri;
  m.subject = item.title;
  m.text = item.content_text();
  m.received_at = item.published ? *item.published : fallback_time;
  m.date_text = item.published_text;
  m.episode_guid = episode_guid;
  return m;
}

HttpRequest FeedSource::request(const std::string& cursor) const {
  FeedCursor previous = decode(cursor);
  HttpRequest request;
  request.url = previous.location.empty() ? options_.url : previous.location;
  request.if_none_match = previous.etag;
  request.if_modified_since = previous.last_modified;
  request.username = options_.username;
  request.password = options_.password;
  request.ca_file = options_.ca_file;
  request.timeout_seconds = options_.timeout_seconds;
  request.max_bytes = options_.max_bytes;
  return request;
}

Result<Batch> FeedSource::receive(const std::string& cursor, Result<HttpResponse> response) {
  if (!response) return response.error();
  FeedCursor previous = decode(cursor);
  FeedCursor next = previous;
  Batch batch;
  if (response->permanently_moved && response->effective_url != options_.url) {
    next.location = response->effective_url;
    batch.moved_to = response->effective_url;
  }
  const std::string& url = response->effective_url;
  long status = response->status;
  if (status == 304) {
    batch.cursor = encode(next);
    return batch;
  }
  if (status == 410) {
    return make_error(ErrorCode::kGone, "HTTP 410 Gone: the feed was removed", url,
                      "remove it from the config, or change its url to read it again");
  }
  if (status < 200 || status >= 300) {
    Error e = make_error(ErrorCode::kNetwork, "HTTP " + std::to_string(status), url);
    if (status >= 500 || status == 429 || status == 408) e.retry = Retry::kYes;
    if (status == 429 || status == 503) {
      e.retry_after_seconds = retry_after_seconds(response->retry_after, clock_.now());
      if (e.retry_after_seconds > 0) {
        e.hint = "the server asked to wait " + std::to_string(e.retry_after_seconds) + " seconds";
      }
    } else if (status == 401 || status == 403) {
      e.hint = "the feed needs a username and password_env, or they are wrong";
    } else if (status == 404) {
      e.hint = "check the feed's URL";
    }
    return e;
  }
  auto feed = parse_feed(response->body, url);
  if (!feed) return feed.error();
  batch.warnings = feed->warnings;
  if (feed->ttl_minutes) batch.ttl_seconds = *feed->ttl_minutes * 60;
  if (options_.kind == FeedKind::kEpisodes) {
    batch.episodes.reserve(feed->items.size());
    std::set<std::string> unread;  // social thread protocols Rapport does not read
    for (const auto& item : feed->items) {
      batch.episodes.push_back(to_episode(item));
      for (const FeedLink& social : item.social_interact) {
        std::string protocol = ascii_lower(trim(social.type));
        if (protocol != "activitypub" && protocol != "disabled" && unread.size() < 5) {
          unread.insert(protocol.empty() ? "(none given)" : printable(protocol, 40));
        }
      }
    }
    for (const std::string& protocol : unread) {
      batch.warnings.push_back("podcast:socialInteract protocol \"" + protocol +
                               "\" is not supported: only activitypub threads are read");
    }
  } else {
    UnixTime now = clock_.now();
    batch.messages.reserve(feed->items.size());
    for (const auto& item : feed->items) {
      batch.messages.push_back(to_comment(item, options_.episode_guid, now));
    }
  }
  next.etag = response->etag;
  next.last_modified = response->last_modified;
  batch.cursor = encode(next);
  return batch;
}

}  // namespace rapport::ingest
