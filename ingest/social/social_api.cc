#include "ingest/social/social_api.h"

#include <Poco/JSON/Parser.h>

#include <fstream>

#include "core/text.h"
#include "ingest/decode/date_parse.h"

namespace rapport::ingest::social {
namespace {

bool is_http(std::string_view url) {
  return istarts_with(url, "http://") || istarts_with(url, "https://");
}

// "https://host:port" of a URL, lower case ("" when it is not one).
std::string origin_of(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t end = url.find_first_of("/?#", scheme + 3);
  return ascii_lower(url.substr(0, end));
}

// The folder of recorded answers a base names.
std::string folder_of(const std::string& base) {
  std::string f = istarts_with(base, "file://") ? base.substr(7) : base;
  while (f.size() > 1 && f.back() == '/') f.pop_back();
  return f;
}

// The provider's own words for an error, when its body is JSON that holds them (Mastodon's
// {"error": "…"}, Bluesky's {"error": "…", "message": "…"}, Google's {"error": {"message":
// "…"}}).
std::string provider_message(const std::string& body) {
  if (body.empty() || body.size() > 64 * 1024) return "";
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(body);
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) return "";
    auto o = root.extract<Poco::JSON::Object::Ptr>();
    std::string message = str(o, "message");
    if (auto e = obj(o, "error")) message = str(e, "message");
    std::string error = str(o, "error");
    std::string words = !error.empty() && !message.empty() ? error + ": " + message
                        : !message.empty()                 ? message
                                                           : error;
    return printable(words, 200);
  } catch (...) {
    return "";
  }
}

}  // namespace

const std::string* Reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool Api::recorded() const { return !is_http(endpoint_.base_url); }

Result<Reply> Api::call(const std::string& method, const std::string& target,
                        std::vector<std::string> headers, std::string body) const {
  Reply reply;
  if (recorded()) {
    std::string path = is_http(target) ? target.substr(target.find('/', 8)) : target;
    path = path.substr(0, path.find('?'));
    if (path.find("..") != std::string::npos) {
      return make_error(ErrorCode::kIo, "a recorded answer's path may not hold \"..\"", path);
    }
    std::string file = folder_of(endpoint_.base_url) + path + ".json";
    reply.url = file;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      reply.status = 404;
      return reply;
    }
    std::string data;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      data.append(buf, static_cast<size_t>(in.gcount()));
      if (static_cast<std::int64_t>(data.size()) > endpoint_.max_bytes) {
        return make_error(ErrorCode::kIo,
                          "larger than the limit of " + std::to_string(endpoint_.max_bytes) +
                              " bytes",
                          file);
      }
    }
    reply.status = 200;
    reply.body = std::move(data);
    return reply;
  }
  // A link the server gave (a Link header's next page) is followed only on the API's own
  // server: the token goes with every request, and never to another.
  if (is_http(target) && origin_of(target) != origin_of(endpoint_.base_url)) {
    return make_error(ErrorCode::kParse,
                      service_ + " pointed to another server (" + printable(origin_of(target), 80) +
                          "); it was not followed",
                      origin_of(endpoint_.base_url));
  }
  HttpRequest request;
  std::string base = endpoint_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  request.url = is_http(target) ? target : base + target;
  request.method = method;
  request.body = std::move(body);
  request.headers = std::move(headers);
  request.headers.push_back("Accept: application/json");
  request.ca_file = endpoint_.ca_file;
  request.timeout_seconds = endpoint_.timeout_seconds;
  request.max_bytes = endpoint_.max_bytes;
  auto response = http_.get(request);
  if (!response) {
    Error e = response.error();
    if (e.hint.empty() || e.hint.find("feed") != std::string::npos) {
      e.hint = e.code == ErrorCode::kNetwork && e.what.find("limit") != std::string::npos
                   ? "an answer of " + service_ + " was larger than Rapport reads"
                   : "check the api_url and the network";
    }
    return e;
  }
  reply.status = response->status;
  reply.body = std::move(response->body);
  reply.headers = std::move(response->headers);
  reply.url = request.url;
  return reply;
}

Error Api::http_error(const Reply& reply, const std::string& auth_hint) const {
  long status = reply.status;
  std::string what = service_ + " answered HTTP " + std::to_string(status);
  if (std::string said = provider_message(reply.body); !said.empty()) what += " (" + said + ")";
  Error e = make_error(ErrorCode::kNetwork, what, reply.url);
  if (status == 401) {
    e.hint = auth_hint;
  } else if (status == 429 || status == 503) {
    e.retry = Retry::kYes;
    e.retry_after_seconds = rate_limit_wait(reply, clock_.now());
    e.hint = e.retry_after_seconds > 0
                 ? service_ + " asked to wait " + std::to_string(e.retry_after_seconds) +
                       " seconds; Rapport waits that long before asking again"
                 : service_ + " is limiting requests; Rapport asks again later";
  } else if (status >= 500 || status == 408) {
    e.retry = Retry::kYes;
    e.hint = service_ + " is having trouble; Rapport asks again later";
  } else if (status == 404) {
    e.hint = "check the account, id or api_url in the config";
  }
  return e;
}

