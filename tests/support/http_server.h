// HttpTestServer: a real HTTP server on 127.0.0.1, on a free port, for feed tests. Routes
// map a path to a handler; it stops when the object goes away, and no thread of it outlives
// the object (a delayed answer is cut short).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rapport::testing {

struct HttpExchange {
  // What the client sent.
  std::string method;
  std::string path;   // the target as sent, query included
  std::string query;  // after '?', undecoded ("" when none)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string request_body;                    // a POST's body
  // What to answer.
  int status = 200;
  std::map<std::string, std::string> response_headers;
  std::string body;
  int delay_ms = 0;       // wait this long before answering (a slow or stalled server)
  bool gzip = false;      // send the body gzip-compressed with Content-Encoding: gzip
  bool truncate = false;  // promise more bytes than are sent, then close the connection
};

class HttpTestServer {
 public:
  using Handler = std::function<void(HttpExchange&)>;

  HttpTestServer();
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // A handler for `path`: the whole target, or the path without its query (an exact match of
  // the whole target wins).
  void route(const std::string& path, Handler handler);
  // http://127.0.0.1:PORT + path
  std::string url(const std::string& path) const;
  // Every request received so far, in order.
  std::vector<HttpExchange> requests() const;
  // The most requests that were being answered at the same moment.
  int max_in_flight() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  int port_ = 0;
};

}  // namespace rapport::testing
