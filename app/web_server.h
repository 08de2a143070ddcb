// WebServer: the web inbox (web::WebInbox) on an HttpServer of its own, with its own store
// connection, as `rapport serve` and the daemon run it when the config has a [web] table.
#pragma once

#include <functional>
#include <memory>

#include "app/http_server.h"
#include "config/config.h"
#include "core/clock.h"
#include "store/sql_store.h"
#include "web/inbox.h"

namespace rapport::app {

class WebServer {
 public:
  // Opens its store connection, binds [web] address:port and starts serving. kNetwork when the
  // address cannot be bound. `clock` must outlive the server.
  // `schedule_changed`: the daemon serves it, and is woken when a source is marked due.
  static Result<std::unique_ptr<WebServer>> start(const config::Config& cfg, const Clock& clock,
                                                  std::function<void()> schedule_changed = {});
  ~WebServer();

  void stop();
  int port() const { return server_->port(); }
  // "http://127.0.0.1:8788/"
  std::string url() const;

 private:
  WebServer() = default;
  std::string address_;
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<web::WebInbox> inbox_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace rapport::app
