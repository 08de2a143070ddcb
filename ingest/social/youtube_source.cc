// YouTube: comments on every video of the channel, by the Data API v3's commentThreads
// (allThreadsRelatedToChannelId, part=snippet,replies, newest first), with the titles of their
// videos from videos.list.
//
// Cursor: "seen TIME", the publishedAt of the newest comment thread read; a read pages back
// (pageToken) until it reaches it, and a long catch-up resumes like Bluesky's ("resume TOKEN",
// "newest TIME"). The API key goes in the X-Goog-Api-Key header, never in a URL. A spent
// daily quota (403 quotaExceeded) is a wait until midnight Pacific time, when it starts again.
#include <ctime>

#include "core/text.h"
#include "ingest/decode/html_text.h"
#include "ingest/social/social_api.h"
#include "ingest/social/social_source.h"

namespace rapport::ingest {
namespace {

using Poco::JSON::Object;
using namespace social;

const char* kKeyHint =
    "the API key (key_env / key_file) is wrong or not allowed to use the YouTube Data API v3: "
    "check it in the Google Cloud console under APIs & Services > Credentials";

// The reason Google's error body gives ("quotaExceeded", "keyInvalid"), or "".
std::string google_reason(const std::string& body) {
  for (const char* r : {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "keyInvalid",
                        "keyExpired", "commentsDisabled", "channelNotFound", "forbidden"}) {
    if (body.find(std::string("\"") + r + "\"") != std::string::npos) return r;
  }
  return "";
}

}  // namespace

std::int64_t seconds_to_pacific_midnight(UnixTime now) {
  // US Pacific: UTC-8, or UTC-7 from the second Sunday of March, 2:00, to the first Sunday of
  // November, 2:00 (local).
  auto sunday = [](int year, int month, int nth) {  // the day of the month
    std::tm t{};
    t.tm_year = year - 1900;
    t.tm_mon = month - 1;
    t.tm_mday = 1;
    time_t at = timegm(&t);
    std::tm got{};
    gmtime_r(&at, &got);
    int first = 1 + (7 - got.tm_wday) % 7;
    return first + 7 * (nth - 1);
  };
  auto offset_at = [&](UnixTime utc) {
    time_t at = static_cast<time_t>(utc - 8 * 3600);  // standard time first
    std::tm t{};
    gmtime_r(&at, &t);
    int year = t.tm_year + 1900;
    std::tm start{}, end{};
    start.tm_year = end.tm_year = year - 1900;
    start.tm_mon = 2;
    start.tm_mday = sunday(year, 3, 2);
    start.tm_hour = 2 + 8;  // 2:00 PST in UTC
    end.tm_mon = 10;
    end.tm_mday = sunday(year, 11, 1);
    end.tm_hour = 2 + 7;  // 2:00 PDT in UTC
    UnixTime s = timegm(&start), e = timegm(&end);
    return utc >= s && utc < e ? -7 * 3600 : -8 * 3600;
  };
  std::int64_t offset = offset_at(now);
  UnixTime local = now + offset;
  UnixTime next_midnight_local = (local / 86400 + 1) * 86400;
  UnixTime next = next_midnight_local - offset;
  // Across a change of offset the midnight moves by the hour that changed.
  next -= offset_at(next) - offset;
  return std::max<std::int64_t>(60, next - now);
}

YouTubeSource::YouTubeSource(YouTubeOptions options, HttpClient& http, const Clock& clock)
    : SocialSource("YouTube", options, "https://www.googleapis.com/youtube/v3", http, clock),
      options_(std::move(options)) {}

Result<Batch> YouTubeSource::poll(const std::string& cursor) {
  auto fields = read_cursor(cursor);
  const std::string seen = fields["seen"];
  std::string token = fields["resume"];
  std::string newest = fields["newest"];
  const std::vector<std::string> auth = {"X-Goog-Api-Key: " + options_.api_key};
  Batch batch;
  struct Comment {
    Object::Ptr snippet;
    std::string id;
    bool reply = false;
  };
  std::vector<Comment> comments;
  bool reached_seen = false;
  int pages = 0;
  std::set<std::string> asked;
  for (;;) {
    if (!asked.insert(token).second) {
      batch.warnings.push_back("YouTube gave the same page token twice; the read stopped there");
      reached_seen = true;
      break;
    }
    std::string target = "/commentThreads?part=snippet%2Creplies&allThreadsRelatedToChannelId=" +
                         url_encode(options_.channel_id) +
                         "&maxResults=100&order=time&textFormat=plainText" +
                         (token.empty() ? "" : "&pageToken=" + url_encode(token));
    auto reply = api().call("GET", target, auth);
    if (!reply) {
      if (auto fail = page_failed(reply.error(), pages, batch.warnings)) return *fail;
      break;
    }
    if (reply->status != 200) {
      Error e = api().http_error(*reply, kKeyHint);
      std::string reason = google_reason(reply->body);
      if (reason == "quotaExceeded" || reason == "dailyLimitExceeded") {
        e.retry = Retry::kYes;
        e.retry_after_seconds = seconds_to_pacific_midnight(api().now());
        e.hint = "the API key's daily quota is spent; it starts again at midnight Pacific time, "
                 "in " + std::to_string(e.retry_after_seconds / 60) + " minutes, and Rapport "
                 "waits until then";
      } else if (reason == "keyInvalid" || reason == "keyExpired" ||
                 (reply->status == 400 && reply->body.find("API key") != std::string::npos)) {
        e.hint = kKeyHint;
      } else if (reason == "commentsDisabled") {
        e.hint = "comments are turned off for the channel's videos";
      } else if (reason == "channelNotFound" || reply->status == 404) {
        e.hint = "check channel_id: the channel's id starts with UC";
      }
      if (auto fail = page_failed(e, pages, batch.warnings)) return *fail;
      break;
    }
    auto page = api().object(*reply);
    if (!page) {
      if (auto fail = page_failed(page.error(), pages, batch.warnings)) return *fail;
      break;
    }
    ++pages;
    auto items = arr(*page, "items");
    size_t n = items ? items->size() : 0;
    for (size_t i = 0; i < n; ++i) {
      auto thread = obj_at(items, i);
      auto top = obj(obj(thread, "snippet"), "topLevelComment");
      auto snippet = obj(top, "snippet");
      std::string at = str(snippet, "publishedAt");
      if (!seen.empty() && !at.empty() && at < seen) {
        reached_seen = true;
        break;
      }
      if (newest.empty() || at > newest) newest = at;
      comments.push_back({snippet, str(top, "id"), false});
      auto replies = arr(obj(thread, "replies"), "comments");
      for (size_t j = 0; replies && j < replies->size(); ++j) {
        auto r = obj_at(replies, j);
        comments.push_back({obj(r, "snippet"), str(r, "id"), true});
      }
    }
    token = str(*page, "nextPageToken");
    if (reached_seen || n == 0 || token.empty()) {
      reached_seen = true;
      break;
    }
    if (pages >= max_pages()) break;
  }
  // The titles of the videos they commented on: the episode they answer, by its title.
  std::set<std::string> videos;
  for (const auto& c : comments) {
    std::string v = str(c.snippet, "videoId");
    if (!v.empty() && videos.size() < 50) videos.insert(v);
  }
  std::map<std::string, std::string> titles;
  if (!videos.empty()) {
    std::string ids;
    for (const auto& v : videos) ids += (ids.empty() ? "" : ",") + v;
    auto reply = api().call("GET", "/videos?part=snippet&maxResults=50&id=" + url_encode(ids),
                            auth);
    if (reply && reply->status == 200) {
      if (auto got = api().object(*reply)) {
        auto list = arr(*got, "items");
        for (size_t i = 0; list && i < list->size(); ++i) {
          auto v = obj_at(list, i);
          titles[str(v, "id")] = safe_text(str(obj(v, "snippet"), "title"), kMaxNameBytes);
        }
      }
    } else {
      batch.warnings.push_back("the titles of the videos could not be read, so comments are "
                               "linked to episodes by what they say only");
    }
  }
  UnixTime now = clock().now();
  for (const auto& c : comments) {
    if (!c.snippet || c.id.empty()) continue;
    std::string author_channel = str(obj(c.snippet, "authorChannelId"), "value");
    if (author_channel == options_.channel_id) continue;  // the creator's own answers
    Message m;
    m.kind = MessageKind::kComment;
    std::string video = str(c.snippet, "videoId");
    m.natural_key = "youtube:" + c.id;
    m.source_ref = c.id;
    if (!video.empty()) {
      m.url = "https://www.youtube.com/watch?v=" + url_encode(video) + "&lc=" + url_encode(c.id);
      m.episode_ref = "https://www.youtube.com/watch?v=" + url_encode(video);
    }
    std::string name = safe_text(collapse_spaces(str(c.snippet, "authorDisplayName")),
                                 kMaxNameBytes);
    // YouTube shows people by their @handle: the name is the handle without its "@".
    m.from.name = name.size() > 1 && name[0] == '@' ? name.substr(1) : name;
    if (!author_channel.empty()) {
      m.claimed = Identity("handle", "youtube:" + safe_text(author_channel, kMaxNameBytes),
                           name.empty() ? author_channel : name);
    }
    std::string channel_url = str(c.snippet, "authorChannelUrl");
    if (is_web_url(channel_url)) m.author_url = channel_url;
    std::string published = str(c.snippet, "publishedAt");
    m.received_at = time_of(published, now);
    m.date_text = safe_text(published, 64);
    std::string text = str(c.snippet, "textOriginal");
    m.text = text.empty() ? html_post_text(str(c.snippet, "textDisplay"), batch.warnings,
                                           "comment " + c.id)
                          : post_text(text, batch.warnings, "comment " + printable(c.id, 80));
    auto title = titles.find(video);
    if (title != titles.end() && !title->second.empty()) {
      m.subject = title->second;
      m.details = std::string(c.reply ? "a reply to a YouTube comment" : "a YouTube comment") +
                  " on \xE2\x80\x9C" + title->second + "\xE2\x80\x9D";
    } else {
      m.details = c.reply ? "a reply to a YouTube comment" : "a YouTube comment";
    }
    batch.messages.push_back(std::move(m));
  }
  end_back_read(fields, reached_seen, newest, token, batch.more);
  batch.cursor = write_cursor(fields);
  return batch;
}

}  // namespace rapport::ingest
