#include "app/web_server.h"

#include "app/from_config.h"

namespace rapport::app {

Result<std::unique_ptr<WebServer>> WebServer::start(const config::Config& cfg,
                                                    const Clock& clock,
                                                    std::function<void()> schedule_changed) {
  std::unique_ptr<WebServer> w(new WebServer());
  auto store = open_store(cfg.store);
  if (!store) return store.error();
  w->store_ = std::move(*store);
  web::InboxOptions options;
  options.digest = digest_settings(cfg);
  options.schedule_changed = std::move(schedule_changed);
  if (!cfg.web.password_file.empty()) {
    auto hash = web::read_password_hash(cfg.web.password_file);
    if (!hash) return hash.error();
    options.login = std::make_shared<web::Login>(std::move(*hash));
    options.trusted_proxy = cfg.web.trusted_proxy;
  }
  if (!cfg.web.public_url.empty()) {
    auto signer = tap_signer(cfg);
    if (!signer) return signer.error();
    options.taps = std::move(*signer);
    options.public_host = public_host(cfg);
  }
  w->inbox_ = std::make_unique<web::WebInbox>(*w->store_, clock, options);
  HttpServerOptions http;
  http.address = cfg.web.address == "localhost" ? "127.0.0.1" : cfg.web.address;
  http.port = cfg.web.port;
  http.workers = 4;
  http.limits.max_body_bytes = 64 * 1024;  // a note is at most 10,000 characters
  w->address_ = http.address;
  web::WebInbox* inbox = w->inbox_.get();
  w->server_ = std::make_unique<HttpServer>(
      http, [inbox](const HttpRequest& request) { return inbox->handle(request); });
  if (auto s = w->server_->start(); !s) return s.error();
  return w;
}

WebServer::~WebServer() { stop(); }

void WebServer::stop() {
  if (server_) server_->stop();
}

std::string WebServer::url() const {
  std::string host = address_.find(':') != std::string::npos ? "[" + address_ + "]" : address_;
  return "http://" + host + ":" + std::to_string(port()) + "/";
}

}  // namespace rapport::app
