// The places listeners talk back where they listen or scroll, each read as a Source with a
// cursor like every other: Apple Podcasts reviews, comments on the channel's YouTube videos,
// Mastodon mentions of the show's account, Bluesky replies, mentions and quotes, and the
// replies in an episode's own social thread (Podcasting 2.0 <podcast:socialInteract>).
//
// Each is a client of the provider's documented JSON API over HttpClient (social_api.h). A
// poll pages through what is new since the cursor, newest first, and stops at what it has
// read before; the cursor it returns is the newest thing read. Tokens, keys and passwords go
// in request headers only, so no URL, log line or error holds one.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ingest/feed/http_client.h"
#include "ingest/source.h"

namespace rapport::ingest {

namespace social {
class Api;
}

// What every social source is configured with.
struct SocialOptions {
  std::string name;
  // The API's base: the provider's own by default; a folder of recorded answers (the demo).
  std::string api_url;
  std::string ca_file;
  int timeout_seconds = 30;
  int max_pages = 10;  // pages read by one poll at most (the first read's history)
};

// Apple Podcasts: the public customer-reviews feed of one show in the storefronts chosen.
// No sign-in; a review cannot be answered from outside Podcasts Connect.
struct AppleReviewsOptions : SocialOptions {
  std::string show_id;                       // the show's id on Apple Podcasts (digits)
  std::vector<std::string> countries{"us"};  // storefronts, two letters each
};

// YouTube: comments (and replies) on every video of one channel, by the Data API v3.
struct YouTubeOptions : SocialOptions {
  std::string channel_id;  // "UC…"
  std::string api_key;     // resolved secret; sent as X-Goog-Api-Key, never in a URL
};

// Mastodon: mentions of the show's account, by the account's access token.
struct MastodonOptions : SocialOptions {
  std::string access_token;  // resolved secret (read:notifications and read:statuses)
};

// Bluesky: replies to, mentions of and quotes of the show's account, by its handle and an
// app password.
struct BlueskyOptions : SocialOptions {
  std::string handle;        // "slowgarden.bsky.social"
  std::string app_password;  // resolved secret
};

// An episode's social thread (<podcast:socialInteract protocol="activitypub">): the replies
// under its root post, read from the instance's public API.
struct ThreadOptions : SocialOptions {
  std::string episode_guid;  // what every reply is linked to
  std::string uri;           // the root post: https://INSTANCE/@user/ID or …/statuses/ID
};

class SocialSource : public Source {
 public:
  ~SocialSource() override;
  const std::string& name() const override { return name_; }
  const std::string& location() const override { return location_; }

 protected:
  SocialSource(std::string service, const SocialOptions& options, std::string default_api,
               HttpClient& http, const Clock& clock);
  social::Api& api() { return *api_; }
  const Clock& clock() const { return clock_; }
  int max_pages() const { return max_pages_; }

 private:
  std::string name_;
  std::string location_;
  std::unique_ptr<social::Api> api_;
  const Clock& clock_;
  int max_pages_;
};

class AppleReviewsSource final : public SocialSource {
 public:
  AppleReviewsSource(AppleReviewsOptions options, HttpClient& http, const Clock& clock);
  std::string_view kind() const override { return "apple reviews"; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  AppleReviewsOptions options_;
};

class YouTubeSource final : public SocialSource {
 public:
  YouTubeSource(YouTubeOptions options, HttpClient& http, const Clock& clock);
  std::string_view kind() const override { return "youtube"; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  YouTubeOptions options_;
};

class MastodonSource final : public SocialSource {
 public:
  MastodonSource(MastodonOptions options, HttpClient& http, const Clock& clock);
  std::string_view kind() const override { return "mastodon"; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  MastodonOptions options_;
  std::string instance_;  // the host of api_url: where local accounts live
};

class BlueskySource final : public SocialSource {
 public:
  BlueskySource(BlueskyOptions options, HttpClient& http, const Clock& clock);
  std::string_view kind() const override { return "bluesky"; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  // Signs in (createSession), or renews the session (refreshSession) when it has one.
  Result<bool> sign_in(bool refresh);
  BlueskyOptions options_;
  std::string access_;   // the session's tokens: kept in memory only
  std::string refresh_;
};

class ThreadSource final : public SocialSource {
 public:
  ThreadSource(ThreadOptions options, HttpClient& http, const Clock& clock);
  std::string_view kind() const override { return "social thread"; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  ThreadOptions options_;
  std::string instance_;
  std::string status_id_;
};

// The instance (https://host) and status id of a post's URL (https://host/@user/123,
// https://host/users/user/statuses/123, https://host/notice/123); false when it is not one.
bool parse_status_url(const std::string& uri, std::string& instance, std::string& id);

// The seconds until the next midnight in US Pacific time after `now`, when the YouTube Data
// API's daily quota starts again.
std::int64_t seconds_to_pacific_midnight(UnixTime now);

}  // namespace rapport::ingest
