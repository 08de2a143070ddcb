#include "app/listener.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/PartHandler.h>

#include <cmath>
#include <sstream>

#include "core/json_writer.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/text.h"
#include "pipeline/run_once.h"

namespace rapport::app {
namespace {


// A token bucket per client address, for open forms.
class RateLimiter {
 public:
  // Takes one token; returns 0 when allowed, else the seconds until one is available.
  std::int64_t take(const std::string& key, int per_hour, UnixTime now) {
    std::lock_guard<std::mutex> lock(mutex_);
    Bucket& b = buckets_[key];
    double rate = per_hour / 3600.0;
    if (b.at == 0) b.tokens = per_hour;
    b.tokens = std::min<double>(per_hour, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return static_cast<std::int64_t>(std::ceil((1 - b.tokens) / rate));
  }

 private:
  struct Bucket {
    double tokens = 0;
    UnixTime at = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace

struct Listener::State {
  ListenerOptions options;
  std::map<std::string, ServedInbox> inboxes;
  Store& store;
  const Clock& clock;
  std::mutex store_mutex;  // guards store, source_ids and episodes
  std::map<std::string, std::int64_t> source_ids;
  std::vector<Episode> episodes;
  UnixTime episodes_at = 0;
  RateLimiter limiter;

  State(ListenerOptions o, Store& s, const Clock& c) : options(std::move(o)), store(s), clock(c) {}
};

namespace {

struct Reply {
  int status = 200;
  std::string body;  // JSON
  std::map<std::string, std::string> headers;
};

Reply json_error(int status, const std::string& field, const std::string& problem) {
  JsonWriter j;
  j.begin_object().key("error").begin_object();
  if (!field.empty()) j.key("field").value(field);
  j.key("problem").value(problem).end_object().end_object();
  return {status, j.str(), {}};
}

// Stores one message; answers 201 when new, 200 when the same message was stored before.
Reply commit(Listener::State& state, const ServedInbox& served, Message m) {
  std::lock_guard<std::mutex> lock(state.store_mutex);
  UnixTime now = state.clock.now();
  auto& id = state.source_ids[served.inbox.name];
  if (id == 0) {
    auto src = state.store.source(
        "listener", served.inbox.name,
        "POST " +
            std::string(served.inbox.kind == ingest::InboxKind::kForm ? "/v1/forms/"
                                                                      : "/v1/messages/") +
            served.inbox.name,
        now);
    if (!src) {
      log::error("listener: " + src.error().to_string());
      return json_error(503, "", "the store is not available; try again");
    }
    id = src->id;
  }
  if (now - state.episodes_at > 300) {
    if (auto e = state.store.episodes(); e) {
      state.episodes = std::move(*e);
      state.episodes_at = now;
    }
  }
  pipeline::process_message(m, state.episodes, state.options.identity_rules);
  Batch batch;
  std::string key = m.natural_key;
  batch.messages.push_back(std::move(m));
  auto stored = state.store.commit_batch(id, batch, now);
  if (!stored) {
    log::error("listener: storing a message for " + served.inbox.name + ": " +
               stored.error().to_string());
    return json_error(503, "", "the message could not be stored; try again");
  }
  JsonWriter j;
  bool added = stored->messages_added == 1;
  j.begin_object()
      .key("status")
      .value(added ? "stored" : "duplicate")
      .key("id")
      .value(key)
      .end_object();
  return {added ? 201 : 200, j.str(), {}};
}

std::string header_or_empty(const HttpRequest& request, std::string_view name) {
  const std::string* v = request.header(name);
  return v ? *v : std::string();
}

// Checks the request's credentials for `served`: nullopt when they are good.
std::optional<Reply> authenticate(const ServedInbox& served, const HttpRequest& request,
                                  const std::string& body) {
  if (!served.token.empty()) {
    std::string auth = header_or_empty(request, "authorization");
    if (auth.empty()) {
      Reply r = json_error(401, "Authorization", "a bearer token is required");
      r.headers["WWW-Authenticate"] = "Bearer";
      return r;
    }
    if (!istarts_with(auth, "Bearer ") ||
        !equal_secrets(trim(std::string_view(auth).substr(7)), served.token)) {
      return json_error(403, "Authorization", "the token is not valid for this inbox");
    }
    return std::nullopt;
  }
  if (!served.hmac_secret.empty()) {
    std::string given = header_or_empty(request, ascii_lower(served.signature_header));
    if (given.empty()) {
      return json_error(401, served.signature_header,
                        "a signature is required: hex HMAC-SHA256 of the body");
    }
    std::string_view sig = trim(given);
    if (istarts_with(sig, "sha256=")) sig.remove_prefix(7);
    std::string expected = hmac_sha256_hex(served.hmac_secret, body);
    if (!equal_secrets(ascii_lower(sig), expected)) {
      return json_error(403, served.signature_header, "the signature does not match the body");
    }
    return std::nullopt;
  }
  return std::nullopt;  // an open form
}

Reply handle_json(Listener::State& state, const HttpRequest& request,
                  const std::string& name_in_path) {
  const std::string* body = &request.body;
  std::string name = name_in_path;
  if (name.empty()) {
    // The generic endpoint: the body names its inbox, or there is only one.
    try {
      Poco::JSON::Parser parser;
      auto root = parser.parse(*body);
      if (root.type() == typeid(Poco::JSON::Object::Ptr)) {
        auto obj = root.extract<Poco::JSON::Object::Ptr>();
        if (obj->has("source") && obj->get("source").isString())
          name = obj->getValue<std::string>("source");
      }
    } catch (const std::exception&) {
      // Reported below, with the field, by the adapter.
    }
    if (name.empty()) {
      std::vector<std::string> json_inboxes;
      for (const auto& [n, s] : state.inboxes) {
        if (s.inbox.kind != ingest::InboxKind::kForm) json_inboxes.push_back(n);
      }
      if (json_inboxes.size() == 1) name = json_inboxes.front();
    }
    if (name.empty()) return json_error(400, "source", "name the inbox in \"source\" or the path");
  }
  auto it = state.inboxes.find(name);
  if (it == state.inboxes.end() || it->second.inbox.kind == ingest::InboxKind::kForm) {
    return json_error(404, "source", "no inbox called \"" + name + "\" takes JSON here");
  }
  const ServedInbox& served = it->second;
  if (auto denied = authenticate(served, request, *body)) return *denied;
  auto converted = ingest::message_from_json(*body, served.inbox, state.clock.now());
  if (auto* e = std::get_if<ingest::FieldError>(&converted)) {
    return json_error(400, e->field, e->problem);
  }
  return commit(state, served, std::get<Message>(std::move(converted)));
}

// Collects the text fields of a multipart form; files are refused, never stored.
class FormParts : public Poco::Net::PartHandler {
 public:
  void handlePart(const Poco::Net::MessageHeader&, std::istream& stream) override {
    files = true;
    char buf[4096];
    while (stream.read(buf, sizeof buf) || stream.gcount()) {
    }
  }
  bool files = false;
};

Reply handle_form(Listener::State& state, const HttpRequest& request, const std::string& name,
                  const std::string& client) {
  auto it = state.inboxes.find(name);
  if (it == state.inboxes.end() || it->second.inbox.kind != ingest::InboxKind::kForm) {
    return json_error(404, "", "no form called \"" + name + "\"");
  }
  const ServedInbox& served = it->second;
  const std::string* body = &request.body;
  if (served.open) {
    if (auto wait = state.limiter.take(name + "|" + client, served.rate_limit_per_hour,
                                       state.clock.now())) {
      Reply r = json_error(429, "", "too many messages from this address; try again later");
      r.headers["Retry-After"] = std::to_string(wait);
      return r;
    }
  } else if (auto denied = authenticate(served, request, *body)) {
    return *denied;
  }
  std::map<std::string, std::string> fields;
  try {
    Poco::Net::HTMLForm form;
    form.setFieldLimit(200);
    FormParts parts;
    std::istringstream in(*body);
    Poco::Net::HTTPRequest copy(request.method, request.target);
    copy.setContentType(header_or_empty(request, "content-type"));
    form.load(copy, in, parts);
    for (const auto& [k, v] : form) fields[k] = v;
  } catch (const Poco::Exception& e) {
    return json_error(400, "(body)", "is not a form post: " + e.message());
  }
  Reply thanks;
  if (!served.thank_you_url.empty()) {
    thanks.status = 303;
    thanks.headers["Location"] = served.thank_you_url;
  }
  if (!served.honeypot.empty() && !trim(fields[served.honeypot]).empty()) {
    // A bot filled the field people never see: thank it and keep nothing.
    log::info("listener: form " + name + ": honeypot field filled by " + client + "; ignored");
    if (thanks.status == 303) return thanks;
    return {202, "{\"status\":\"ignored\"}", {}};
  }
  auto converted = ingest::message_from_record(fields, served.inbox, state.clock.now());
  if (auto* e = std::get_if<ingest::FieldError>(&converted))
    return json_error(400, e->field, e->problem);
  Reply stored = commit(state, served, std::get<Message>(std::move(converted)));
  if (stored.status >= 300 || thanks.status != 303) return stored;
  return thanks;
}

// The routes, on a worker thread of the server.
class Router {
 public:
  explicit Router(std::shared_ptr<Listener::State> state) : state_(std::move(state)) {}

  HttpResponse operator()(const HttpRequest& request) {
    Reply reply;
    try {
      reply = route(request);
    } catch (const std::exception& e) {
      log::error(std::string("listener: ") + e.what());
      reply = json_error(500, "", "internal error");
    }
    HttpResponse response;
    response.status = reply.status;
    for (auto& [k, v] : reply.headers) response.headers.emplace_back(k, v);
    if (reply.body.empty() && reply.status != 303) reply.body = "{}";
    response.body = std::move(reply.body);
    return response;
  }

 private:
  Reply route(const HttpRequest& request) {
    const std::string& path = request.path;
    const std::string& method = request.method;
    if (path == "/healthz") {
      if (method != "GET" && method != "HEAD") return json_error(405, "", "use GET");
      std::lock_guard<std::mutex> lock(state_->store_mutex);
      if (!state_->store.counts()) return json_error(503, "", "the store is not answering");
      return {200, "{\"status\":\"ok\"}", {}};
    }
    if (path == "/metrics") {
      if (method != "GET") return json_error(405, "", "use GET");
      Reply r = metrics();
      r.headers["Content-Type"] = "text/plain; version=0.0.4";
      return r;
    }
    bool messages = path == "/v1/messages" || path.rfind("/v1/messages/", 0) == 0;
    bool forms = path.rfind("/v1/forms/", 0) == 0;
    if (!messages && !forms) return json_error(404, "", "no such endpoint");
    if (method != "POST") {
      Reply r = json_error(405, "", "use POST");
      r.headers["Allow"] = "POST";
      return r;
    }
    if (messages) {
      std::string name = path.size() > 13 ? path.substr(13) : "";
      return handle_json(*state_, request, name);
    }
    return handle_form(*state_, request, path.substr(10), client_of(request));
  }

  // Prometheus text format: what is stored, and each source's health.
  Reply metrics() {
    std::lock_guard<std::mutex> lock(state_->store_mutex);
    auto counts = state_->store.counts();
    auto sources = state_->store.sources();
    if (!counts || !sources) return json_error(503, "", "the store is not answering");
    std::string out;
    auto gauge = [&](const char* name, const char* help, std::int64_t v) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
             " " + std::to_string(v) + "\n";
    };
    gauge("rapport_episodes", "Episodes stored.", counts->episodes);
    gauge("rapport_messages", "Messages stored.", counts->messages);
    gauge("rapport_human_messages", "Messages written by a person.", counts->human_messages);
    gauge("rapport_people", "People (contacts) known.", counts->contacts);
    gauge("rapport_unanswered_people", "People waiting for an answer.",
          counts->unanswered_contacts);
    gauge("rapport_digests", "Digests recorded.", counts->digests);
    // Label values escape backslash, quote and newline (Prometheus text format).
    auto label = [](const std::string& v) {
      std::string e;
      for (char c : v) {
        if (c == '\n') {
          e += "\\n";
          continue;
        }
        if (c == '\\' || c == '"') e += '\\';
        e += c;
      }
      return e;
    };
    out +=
        "# HELP rapport_source_consecutive_failures Failed polls in a row, per source.\n"
        "# TYPE rapport_source_consecutive_failures gauge\n";
    for (const auto& src : *sources) {
      out += "rapport_source_consecutive_failures{source=\"" + label(src.name) + "\",kind=\"" +
             label(src.kind) + "\"} " + std::to_string(src.consecutive_failures) + "\n";
    }
    out +=
        "# HELP rapport_source_last_success_seconds Unix time of the last successful poll.\n"
        "# TYPE rapport_source_last_success_seconds gauge\n";
    for (const auto& src : *sources) {
      if (!src.last_success_at) continue;
      out += "rapport_source_last_success_seconds{source=\"" + label(src.name) + "\"} " +
             std::to_string(*src.last_success_at) + "\n";
    }
    return {200, out, {}};
  }

  // The client's address; behind the trusted proxy, the hop it saw (the last one it added).
  std::string client_of(const HttpRequest& request) const {
    const std::string& peer = request.peer;
    const std::string& proxy = state_->options.trusted_proxy;
    const std::string* forwarded = request.header("x-forwarded-for");
    if (proxy.empty() || peer != proxy || !forwarded) return peer;
    const std::string& chain = *forwarded;
    size_t comma = chain.rfind(',');
    std::string last(trim(comma == std::string::npos ? chain : chain.substr(comma + 1)));
    return last.empty() ? peer : last;
  }

  std::shared_ptr<Listener::State> state_;
};

}  // namespace

Listener::Listener(ListenerOptions options, std::vector<ServedInbox> inboxes, Store& store,
                   const Clock& clock)
    : options_(options), state_(std::make_shared<State>(std::move(options), store, clock)) {
  for (auto& i : inboxes) {
    std::string name = i.inbox.name;
    state_->inboxes.emplace(name, std::move(i));
  }
}

Listener::~Listener() { stop(); }

Status Listener::start() {
  HttpServerOptions o;
  o.address = options_.address;
  o.port = options_.port;
  o.workers = options_.threads;
  o.max_connections = options_.max_connections;
  o.limits.max_body_bytes = options_.max_body_bytes;
  o.header_timeout_ms = options_.header_timeout_ms;
  o.body_grace_ms = options_.body_grace_ms;
  server_ = std::make_unique<HttpServer>(o, Router(state_));
  if (auto s = server_->start(); !s) {
    server_.reset();
    return s;
  }
  port_ = server_->port();
  return {};
}

void Listener::stop() {
  if (server_) {
    server_->stop();
    server_.reset();
  }
}

}  // namespace rapport::app
