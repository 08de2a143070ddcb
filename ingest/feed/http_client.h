// HttpClient: fetches URLs. The seam feed tests use; CurlHttpClient is the real one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace rapport::ingest {

struct HttpRequest {
  std::string url;                // http://, https:// or file://
  std::string method = "GET";     // or "POST", with `body`
  std::string body;               // sent with a POST
  // More request headers, "Name: value" each (an API's Authorization or Accept). Never logged:
  // they may hold a token.
  std::vector<std::string> headers;
  std::string if_none_match;      // a stored ETag, for a conditional GET
  std::string if_modified_since;  // a stored Last-Modified, for a conditional GET
  std::string username;           // basic auth when not empty
  std::string password;           // never logged
  std::string ca_file;            // extra CA bundle for a private CA; empty: the system's
  int connect_timeout_seconds = 10;
  int timeout_seconds = 30;
  std::int64_t max_bytes = 20 * 1024 * 1024;
};

struct HttpResponse {
  long status = 0;  // the final HTTP status; 200 for a file:// read
  std::string body;
  std::string etag;
  std::string last_modified;
  std::string content_type;
  std::string retry_after;    // the Retry-After header as sent
  std::string effective_url;  // after redirects
  // Every header of the final response, names lower-cased, in order (an API's Link or
  // rate-limit headers).
  std::vector<std::pair<std::string, std::string>> headers;
  int redirects = 0;
  // True when there was at least one redirect and every one was permanent (301 or 308):
  // the source should be asked for at effective_url from now on.
  bool permanently_moved = false;
};

// How many transfers may run at once.
struct FetchLimits {
  int total = 8;
  int per_host = 2;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs the request (a GET unless `method` says POST), following up to 5 redirects (never to file://). Any HTTP status is a
  // successful Result; fails with kNetwork (retryable when it may pass: timeouts, refused
  // connections, cut transfers) or kIo for file:// URLs, and when the body exceeds
  // max_bytes (the transfer is aborted, never parsed half).
  virtual Result<HttpResponse> get(const HttpRequest& request) = 0;
  // Performs every request concurrently within `limits`; results in request order, each as
  // get() would return it. One failure never affects the others.
  virtual std::vector<Result<HttpResponse>> get_many(const std::vector<HttpRequest>& requests,
                                                     const FetchLimits& limits) = 0;
};

// libcurl's multi interface. Verifies TLS; honours proxy environment variables; accepts
// gzip and deflate. Thread-compatible: use one instance per thread.
class CurlHttpClient final : public HttpClient {
 public:
  Result<HttpResponse> get(const HttpRequest& request) override;
  std::vector<Result<HttpResponse>> get_many(const std::vector<HttpRequest>& requests,
                                             const FetchLimits& limits) override;
};

// The User-Agent sent with every request.
const char* user_agent();

// Must be called once before any thread uses libcurl (main does it).
void global_http_init();

// Seconds to wait from a Retry-After value (delta-seconds or an HTTP date) at `now`;
// 0 when it is absent or unreadable.
std::int64_t retry_after_seconds(const std::string& value, std::int64_t now);

}  // namespace rapport::ingest
