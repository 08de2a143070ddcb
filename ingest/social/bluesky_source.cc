// Bluesky: replies to, mentions of and quotes of the show's account, from its notifications
// (app.bsky.notification.listNotifications), signed in with its handle and an app password.
//
// Cursor: "seen TIME", the indexedAt of the newest notification read. Notifications come
// newest first; a read pages back (the API's own cursor) until it reaches what it read
// before. When more than max_pages are new, the read stops with "resume API-CURSOR" and
// "newest TIME" kept and asks to be polled again at once, so nothing is skipped.
#include "core/text.h"
#include "ingest/social/social_api.h"
#include "ingest/social/social_source.h"

namespace rapport::ingest {
namespace {

using Poco::JSON::Object;
using namespace social;

constexpr int kPageSize = 50;

const char* kPasswordHint =
    "the handle or the app password (password_env / password_file) is wrong: make an app "
    "password in Bluesky's Settings > Privacy and security > App passwords";

// "at://did:plc:abc/app.bsky.feed.post/3kxyz" -> "https://bsky.app/profile/did:plc:abc/post/3kxyz"
std::string post_url(const std::string& at_uri) {
  const std::string prefix = "at://";
  if (at_uri.rfind(prefix, 0) != 0) return "";
  std::string rest = at_uri.substr(prefix.size());
  size_t a = rest.find('/');
  size_t b = rest.rfind('/');
  if (a == std::string::npos || b == a) return "";
  std::string did = rest.substr(0, a);
  std::string rkey = rest.substr(b + 1);
  if (rest.substr(a + 1, b - a - 1) != "app.bsky.feed.post") return "";
  for (const std::string& part : {did, rkey}) {
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != '.' && c != '-' &&
          c != '_') {
        return "";
      }
    }
  }
  return "https://bsky.app/profile/" + did + "/post/" + rkey;
}

// The first web link a post's record carries: a link facet, else an external embed.
std::string record_link(const Object::Ptr& record) {
  auto facets = arr(record, "facets");
  for (size_t i = 0; facets && i < facets->size(); ++i) {
    auto features = arr(obj_at(facets, i), "features");
    for (size_t j = 0; features && j < features->size(); ++j) {
      auto f = obj_at(features, j);
      if (str(f, "$type") == "app.bsky.richtext.facet#link" && is_web_url(str(f, "uri"))) {
        return str(f, "uri");
      }
    }
  }
  auto embed = obj(record, "embed");
  if (auto external = obj(embed, "external"); is_web_url(str(external, "uri"))) {
    return str(external, "uri");
  }
  return "";
}

bool expired(const Reply& reply) {
  return (reply.status == 400 || reply.status == 401) &&
         reply.body.find("ExpiredToken") != std::string::npos;
}

}  // namespace

BlueskySource::BlueskySource(BlueskyOptions options, HttpClient& http, const Clock& clock)
    : SocialSource("Bluesky", options, "https://bsky.social", http, clock),
      options_(std::move(options)) {}

Result<bool> BlueskySource::sign_in(bool refresh) {
  if (refresh && !refresh_.empty()) {
    auto reply = api().call("POST", "/xrpc/com.atproto.server.refreshSession",
                            {"Authorization: Bearer " + refresh_});
    if (reply && reply->status == 200) {
      if (auto session = api().object(*reply)) {
        access_ = str(*session, "accessJwt");
        refresh_ = str(*session, "refreshJwt");
        if (!access_.empty()) return true;
      }
    }
  }
  access_.clear();
  refresh_.clear();
  Object body;
  body.set("identifier", options_.handle);
  body.set("password", options_.app_password);
  std::ostringstream json;
  body.stringify(json);
  auto reply = api().call("POST", "/xrpc/com.atproto.server.createSession",
                          {"Content-Type: application/json"}, json.str());
  if (!reply) return reply.error();
  if (reply->status != 200) {
    Error e = api().http_error(*reply, kPasswordHint);
    if (reply->status == 400 || reply->status == 401) {
      e.hint = kPasswordHint;
      e.retry = Retry::kNo;
    }
    return e;
  }
  auto session = api().object(*reply);
  if (!session) return session.error();
  access_ = str(*session, "accessJwt");
  refresh_ = str(*session, "refreshJwt");
  if (access_.empty()) {
    return make_error(ErrorCode::kParse, "Bluesky's session has no access token", reply->url);
  }
  return true;
}

