// HttpServer: the small HTTP/1.1 server the listener runs on (webhooks, forms, health and
// metrics). Built for the open internet behind a reverse proxy, where clients are slow,
// careless or hostile:
//
// - one event thread reads every connection without blocking, under deadlines that trickling
//   cannot extend: the whole request head within header_timeout from its first byte (from the
//   connection's start for the first request), the body at min_body_rate after a grace period;
// - requests are framed strictly by RequestParser (core/http.h), refused with 400 when a proxy
//   and Rapport could disagree about where a request ends;
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

#include "core/http.h"
#include "core/result.h"

namespace rapport::app {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: a free port (see HttpServer::port())
  int workers = 8;
  std::size_t max_connections = 2048;  // open at once; beyond, 503 and close
  std::size_t max_queued = 1024;       // whole requests waiting for a worker; beyond, 503
  HttpLimits limits;
  int header_timeout_ms = 10'000;    // the whole head, from its first byte
  int idle_timeout_ms = 15'000;      // a kept-alive connection waiting for its next request
  int body_grace_ms = 10'000;        // the body may take this long...
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
  // Connections open now, those closing after a refusal not counted: what max_connections
  // limits. Read from any thread; up to date once the server has looked at its sockets.
  std::size_t open_connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport::app
