// Mastodon: mentions of the show's account (GET /api/v1/notifications?types[]=mention), and an
// episode's social thread (GET /api/v1/statuses/ID/context).
//
// Cursor: "since_id ID", the newest notification read. The first read takes the newest pages,
// following the Link header's rel="next" (older) up to max_pages; later reads ask for what is
// newer than the cursor (min_id) and follow rel="prev" (newer), so nothing between two reads
// is skipped however many came.
#include <set>

#include "core/text.h"
#include "ingest/social/social_api.h"
#include "ingest/social/social_source.h"

namespace rapport::ingest {
namespace {

using Poco::JSON::Object;
using namespace social;

constexpr int kPageSize = 40;

std::string host_of(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  return ascii_lower(rest);
}

// Mastodon ids are decimal numbers too long for some parsers: compared as numbers in text.
bool id_after(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

const char* kTokenHint =
    "the access token (token_env / token_file) is wrong or was revoked: make one in the "
    "account's Preferences > Development with the read:notifications and read:statuses scopes";

// The HTML with its mention and hashtag links unlinked (their text kept): "@slowgarden" stays
// a word that can be stripped from the start, not a link written out with its address.
std::string unlink_mentions(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  int open_mentions = 0;  // mention links whose </a> is still to come (they do not nest)
  size_t pos = 0;
  while (pos < html.size()) {
    size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos) {
      out.append(html.substr(pos));
      break;
    }
    out.append(html.substr(pos, lt - pos));
    size_t gt = html.find('>', lt);
    if (gt == std::string_view::npos) {
      out.append(html.substr(lt));
      break;
    }
    std::string_view tag = html.substr(lt, gt - lt + 1);
    std::string lower = ascii_lower(tag.substr(0, std::min<size_t>(tag.size(), 400)));
    if (lower.rfind("<a ", 0) == 0 && lower.find("mention") != std::string::npos) {
      ++open_mentions;
    } else if (lower.rfind("</a", 0) == 0 && open_mentions > 0) {
      --open_mentions;
    } else {
      out.append(tag);
    }
    pos = gt + 1;
  }
  return out;
}

// The message a status is. Its author is the status's account (else `fallback`, the
// notification's).
Message status_message(const Object::Ptr& status, const Object::Ptr& fallback,
                       const std::string& instance, UnixTime now,
                       std::vector<std::string>& warnings) {
  Message m;
  m.kind = MessageKind::kPost;
  Object::Ptr account = obj(status, "account");
  if (!account) account = fallback;
  std::string uri = str(status, "uri");
  std::string id = str(status, "id");
  m.natural_key = "activitypub:" + (uri.empty() ? instance + "/" + id : uri);
  m.source_ref = id;
  std::string url = str(status, "url");
  m.url = is_web_url(url) ? url : (is_web_url(uri) ? uri : "");
  std::string acct = str(account, "acct");
  if (acct.find('@') == std::string::npos && !acct.empty()) acct += "@" + instance;
  acct = safe_text(acct, kMaxNameBytes);
  m.from.name = safe_text(collapse_spaces(str(account, "display_name")), kMaxNameBytes);
  if (m.from.name.empty()) m.from.name = safe_text(str(account, "username"), kMaxNameBytes);
  if (!acct.empty()) m.claimed = Identity("handle", "mastodon:" + acct, "@" + acct);
  std::string account_url = str(account, "url");
  if (is_web_url(account_url)) m.author_url = account_url;
  std::string created = str(status, "created_at");
  m.received_at = time_of(created, now);
  m.date_text = safe_text(created, 64);
  m.subject = safe_text(str(status, "spoiler_text"), kMaxNameBytes);
  std::string what = "post " + printable(m.url.empty() ? id : m.url, 120);
  std::string content = str(status, "content");
  if (content.size() > 4 * kMaxPostBytes) content.resize(4 * kMaxPostBytes);
  m.text = strip_leading_mentions(html_post_text(unlink_mentions(content), warnings, what));
  m.in_reply_to = str(status, "in_reply_to_id");
  bool direct = str(status, "visibility") == "direct";
  m.details = std::string(direct ? "a private Mastodon " : "a Mastodon ") +
              (m.in_reply_to.empty() ? "mention" : "reply");
  return m;
}

}  // namespace

MastodonSource::MastodonSource(MastodonOptions options, HttpClient& http, const Clock& clock)
    : SocialSource("Mastodon", options, "", http, clock), options_(std::move(options)) {
  instance_ = host_of(options_.api_url);
  if (instance_.empty()) instance_ = "mastodon.invalid";
}

Result<Batch> MastodonSource::poll(const std::string& cursor) {
  auto fields = read_cursor(cursor);
  const std::string since = fields["since_id"];
  std::vector<std::string> auth = {"Authorization: Bearer " + options_.access_token};
  Batch batch;
  std::string newest = since;
  std::string target = "/api/v1/notifications?types%5B%5D=mention&limit=" +
                       std::to_string(kPageSize) +
                       (since.empty() ? "" : "&min_id=" + url_encode(since));
  std::set<std::string> asked;     // pages, by path and query
  std::set<std::string> taken;     // statuses, by id
  std::vector<std::pair<Object::Ptr, Object::Ptr>> statuses;  // with the notification's account
  int pages = 0;
  while (!target.empty()) {
    std::string page_key = target;
    if (size_t scheme = page_key.find("://"); scheme != std::string::npos) {
      size_t path = page_key.find('/', scheme + 3);
      page_key = path == std::string::npos ? "/" : page_key.substr(path);
    }
    if (!asked.insert(page_key).second) {
      batch.warnings.push_back("Mastodon gave the same page twice; the read stopped there");
      break;
    }
    auto reply = api().call("GET", target, auth);
    if (!reply) {
      if (auto fail = page_failed(reply.error(), pages, batch.warnings)) return *fail;
      break;
    }
    if (reply->status < 200 || reply->status >= 300) {
      Error e = api().http_error(*reply, kTokenHint);
      if (reply->status == 403) e.hint = kTokenHint;  // a token without the scopes it needs
      if (auto fail = page_failed(e, pages, batch.warnings)) return *fail;
      break;
    }
    auto page = api().object(Reply{reply->status, "{\"items\":" + reply->body + "}", {},
                                   reply->url});
    auto items = page ? arr(*page, "items") : nullptr;
    if (!items) {
      Error e = page ? make_error(ErrorCode::kParse, "Mastodon's notifications are not a list",
                                  reply->url)
                     : page.error();
      if (auto fail = page_failed(e, pages, batch.warnings)) return *fail;
      break;
    }
    ++pages;
    bool progressed = false;
    for (size_t i = 0; i < items->size(); ++i) {
      auto n = obj_at(items, i);
      std::string id = str(n, "id");
      if (id.empty()) continue;
      if (!since.empty() && !id_after(id, since)) continue;  // read before
      if (newest.empty() || id_after(id, newest)) newest = id, progressed = true;
      if (str(n, "type") != "mention") continue;
      auto status = obj(n, "status");
      if (status && taken.insert(str(status, "id")).second) {
        statuses.emplace_back(status, obj(n, "account"));
      }
    }
    if (items->size() == 0 || pages >= max_pages()) {
      if (!since.empty() && items->size() > 0 && pages >= max_pages()) batch.more = true;
      break;
    }
    // Catching up: newer pages (rel="prev"); the first read: older ones (rel="next").
    target = link_relation(*reply, since.empty() ? "next" : "prev");
    if (!since.empty() && !progressed) break;
  }
  // A reply to the show's own post is linked to the episode that post announced.
  std::map<std::string, std::string> parents;
  int parent_reads = 0;
  UnixTime now = clock().now();
  for (const auto& [status, account] : statuses) {
    Message m = status_message(status, account, instance_, now, batch.warnings);
    if (!m.in_reply_to.empty() && parent_reads < 40) {
      auto known = parents.find(m.in_reply_to);
      if (known == parents.end()) {
        ++parent_reads;
        std::string link;
        auto reply = api().call("GET", "/api/v1/statuses/" + url_encode(m.in_reply_to), auth);
        if (reply && reply->status == 200) {
          if (auto parent = api().object(*reply)) {
            auto links = links_in_html(str(*parent, "content"));
            if (auto card = obj(*parent, "card"); card && is_web_url(str(card, "url"))) {
              links.insert(links.begin(), str(card, "url"));
            }
            if (!links.empty()) link = links.front();
          }
        }
        known = parents.emplace(m.in_reply_to, link).first;
      }
      m.episode_ref = known->second;
    }
    m.in_reply_to.clear();  // a Mastodon id, not a Message-ID
    batch.messages.push_back(std::move(m));
  }
  if (!newest.empty()) fields["since_id"] = newest;
  batch.cursor = write_cursor(fields);
  return batch;
}

bool parse_status_url(const std::string& uri, std::string& instance, std::string& id) {
  size_t scheme = uri.find("://");
  if (scheme == std::string::npos || !is_web_url(uri)) return false;
  size_t slash = uri.find('/', scheme + 3);
  if (slash == std::string::npos) return false;
  std::string path = uri.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  size_t last = path.rfind('/');
  std::string tail = path.substr(last + 1);
  if (tail.empty() || tail.find_first_not_of("0123456789") != std::string::npos) return false;
  bool mastodon = path.rfind("/@", 0) == 0 || path.find("/statuses/") != std::string::npos ||
                  path.rfind("/notice/", 0) == 0;
  if (!mastodon) return false;
  instance = uri.substr(0, slash);
  id = tail;
  return true;
}

ThreadSource::ThreadSource(ThreadOptions options, HttpClient& http, const Clock& clock)
    : SocialSource("Mastodon", options, options.uri, http, clock), options_(std::move(options)) {
  parse_status_url(options_.uri, instance_, status_id_);
}

Result<Batch> ThreadSource::poll(const std::string& cursor) {
  (void)cursor;
  if (status_id_.empty()) {
    return make_error(ErrorCode::kConfig,
                      "the episode's socialInteract uri is not the address of a post on a "
                      "Mastodon-compatible server",
                      options_.uri);
  }
  // The root post's author is the show: their own answers in the thread are not listeners'.
  auto root_reply = api().call("GET", instance_ + "/api/v1/statuses/" + status_id_);
  if (!root_reply) return root_reply.error();
  if (root_reply->status != 200) return api().http_error(*root_reply, "the thread is not public");
  auto root = api().object(*root_reply);
  if (!root) return root.error();
  std::string show_account = str(obj(*root, "account"), "id");
  auto reply = api().call("GET", instance_ + "/api/v1/statuses/" + status_id_ + "/context");
  if (!reply) return reply.error();
  if (reply->status != 200) return api().http_error(*reply, "the thread is not public");
  auto context = api().object(*reply);
  if (!context) return context.error();
  auto replies = arr(*context, "descendants");
  Batch batch;
  std::string host = instance_.substr(instance_.find("://") + 3);
  UnixTime now = clock().now();
  size_t count = 0;
  for (size_t i = 0; replies && i < replies->size(); ++i) {
    auto status = obj_at(replies, i);
    if (!status) continue;
    if (!show_account.empty() && str(obj(status, "account"), "id") == show_account) continue;
    Message m = status_message(status, nullptr, ascii_lower(host), now, batch.warnings);
    m.in_reply_to.clear();
    m.details = "a reply in the episode's Mastodon thread";
    m.episode_guid = options_.episode_guid;
    batch.messages.push_back(std::move(m));
    ++count;
  }
  batch.cursor = "replies " + std::to_string(count) + "\n";
  return batch;
}

}  // namespace rapport::ingest