Result<Batch> BlueskySource::poll(const std::string& cursor) {
  auto fields = read_cursor(cursor);
  const std::string seen = fields["seen"];
  std::string resume = fields["resume"];
  std::string newest = fields["newest"];  // kept while a long catch-up is under way
  if (access_.empty()) {
    if (auto s = sign_in(false); !s) return s.error();
  }
  Batch batch;
  std::vector<Object::Ptr> posts;
  std::string api_cursor = resume;
  bool reached_seen = false;
  int pages = 0;
  std::set<std::string> asked;
  std::set<std::string> taken;  // posts, by uri
  for (;;) {
    std::string target =
        "/xrpc/app.bsky.notification.listNotifications?limit=" + std::to_string(kPageSize) +
        "&reasons=reply&reasons=mention&reasons=quote" +
        (api_cursor.empty() ? "" : "&cursor=" + url_encode(api_cursor));
    if (!asked.insert(api_cursor).second) {
      batch.warnings.push_back("Bluesky gave the same cursor twice; the read stopped there");
      reached_seen = true;
      break;
    }
    auto reply = api().call("GET", target, {"Authorization: Bearer " + access_});
    if (reply && expired(*reply)) {
      if (auto s = sign_in(true); !s) return s.error();
      reply = api().call("GET", target, {"Authorization: Bearer " + access_});
    }
    if (reply && reply->status == 401) access_.clear();  // signed out: sign in again next time
    auto page = !reply                  ? Result<Poco::JSON::Object::Ptr>(reply.error())
                : reply->status != 200 ? api().http_error(*reply, kPasswordHint)
                                        : api().object(*reply);
    if (!page) {
      if (auto fail = page_failed(page.error(), pages, batch.warnings)) return *fail;
      break;
    }
    ++pages;
    auto items = arr(*page, "notifications");
    size_t n = items ? items->size() : 0;
    for (size_t i = 0; i < n; ++i) {
      auto item = obj_at(items, i);
      std::string at = str(item, "indexedAt");
      if (!seen.empty() && at < seen) {
        reached_seen = true;
        break;
      }
      if (newest.empty() || at > newest) newest = at;
      std::string reason = str(item, "reason");
      if (reason != "reply" && reason != "mention" && reason != "quote") continue;
      if (taken.insert(str(item, "uri")).second) posts.push_back(item);
    }
    api_cursor = str(*page, "cursor");
    if (reached_seen || n == 0 || api_cursor.empty()) {
      reached_seen = true;
      break;
    }
    if (pages >= max_pages()) break;
  }
  // What the replies and quotes answer: the show's own posts, for the episode they announced.
  std::set<std::string> subjects;
  for (const auto& item : posts) {
    std::string subject = str(item, "reasonSubject");
    if (!subject.empty() && subjects.size() < 25) subjects.insert(subject);
  }
  std::map<std::string, std::string> links;
  if (!subjects.empty()) {
    std::string target = "/xrpc/app.bsky.feed.getPosts?";
    for (const auto& s : subjects) target += "uris=" + url_encode(s) + "&";
    target.pop_back();
    auto reply = api().call("GET", target, {"Authorization: Bearer " + access_});
    if (reply && reply->status == 200) {
      if (auto got = api().object(*reply)) {
        auto list = arr(*got, "posts");
        for (size_t i = 0; list && i < list->size(); ++i) {
          auto p = obj_at(list, i);
          std::string link = record_link(obj(p, "record"));
          if (link.empty()) link = str(obj(obj(p, "embed"), "external"), "uri");
          if (is_web_url(link)) links[str(p, "uri")] = link;
        }
      }
    } else {
      batch.warnings.push_back("the posts replied to could not be read, so their episodes are "
                               "not known");
    }
  }
  UnixTime now = clock().now();
  for (const auto& item : posts) {
    Message m;
    m.kind = MessageKind::kPost;
    std::string uri = str(item, "uri");
    m.natural_key = "at:" + uri;
    m.source_ref = uri;
    m.url = post_url(uri);
    auto author = obj(item, "author");
    std::string did = str(author, "did");
    std::string handle = safe_text(str(author, "handle"), kMaxNameBytes);
    m.from.name = safe_text(collapse_spaces(str(author, "displayName")), kMaxNameBytes);
    if (m.from.name.empty()) m.from.name = handle;
    if (!did.empty()) {
      m.claimed = Identity("handle", "bluesky:" + safe_text(did, kMaxNameBytes),
                           handle.empty() ? did : "@" + handle);
    }
    if (!handle.empty()) m.author_url = "https://bsky.app/profile/" + url_encode(handle);
    auto record = obj(item, "record");
    std::string created = str(record, "createdAt");
    m.received_at = time_of(created.empty() ? str(item, "indexedAt") : created, now);
    m.date_text = safe_text(created, 64);
    m.text = strip_leading_mentions(
        post_text(str(record, "text"), batch.warnings, "post " + printable(m.url, 120)));
    std::string reason = str(item, "reason");
    m.details = "a Bluesky " + reason;
    if (auto it = links.find(str(item, "reasonSubject")); it != links.end()) {
      m.episode_ref = it->second;
    }
    batch.messages.push_back(std::move(m));
  }
  end_back_read(fields, reached_seen, newest, api_cursor, batch.more);
  batch.cursor = write_cursor(fields);
  return batch;
}

}  // namespace rapport::ingest