Result<Poco::JSON::Object::Ptr> Api::object(const Reply& reply) const {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(reply.body);
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) {
      return make_error(ErrorCode::kParse, service_ + " answered JSON that is not an object",
                        reply.url);
    }
    return root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return make_error(ErrorCode::kParse,
                      service_ + " answered something that is not JSON: " + e.message(), reply.url,
                      "", Retry::kYes);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse,
                      service_ + " answered something that is not JSON: " + e.what(), reply.url,
                      "", Retry::kYes);
  }
}

std::int64_t rate_limit_wait(const Reply& reply, UnixTime now) {
  if (const std::string* v = reply.header("retry-after")) {
    if (std::int64_t s = retry_after_seconds(*v, now); s > 0) return s;
  }
  auto digits = [](std::string_view v) {
    return !v.empty() && v.size() < 16 && v.find_first_not_of("0123456789") == std::string::npos;
  };
  for (const char* name : {"x-ratelimit-reset", "ratelimit-reset"}) {
    const std::string* v = reply.header(name);
    if (!v) continue;
    std::string_view t = trim(*v);
    if (digits(t)) {
      std::int64_t n = std::stoll(std::string(t));
      std::int64_t wait = n > 1'000'000'000 ? n - now : n;  // a time, or seconds from now
      if (wait > 0) return std::min<std::int64_t>(wait, 7 * 86400);
      continue;
    }
    if (auto at = parse_date(t); at && *at > now) return std::min<std::int64_t>(*at - now, 7 * 86400);
  }
  return 0;
}

std::string link_relation(const Reply& reply, std::string_view rel) {
  for (const auto& [name, value] : reply.headers) {
    if (name != "link") continue;
    // <url>; rel="next", <url>; rel="prev"
    size_t pos = 0;
    while (pos < value.size()) {
      size_t open = value.find('<', pos);
      if (open == std::string::npos) break;
      size_t close = value.find('>', open);
      if (close == std::string::npos) break;
      size_t end = value.find(",", close);
      if (end == std::string::npos) end = value.size();
      std::string_view params(value.data() + close + 1, end - close - 1);
      std::string want = "rel=\"" + std::string(rel) + "\"";
      std::string bare = "rel=" + std::string(rel);
      std::string p = ascii_lower(params);
      size_t at = p.find(want);
      if (at == std::string::npos) {
        at = p.find(bare);
        size_t after = at + bare.size();
        if (at != std::string::npos && after < p.size() && p[after] != ';' && p[after] != ' ') {
          at = std::string::npos;
        }
      }
      if (at != std::string::npos) return value.substr(open + 1, close - open - 1);
      pos = end + 1;
    }
  }
  return "";
}

std::string safe_text(std::string_view text, std::size_t max_bytes, bool* cut) {
  std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(std::min(valid.size(), max_bytes));
  if (cut) *cut = false;
  for (size_t i = 0; i < valid.size();) {
    auto c = static_cast<unsigned char>(valid[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string_view ch(valid.data() + i, std::min(len, valid.size() - i));
    i += ch.size();
    if (ch.size() == 3) {
      // E2 80 8B U+200B; E2 80 AA..AE U+202A..202E; E2 81 A0 U+2060; E2 81 A6..A9 U+2066..2069;
      // EF BB BF U+FEFF.
      auto b1 = static_cast<unsigned char>(ch[1]), b2 = static_cast<unsigned char>(ch[2]);
      if (c == 0xE2 && b1 == 0x80 && (b2 == 0x8B || (b2 >= 0xAA && b2 <= 0xAE))) continue;
      if (c == 0xE2 && b1 == 0x81 && (b2 == 0xA0 || (b2 >= 0xA6 && b2 <= 0xA9))) continue;
      if (c == 0xEF && b1 == 0xBB && b2 == 0xBF) continue;
    }
    if (ch.size() == 1 && c < 0x20 && c != '\n' && c != '\t') continue;
    if (ch.size() == 1 && c == 0x7F) continue;
    if (out.size() + ch.size() > max_bytes) {
      if (cut) *cut = true;
      break;
    }
    out += ch;
  }
  return out;
}

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return "";
  Poco::Dynamic::Var v = o->get(key);
  if (v.isString()) return v.extract<std::string>();
  if (v.isNumeric() && !v.isBoolean()) return v.convert<std::string>();
  return "";
}

Poco::JSON::Object::Ptr obj(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return nullptr;
  Poco::Dynamic::Var v = o->get(key);
  if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
  return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr arr(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return nullptr;
  Poco::Dynamic::Var v = o->get(key);
  if (v.type() != typeid(Poco::JSON::Array::Ptr)) return nullptr;
  return v.extract<Poco::JSON::Array::Ptr>();
}

std::optional<std::int64_t> integer(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return std::nullopt;
  Poco::Dynamic::Var v = o->get(key);
  try {
    if (v.isInteger()) return v.convert<std::int64_t>();
    if (v.isString()) {
      std::string s = v.extract<std::string>();
      if (!s.empty() && s.size() < 18 && s.find_first_not_of("0123456789") == std::string::npos) {
        return std::stoll(s);
      }
    }
  } catch (...) {
  }
  return std::nullopt;
}

Poco::JSON::Object::Ptr obj_at(const Poco::JSON::Array::Ptr& a, std::size_t i) {
  if (!a || i >= a->size()) return nullptr;
  Poco::Dynamic::Var v = a->get(static_cast<unsigned int>(i));
  if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
  return v.extract<Poco::JSON::Object::Ptr>();
}

}  // namespace rapport::ingest::social
