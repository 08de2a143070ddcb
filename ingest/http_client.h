// HttpClient: fetches one URL. The seam feed tests use; CurlHttpClient is the real one.
#pragma once

#include <cstdint>
#include <string>

#include "store/result.h"

namespace rapport::ingest {

struct HttpRequest {
  std::string url;                // http://, https:// or file://
  std::string if_none_match;      // a stored ETag, for a conditional GET
  std::string if_modified_since;  // a stored Last-Modified, for a conditional GET
  std::string username;           // basic auth when not empty
  std::string password;           // never logged
  int connect_timeout_seconds = 10;
  int timeout_seconds = 30;
  std::int64_t max_bytes = 20 * 1024 * 1024;
};

struct HttpResponse {
  long status = 0;  // HTTP status; 200 for a file:// read
  std::string body;
  std::string etag;
  std::string last_modified;
  std::string content_type;
  std::string effective_url;  // after redirects
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs a GET, following up to 5 redirects. Any HTTP status is a successful Result;
  // fails with kNetwork (retryable when it may pass: timeouts, refused connections) or kIo
  // for file:// URLs, and when the body exceeds max_bytes (the transfer is aborted).
  virtual Result<HttpResponse> get(const HttpRequest& request) = 0;
};

// libcurl's easy interface. Verifies TLS; honours proxy environment variables; accepts
// gzip and deflate. Thread-compatible: use one instance per thread.
class CurlHttpClient final : public HttpClient {
 public:
  Result<HttpResponse> get(const HttpRequest& request) override;
};

// The User-Agent sent with every request.
const char* user_agent();

// Must be called once before any thread uses libcurl (main does it).
void global_http_init();

}  // namespace rapport::ingest
