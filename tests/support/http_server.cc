#include "tests/support/http_server.h"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "store/text.h"

namespace rapport::testing {

struct HttpTestServer::State {
  std::mutex mutex;
  std::map<std::string, Handler> routes;
  std::vector<HttpExchange> log;
  int in_flight = 0;
  int max_in_flight = 0;
};

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<HttpTestServer::State> state) : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    HttpExchange ex;
    ex.method = req.getMethod();
    ex.path = req.getURI();
    for (const auto& [k, v] : req) ex.headers[ascii_lower(k)] = v;
    std::string ignored;
    Poco::StreamCopier::copyToString(req.stream(), ignored);
    HttpTestServer::Handler route;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      auto it = state_->routes.find(ex.path);
      if (it != state_->routes.end()) route = it->second;
      state_->max_in_flight = std::max(state_->max_in_flight, ++state_->in_flight);
    }
    if (route) {
      route(ex);
    } else {
      ex.status = 404;
      ex.body = "not found";
    }
    if (ex.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ex.delay_ms));
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->log.push_back(ex);
      --state_->in_flight;
    }
    if (ex.gzip) {
      std::ostringstream packed;
      Poco::DeflatingOutputStream deflate(packed, Poco::DeflatingStreamBuf::STREAM_GZIP);
      deflate << ex.body;
      deflate.close();
      ex.body = packed.str();
      ex.response_headers["Content-Encoding"] = "gzip";
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(ex.status));
    for (const auto& [k, v] : ex.response_headers) resp.set(k, v);
    if (ex.status == 304) {
      resp.setContentLength(0);
      resp.send();
      return;
    }
    if (ex.truncate) {
      // Promise more than is sent; returning closes the connection (no keep-alive).
      resp.setContentLength(static_cast<std::streamsize>(ex.body.size() + 4096));
      std::ostream& out = resp.send();
      out << ex.body;
      out.flush();
      return;
    }
    resp.setContentLength(static_cast<std::streamsize>(ex.body.size()));
    resp.send() << ex.body;
  }

 private:
  std::shared_ptr<HttpTestServer::State> state_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<HttpTestServer::State> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(state_);  // Poco takes ownership
  }

 private:
  std::shared_ptr<HttpTestServer::State> state_;
};

}  // namespace

HttpTestServer::HttpTestServer() : state_(std::make_shared<State>()) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;  // Poco takes ownership
  params->setKeepAlive(false);
  params->setMaxThreads(32);
  params->setMaxQueued(1000);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
  server_->start();
}

HttpTestServer::~HttpTestServer() { server_->stopAll(true); }

void HttpTestServer::route(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->routes[path] = std::move(handler);
}

std::string HttpTestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

int HttpTestServer::max_in_flight() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->max_in_flight;
}

std::vector<HttpExchange> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->log;
}

}  // namespace rapport::testing
