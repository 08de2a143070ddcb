// WebServer: the web inbox (web::WebInbox) on an HttpServer of its own, with its own store
// connection, as `rapport serve` and the daemon run it when the config has a [web] table.
#pragma once

#include <memory>

#include "app/http_server.h"
#include "config/config.h"
#include "core/clock.h"
#include "store/sqlite_store.h"
#include "web/inbox.h"

namespace rapport::app {

class WebServer {
 public:
  // Opens its store connection, binds [web] address:port and starts serving. kNetwork when the
  // address cannot be bound. `clock` must outlive the server.
  // `in_daemon`: the daemon serves it (a source marked due is read at once).
  static Result<std::unique_ptr<WebServer>> start(const config::Config& cfg, const Clock& clock,
                                                  bool in_daemon = false);
  ~WebServer();

  void stop();
  int port() const { return server_->port(); }
  // "http://127.0.0.1:8788/"
  std::string url() const;

 private:
  WebServer() = default;
  std::string address_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<web::WebInbox> inbox_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace rapport::app
