// HttpServer: the small HTTP/1.1 server the listener runs on (webhooks, forms, health and
// metrics). Built for the open internet behind a reverse proxy, where clients are slow,
// careless or hostile:
//
// - one event thread reads every connection without blocking, under deadlines that trickling
//   cannot extend: the whole request head within header_timeout from its first byte (from the
//   connection's start for the first request), the body at min_body_rate after a grace period;
// - requests are framed strictly (RequestParser): Content-Length together with
//   Transfer-Encoding, differing Content-Lengths, a bare LF, an obs-fold line or a control
//   character in a header are refused with 400, so a proxy and Rapport never disagree about
//   where a request ends;
// - whole requests go to a fixed pool of workers; connections beyond max_connections, and
//   requests beyond max_queued waiting for a worker, get a 503 at once, never silence;
// - stop() closes idle and slow connections at once and waits only for handlers already running.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/result.h"

namespace rapport::app {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // the target without its query
  std::string query;   // after '?', undecoded; empty when none
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;    // de-chunked
  std::string peer;    // the client's address

  // The first header called `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // values must not hold CR or LF
  std::string body;
};

// The standard reason phrase of a status code ("Payload Too Large"); "Unknown" for others.
std::string_view reason_phrase(int status);

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;  // request line and headers; more: 431
  std::size_t max_headers = 100;             // more: 431
  std::int64_t max_body_bytes = 64 * 1024;   // more: 413
};

// An incremental, strict HTTP/1.1 request parser: bytes in, one request out. Pure (no I/O),
// linear in its input, bounded by its limits. Not thread-safe.
class RequestParser {
 public:
  enum class State { kHead, kBody, kDone, kError };

  explicit RequestParser(HttpLimits limits) : limits_(limits) {}

  // Reads from `in` and returns how many bytes it used. It stops at the end of one request
  // (kDone): what follows is the next request's, for a new parser or after reset().
  std::size_t feed(std::string_view in);
  State state() const { return state_; }
  // Once kError: the status to answer (400, 413, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }
  // Once the head is read (kBody or kDone): the request so far.
  HttpRequest& request() { return request_; }
  // The client waits for "100 Continue" before it sends the body.
  bool expects_continue() const { return expects_continue_; }
  // Whether the connection may carry another request after this one.
  bool keep_alive() const { return keep_alive_; }
  // Whether any byte of this request has arrived.
  bool started() const { return started_; }
  void reset();

 private:
  std::size_t feed_head(std::string_view in);
  std::size_t feed_body(std::string_view in);
  std::size_t feed_chunked(std::string_view in);
  bool parse_head();
  void fail(int status, std::string reason);

  HttpLimits limits_;
  State state_ = State::kHead;
  int error_status_ = 0;
  std::string error_reason_;
  HttpRequest request_;
  std::string head_;
  std::size_t scanned_ = 0;  // bytes of head_ already searched for the blank line
  bool started_ = false;
  bool expects_continue_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  std::int64_t remaining_ = 0;  // Content-Length bytes still to come
  // Chunked bodies.
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };
  Chunk chunk_ = Chunk::kSize;
  std::string line_;  // a chunk-size or trailer line being read
  std::int64_t chunk_left_ = 0;
  std::size_t trailer_bytes_ = 0;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: a free port (see HttpServer::port())
  int workers = 8;
  std::size_t max_connections = 2048;  // open at once; beyond, 503 and close
  std::size_t max_queued = 1024;       // whole requests waiting for a worker; beyond, 503
  HttpLimits limits;
  int header_timeout_ms = 10'000;  // the whole head, from its first byte
  int idle_timeout_ms = 15'000;    // a kept-alive connection waiting for its next request
  int body_grace_ms = 10'000;      // the body may take this long...
  std::size_t min_body_rate = 1024;  // ...plus a second per this many bytes received
  int write_timeout_ms = 10'000;     // an answer the client does not read is dropped
  int max_requests_per_connection = 100;
};

class HttpServer {
 public:
  // `handler` is called on worker threads, several at once; it must be thread-safe and must
  // outlive the server.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Fails with kNetwork when the address cannot be bound.
  Status start();
  // Stops taking connections, closes every connection that is not waiting for a handler,
  // lets running handlers finish and sends their answers (for up to a second), then returns.
  // Idempotent.
  void stop();
  int port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport::app
