// HTTP/1.1 messages as values, and the strict parser that reads a request from bytes. Pure: no
// I/O. The listener's server (app/http_server.h) runs on it.
//
// The parser frames strictly: Content-Length together with Transfer-Encoding, differing
// Content-Lengths, a bare LF, an obs-fold line or a control character in a header are refused
// with 400, so a proxy in front and Rapport never disagree about where a request ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport {

struct HttpRequest {
  std::string method;
  std::string target;   // as sent: path and query
  std::string path;     // the target without its query
  std::string query;    // after '?', undecoded; empty when none
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;                                          // de-chunked
  std::string peer;                                          // the client's address

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

}  // namespace rapport
