// Api: what the social sources share to talk to a provider's JSON API over HttpClient: one
// request at a time, its answer read as JSON, HTTP errors in words (a bad token, a quota, a
// rate limit and when it ends), and the text of posts made safe to keep. Internal to
// ingest/social (it exposes Poco's JSON types).
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/feed/http_client.h"

namespace rapport::ingest::social {

// Where a provider's API is and how to reach it.
struct Endpoint {
  // "https://mastodon.social". A folder (a path or file:// URL) holds recorded answers
  // instead: each request reads FOLDER/PATH.json, its query aside (the demo's samples).
  std::string base_url;
  std::string ca_file;  // extra CA bundle; empty: the system's
  int timeout_seconds = 30;
  std::int64_t max_bytes = 8 * 1024 * 1024;  // one answer
};

struct Reply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string url;                                           // as asked (no secret in it)
  // The first header called `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const;
};

class Api {
 public:
  // `service` names the provider in errors ("Mastodon"). `http` and `clock` must outlive it.
  Api(std::string service, Endpoint endpoint, HttpClient& http, const Clock& clock)
      : service_(std::move(service)), endpoint_(std::move(endpoint)), http_(http), clock_(clock) {}

  // `target` is a path with its query ("/api/v1/notifications?limit=40") or a whole URL of
  // the same API (a Link header's). `headers` may hold a token: they are never logged. Any
  // HTTP status is a Reply; fails only when no answer came (kNetwork, kIo).
  Result<Reply> call(const std::string& method, const std::string& target,
                     std::vector<std::string> headers = {}, std::string body = {}) const;

  // The error a non-2xx reply means: 401 with `auth_hint`, 429 and 503 as a wait until the
  // limit resets (Retry-After, X-RateLimit-Reset or RateLimit-Reset), 5xx retried, others
  // with the provider's own message when it gave one.
  Error http_error(const Reply& reply, const std::string& auth_hint) const;

  // The body as a JSON object, or kParse naming the URL.
  Result<Poco::JSON::Object::Ptr> object(const Reply& reply) const;

  const std::string& service() const { return service_; }
  const Endpoint& endpoint() const { return endpoint_; }
  bool recorded() const;  // the base is a folder of recorded answers
  UnixTime now() const { return clock_.now(); }

 private:
  std::string service_;
  Endpoint endpoint_;
  HttpClient& http_;
  const Clock& clock_;
};

// Seconds to wait from a reply's rate-limit headers at `now`: Retry-After (seconds or a date),
// else X-RateLimit-Reset (Mastodon: an ISO 8601 time), else RateLimit-Reset (Bluesky: Unix
// seconds, or seconds from now when small); 0 when none says.
std::int64_t rate_limit_wait(const Reply& reply, UnixTime now);

// The URL of the Link header's relation `rel` ("next"), or "".
std::string link_relation(const Reply& reply, std::string_view rel);

// Text a listener wrote, made safe to keep: valid UTF-8, bidi overrides and isolates and
// zero-width spaces removed (a joiner in an emoji stays), at most `max_bytes` (cut at a
// character, `*cut` set).
std::string safe_text(std::string_view text, std::size_t max_bytes, bool* cut = nullptr);

// Fields of a JSON object: "" / nullptr when absent or of another type.
std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key);
Poco::JSON::Object::Ptr obj(const Poco::JSON::Object::Ptr& o, const std::string& key);
Poco::JSON::Array::Ptr arr(const Poco::JSON::Object::Ptr& o, const std::string& key);
std::optional<std::int64_t> integer(const Poco::JSON::Object::Ptr& o, const std::string& key);
// The array's `i`th element as an object, or nullptr.
Poco::JSON::Object::Ptr obj_at(const Poco::JSON::Array::Ptr& a, std::size_t i);

// A cursor of "key value" lines, read and written.
std::map<std::string, std::string> read_cursor(const std::string& cursor);
std::string write_cursor(const std::map<std::string, std::string>& fields);

// A post's text kept safely (safe_text within kMaxPostBytes); a cut is told in `warnings`,
// naming `what`.
std::string post_text(const std::string& text, std::vector<std::string>& warnings,
                      const std::string& what);
// The same for a post written in HTML (Mastodon's), as text.
std::string html_post_text(const std::string& html, std::vector<std::string>& warnings,
                           const std::string& what);
// The text without the @-mentions it starts with ("@slowgarden @sam Loved it" → "Loved it").
std::string strip_leading_mentions(std::string_view text);
// The web links of a post's HTML, mentions and hashtags aside, in order (at most 20).
std::vector<std::string> links_in_html(std::string_view html);
// A page of a read that failed: with no page read yet the read fails (the error is returned);
// after one, what was read is kept and the failure is a warning (nullopt: stop reading).
std::optional<Error> page_failed(Error e, int pages_read, std::vector<std::string>& warnings);

// The cursor's fields after a read back through pages, newest first, to what an earlier read
// saw ("seen"; Bluesky and YouTube). When it got there, or on a first read (which keeps to its
// pages of history), "seen" becomes `newest`. Otherwise "resume" holds where to read on and
// "newest" waits for the end of the catch-up, and the batch asks to be read again at once.
void end_back_read(std::map<std::string, std::string>& fields, bool reached_seen,
                   const std::string& newest, const std::string& resume, bool& more);

// An ISO 8601 time as written by an API, or `fallback`.
UnixTime time_of(const std::string& text, UnixTime fallback);

// The most a listener's text may be (a 100 KB comment is cut here, with a warning).
constexpr std::size_t kMaxPostBytes = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 512;

}  // namespace rapport::ingest::social
