// Listener: the HTTP intake for listener messages, on HttpServer.
//
//   POST /v1/messages/NAME   JSON for inbox NAME (generic, voicemail or boostagram)
//   POST /v1/messages        generic JSON naming its inbox in "source" (or the only JSON inbox)
//   POST /v1/forms/NAME      a form post (urlencoded or multipart); answers with a redirect
//   GET  /healthz            200 while the store answers
//
// A 2xx answer is sent only after the message is committed. Thread-safe: requests are served
// concurrently and share one store behind a mutex. Slow, oversized and ill-framed requests
// are dealt with by HttpServer before they reach an inbox.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/http_server.h"
#include "core/clock.h"
#include "ingest/inbound/inbound.h"
#include "pipeline/identity.h"
#include "store/store.h"

namespace rapport::app {

// One inbox as the listener serves it, with its secrets already read.
struct ServedInbox {
  ingest::Inbox inbox;
  std::string token;        // bearer token; empty when not used
  std::string hmac_secret;  // HMAC-SHA256 key; empty when not used
  std::string signature_header = "X-Rapport-Signature";
  bool open = false;
  int rate_limit_per_hour = 20;
  std::string honeypot;
  std::string thank_you_url;
};

struct ListenerOptions {
  std::string address = "127.0.0.1";
  int port = 8787;  // 0: a free port (see Listener::port())
  std::int64_t max_body_bytes = 64 * 1024;
  int threads = 8;
  // Deadlines and limits of the connection itself (see HttpServerOptions); tests shorten them.
  int header_timeout_ms = 10'000;
  int body_grace_ms = 10'000;
  std::size_t max_connections = 2048;
  // The address of a reverse proxy in front of the listener: requests from it are taken to
  // come from the last address in their X-Forwarded-For. Empty: never trust that header.
  std::string trusted_proxy;
  pipeline::IdentityRules identity_rules;  // [contacts]
};

class Listener {
 public:
  // `store` and `clock` must outlive the listener; the listener serialises its use of `store`.
  Listener(ListenerOptions options, std::vector<ServedInbox> inboxes, Store& store,
           const Clock& clock);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and starts serving. Fails with kNetwork when the address cannot be bound.
  Status start();
  // Stops taking requests, drops idle and slow connections, and waits for those in flight.
  void stop();
  int port() const { return port_; }

  struct State;

 private:
  ListenerOptions options_;
  std::shared_ptr<State> state_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

}  // namespace rapport::app
