#include "web/inbox.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <exception>
#include <map>
#include <variant>

#include "core/log.h"
#include "core/secret.h"
#include "core/text.h"
#include "notify/digest_render.h"
#include "pipeline/digest_reply.h"
#include "web/form.h"
#include "web/html.h"
#include "web/style.h"

namespace rapport::web {
namespace {

// How many of a person's newest messages their page shows whole.
constexpr size_t kMaxShownMessages = 100;
constexpr size_t kMaxNoteBytes = 10'000;
constexpr size_t kMaxTagBytes = 64;

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty() || s.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// The host name of a Host header ("127.0.0.1:8788" -> "127.0.0.1", "[::1]:8788" -> "[::1]").
std::string_view host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

bool this_machine(const HttpRequest& r) {
  const std::string* host = r.header("host");
  if (!host) return false;
  std::string name = ascii_lower(host_name(*host));
  return name == "127.0.0.1" || name == "localhost" || name == "[::1]";
}

void secure(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'self'; img-src 'self'; "
                         "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-store");
}

HttpResponse html_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(body);
  return r;
}

// The page around `main` (already built), titled `title`.
std::string page(std::string_view title, const Html& main) {
  Html h;
  h.lit("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>");
  h.text(title).lit(" · Rapport</title><link rel=\"stylesheet\" href=\"/static/inbox.css\">"
                    "</head><body><header><nav><a class=\"brand\" href=\"/\">Rapport</a>"
                    "<a href=\"/\">Today</a><a href=\"/waiting\">Everyone waiting</a>"
                    "<a href=\"/sources\">Sources</a><a href=\"/digests\">Digests</a>"
                    "<form class=\"find\" method=\"get\" action=\"/search\" role=\"search\">"
                    "<input type=\"search\" name=\"q\" placeholder=\"Name, address, words…\" "
                    "aria-label=\"Search\"></form><!--account--></nav></header><main>");
  std::string out = h.take();
  out += main.str();
  out += "</main></body></html>\n";
  return out;
}

HttpResponse problem_page(int status, std::string_view title, std::string_view detail) {
  Html m;
  m.lit("<h1>").text(title).lit("</h1><p>").text(detail).lit("</p><p><a href=\"/\">Back to "
                                                              "today</a></p>");
  return html_response(status, page(title, m));
}

HttpResponse see_other(const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", location);
  return r;
}

// A hidden CSRF field and, when `back` is set, where to return.
void form_start(Html& h, std::string_view action, const std::string& csrf, std::string_view back,
                std::string_view css_class = "inline") {
  h.lit("<form method=\"post\" class=\"").text(css_class).lit("\" action=\"").attr(action);
  h.lit("\"><input type=\"hidden\" name=\"csrf\" value=\"").attr(csrf).lit("\">");
  if (!back.empty()) h.lit("<input type=\"hidden\" name=\"back\" value=\"").attr(back).lit("\">");
}

std::string person_path(std::int64_t id) { return "/people/" + std::to_string(id); }

// The fields of one of the inbox's own forms, or the answer that refuses it: not a form
// (415), or without the token of the page it came from (403).
std::variant<Form, HttpResponse> own_form(const HttpRequest& request, const std::string& csrf) {
  const std::string* type = request.header("content-type");
  if (!type || ascii_lower(*type).rfind("application/x-www-form-urlencoded", 0) != 0) {
    return problem_page(415, "Not a form", "The inbox takes its own forms only.");
  }
  Form f = Form::parse(request.body);
  if (!equal_secrets(f.get("csrf"), csrf)) {
    return problem_page(403, "This page has expired",
                        "Rapport was restarted since this page was shown, or the form came "
                        "from elsewhere. Go back, reload the page and try again.");
  }
  return f;
}

constexpr std::string_view kSessionCookie = "rapport_session";

std::string session_of(const HttpRequest& r) {
  const std::string* cookie = r.header("cookie");
  return cookie ? cookie_value(*cookie, kSessionCookie) : std::string();
}

// Where a POST returns: one of the inbox's own pages (a path, no scheme, no host), else the
// person's page.
std::string back_to(const Form& f, std::int64_t id) {
  const std::string& back = f.get("back");
  bool own = !back.empty() && back.front() == '/' && back.size() < 200 &&
             (back.size() < 2 || (back[1] != '/' && back[1] != '\\')) &&
             std::all_of(back.begin(), back.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) ||
                      std::string_view("/?=&_-#").find(c) != std::string_view::npos;
             });
  return own ? back : person_path(id);
}

// One person in a ranked list: who, why, what they asked, and the two actions of the digest.
void person_card(Html& h, const DigestItem& item, int rank, UnixTime now, const std::string& csrf,
                 std::string_view back, int excerpt_chars) {
  const DigestCandidate& c = item.who;
  std::string name = c.display_name.empty() ? c.address : c.display_name;
  h.lit("<li class=\"card\"><div class=\"who\"><span class=\"rank\">").number(rank);
  h.lit("</span> <a class=\"name\" href=\"").attr(person_path(c.contact_id)).lit("\"><bdi>");
  h.text(name).lit("</bdi></a>");
  if (!c.display_name.empty() && !c.address.empty()) {
    h.lit(" <span class=\"address\"><bdi>").text(c.address).lit("</bdi></span>");
  }
  h.lit("</div>");
  if (!item.reasons.empty()) {
    h.lit("<p class=\"reasons\">");
    for (size_t i = 0; i < item.reasons.size(); ++i) {
      if (i) h.lit(" · ");
      h.text(item.reasons[i]);
    }
    h.lit("</p>");
  }
  if (!c.episode_title.empty()) {
    h.lit("<p class=\"episode\">");
    if (is_web_url(c.episode_link)) {
      h.lit("<a rel=\"noopener noreferrer\" href=\"").web_url(c.episode_link).lit("\">");
      h.text(c.episode_title).lit("</a>");
    } else {
      h.text(c.episode_title);
    }
    h.lit("</p>");
  }
  // What they asked, as the digest shows it: a quote a message, labelled when several.
  for (const ExcerptPart& part : notify::excerpt_of(item, notify::RenderOptions("", excerpt_chars))) {
    h.lit("<blockquote dir=\"auto\">");
    if (std::string label = notify::part_label(item, part); !label.empty()) {
      h.lit("<em class=\"label\">").text(label).lit("</em>");
    }
    h.text(part.text).lit("</blockquote>");
  }
  h.lit("<p class=\"meta\">waiting since ").text(format_local_short(c.waiting_since, now));
  h.lit("</p><div class=\"actions\">");
  std::string base = person_path(c.contact_id);
  form_start(h, base + "/answered", csrf, back);
  h.lit("<button>Answered</button></form>");
  form_start(h, base + "/snooze", csrf, back);
  h.lit("<input type=\"hidden\" name=\"for\" value=\"7d\"><button class=\"quiet\">Snooze a "
        "week</button></form>");
  h.lit("<a class=\"open\" href=\"").attr(base).lit("\">Open conversation</a></div></li>");
}

std::string aside_words(const SetAside& a) {
  std::vector<std::string> parts;
  if (a.listed.people) parts.push_back(std::to_string(a.listed.people) + " listed recently");
  if (a.snoozed.people) parts.push_back(std::to_string(a.snoozed.people) + " snoozed");
  if (a.too_new.people) parts.push_back(std::to_string(a.too_new.people) + " wrote just now");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

// "YYYY-MM-DD" as 08:00 local time that day.
std::optional<UnixTime> local_morning(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  auto num = [&](std::string_view s, int& v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (!num(date.substr(0, 4), y) || !num(date.substr(5, 2), m) || !num(date.substr(8, 2), d)) {
    return std::nullopt;
  }
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = 8;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == -1 || tm.tm_mday != d) return std::nullopt;  // 31 February
  return static_cast<UnixTime>(t);
}

}  // namespace

WebInbox::WebInbox(Store& store, const Clock& clock, InboxOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), csrf_(random_hex(32)) {}

HttpResponse WebInbox::handle(const HttpRequest& request) {
  HttpResponse r;
  try {
    const std::string* host = request.header("host");
    bool tap_path = request.path.rfind("/tap/", 0) == 0;
    if (options_.login) {
      r = with_login(request, tap_path);
    } else if (tap_path && options_.taps &&
        (this_machine(request) ||
         (host && !options_.public_host.empty() && ascii_lower(*host) == options_.public_host))) {
      std::lock_guard lock(mutex_);
      r = tap(request, this_machine(request));
    } else if (!this_machine(request)) {
      r = problem_page(421, "Not this inbox",
                       "The inbox answers only requests addressed to this machine "
                       "(127.0.0.1 or localhost).");
    } else {
      std::lock_guard lock(mutex_);
      r = route(request);
    }
  } catch (const std::exception& e) {
    log::error(std::string("web inbox: unexpected failure: ") + e.what());
    r = problem_page(500, "Something went wrong", "The inbox could not show this page.");
  }
  // The account link: "Log out" for a visitor with a session, nothing otherwise.
  if (size_t at = r.body.find("<!--account-->"); at != std::string::npos) {
    bool in = options_.login && options_.login->valid(session_of(request), clock_.now());
    r.body.replace(at, 14, in ? "<a href=\"/logout\">Log out</a>" : "");
  }
  secure(r);
  return r;
}

std::string WebInbox::visitor(const HttpRequest& request) const {
  if (!options_.trusted_proxy.empty() && request.peer == options_.trusted_proxy) {
    if (const std::string* hops = request.header("x-forwarded-for")) {
      std::string_view last = *hops;
      if (size_t comma = last.rfind(','); comma != std::string_view::npos) {
        last.remove_prefix(comma + 1);
      }
      if (!trim(last).empty()) return std::string(trim(last));
    }
  }
  return request.peer;
}

HttpResponse WebInbox::with_login(const HttpRequest& request, bool tap_path) {
  const UnixTime now = clock_.now();
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/static/inbox.css") {
    std::lock_guard lock(mutex_);
    return route(request);
  }
  if (tap_path && options_.taps) {
    std::lock_guard lock(mutex_);
    return tap(request, false);
  }
  if (request.path == "/login") {
    if (request.method == "POST") return log_in(request);
    if (!get) return problem_page(405, "Not allowed", "This address does not take that request.");
    if (options_.login->valid(session_of(request), now)) return see_other("/");
    return login_page(200, "");
  }
  if (!options_.login->valid(session_of(request), now)) {
    // Nothing about anyone before a login: not whether a page, a person or an address exists.
    if (get) return see_other("/login");
    return login_page(401, "Log in first.");
  }
  if (request.path == "/logout") {
    if (get) {
      Html m;
      m.lit("<h1>Log out</h1>");
      form_start(m, "/logout", csrf_, "", "row");
      m.lit("<button>Log out</button></form>");
      return html_response(200, page("Log out", m));
    }
    Form f = Form::parse(request.body);
    if (request.method != "POST" || !equal_secrets(f.get("csrf"), csrf_)) {
      return problem_page(403, "This page has expired", "Reload the page and try again.");
    }
    options_.login->end(session_of(request));
    HttpResponse r = see_other("/login");
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                             "=; Path=/; Max-Age=0; HttpOnly; Secure; "
                                             "SameSite=Strict");
    return r;
  }
  std::lock_guard lock(mutex_);
  return route(request);
}

HttpResponse WebInbox::login_page(int status, std::string_view message) {
  Html m;
  m.lit("<h1>Log in</h1>");
  if (!message.empty()) m.lit("<p class=\"problem\">").text(message).lit("</p>");
  m.lit("<form method=\"post\" action=\"/login\" class=\"note-edit\">"
        "<input type=\"hidden\" name=\"csrf\" value=\"").attr(csrf_);
  m.lit("\"><label>Password <input type=\"password\" name=\"password\" required "
        "autocomplete=\"current-password\" autofocus></label><button>Log in</button></form>");
  return html_response(status, page("Log in", m));
}

HttpResponse WebInbox::log_in(const HttpRequest& request) {
  const std::string* type = request.header("content-type");
  if (!type || ascii_lower(*type).rfind("application/x-www-form-urlencoded", 0) != 0) {
    return problem_page(415, "Not a form", "The inbox takes its own forms only.");
  }
  Form f = Form::parse(request.body);
  if (!equal_secrets(f.get("csrf"), csrf_)) {
    return login_page(403, "This page had expired: try again.");
  }
  auto a = options_.login->attempt(visitor(request), f.get("password"), clock_.now());
  if (a.outcome == Login::Outcome::kLimited) {
    HttpResponse r = login_page(429, "Too many wrong passwords from here: wait a few "
                                              "minutes.");
    r.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(a.retry_after, 1)));
    return r;
  }
  if (a.outcome == Login::Outcome::kWrong) return login_page(401, "Wrong password.");
  HttpResponse r = see_other("/");
  r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + a.session +
                                           "; Path=/; Max-Age=" + std::to_string(kSessionSeconds) +
                                           "; HttpOnly; Secure; SameSite=Strict");
  return r;
}

HttpResponse WebInbox::route(const HttpRequest& request) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  auto wrong_method = [&](const char* allowed) {
    HttpResponse r = problem_page(405, "Not allowed", "This address does not take that request.");
    r.headers.emplace_back("Allow", allowed);
    return r;
  };
  if (path == "/static/inbox.css") {
    if (!get) return wrong_method("GET, HEAD");
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/css; charset=utf-8");
    r.body = std::string(kInboxCss);
    return r;
  }
  if (path == "/") return get ? today() : wrong_method("GET, HEAD");
  if (path == "/waiting") return get ? waiting(request) : wrong_method("GET, HEAD");
  if (path == "/search") return get ? search(request) : wrong_method("GET, HEAD");
  if (path == "/sources") return get ? sources() : wrong_method("GET, HEAD");
  if (path == "/sources/read") return post ? read_now(request) : wrong_method("POST");
  if (path == "/digests") return get ? digests() : wrong_method("GET, HEAD");
  static constexpr std::string_view kPeople = "/people/";
  if (path.compare(0, kPeople.size(), kPeople) == 0) {
    std::string_view rest = std::string_view(path).substr(kPeople.size());
    size_t slash = rest.find('/');
    auto id = parse_id(rest.substr(0, slash));
    if (!id) return problem_page(404, "Not found", "There is no such page in the inbox.");
    if (slash == std::string_view::npos) return get ? person(*id) : wrong_method("GET, HEAD");
    if (!post) return wrong_method("POST");
    return act(request, *id, rest.substr(slash + 1));
  }
  return problem_page(404, "Not found", "There is no such page in the inbox.");
}

HttpResponse WebInbox::tap(const HttpRequest& request, bool from_this_machine) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (!get && request.method != "POST") {
    HttpResponse r = problem_page(405, "Not allowed", "This address does not take that request.");
    r.headers.emplace_back("Allow", "GET, HEAD, POST");
    return r;
  }
  auto t = options_.taps->verify(request.path);
  if (!t) return problem_page(404, "Not found", "This is not a link Rapport made.");
  const UnixTime now = clock_.now();
  if (now > t->expires) {
    return problem_page(410, "This link has expired",
                        "The links in a digest work for 14 days. Reply to a newer digest, or "
                        "open the inbox.");
  }
  auto detail = store_.contact_detail(t->contact_id, false);
  if (!detail) {
    if (detail.error().code == ErrorCode::kNotFound) {
      return problem_page(404, "Not found", "There is nobody with that number any more.");
    }
    return problem_page(500, "This person could not be read", detail.error().what);
  }
  const ContactSummary& c = detail->contact;
  std::string name = c.display_name;
  if (name.empty() && !c.identities.empty()) name = c.identities.front().shown();
  const bool done = t->action == TapAction::kDone;
  const UnixTime week_from_now = now + 7 * 86400;
  // Already done (by this link, another or a command): said, and nothing is changed again.
  std::optional<std::string> already;
  if (done && c.last_answered_at && *c.last_answered_at >= t->issued()) {
    already = "Already marked answered " + format_local_short(*c.last_answered_at, now) + ".";
  } else if (!done && c.snoozed_until && *c.snoozed_until >= week_from_now - 86400) {
    already = "Already snoozed until " + format_local_short(*c.snoozed_until, now) + ".";
  }
  Html m;
  auto finish = [&](std::string_view title) {
    if (from_this_machine) {
      m.lit("<p><a href=\"").attr(person_path(t->contact_id)).lit("\">Open ");
      m.text(name).lit(" in the inbox</a></p>");
    }
    return html_response(200, page(title, m));
  };
  if (already) {
    m.lit("<h1><bdi>").text(name).lit("</bdi></h1><p class=\"lede\">").text(*already);
    m.lit("</p>");
    return finish(name);
  }
  if (get) {
    // Asking only: a GET never acts, so a mail scanner opening every link changes nothing.
    m.lit("<h1>");
    m.either(done, "Mark ", "Snooze ").lit("<bdi>").text(name).lit("</bdi>");
    m.either(done, " as answered?", " for a week?").lit("</h1><p class=\"lede\">From the digest of ");
    m.text(t->digest_slot).lit(".</p><form method=\"post\" action=\"").attr(request.path);
    m.lit("\"><button>").either(done, "Yes, answered", "Yes, snooze a week").lit("</button></form>");
    return finish(done ? "Answered?" : "Snooze?");
  }
  // Recorded as an answer given through the digest, like a "done" line in a reply to it.
  Status s = done ? store_.record_answer(t->contact_id, now, "digest_reply",
                                         "one-tap link, digest of " + t->digest_slot)
                  : store_.snooze(t->contact_id, week_from_now);
  if (!s) return problem_page(500, "That did not work", s.error().what);
  m.lit("<h1><bdi>").text(name).lit("</bdi></h1><p class=\"lede\">");
  if (done) {
    m.lit("Marked answered. They leave the digest until they write again.");
  } else {
    m.lit("Snoozed until ").text(format_local_short(week_from_now, now)).lit(".");
  }
  m.lit("</p>");
  return finish(name);
}

const std::vector<pipeline::DuplicateSuggestion>& WebInbox::suggestions(UnixTime now) {
  if (suggestions_at_ && now - *suggestions_at_ < 300 && now >= *suggestions_at_) {
    return suggestions_;
  }
  suggestions_.clear();
  auto records = store_.contact_records();
  auto apart = store_.contacts_apart();
  if (records && apart) {
    suggestions_ = pipeline::suggest_duplicates(*records, *apart);
    suggestions_at_ = now;
  } else {
    log::warn("web inbox: no suggestions: " +
              (!records ? records.error() : apart.error()).to_string());
  }
  return suggestions_;
}

HttpResponse WebInbox::today() {
  const UnixTime now = clock_.now();
  auto list = pipeline::ranked_waiting(store_, options_.digest, now, 0, options_.digest.max_people);
  if (!list) {
    log::error("web inbox: " + list.error().to_string());
    return problem_page(500, "The list could not be read", list.error().what);
  }
  Html m;
  m.lit("<h1>Today</h1><p class=\"lede\">").text(long_local_date(now)).lit(" — ");
  if (list->items.empty()) {
    m.lit("nobody is waiting for an answer today.</p>");
  } else {
    m.number(static_cast<std::int64_t>(list->items.size()));
    m.either(list->items.size() == 1, " person", " people");
    m.lit(" to answer personally today.</p><ol class=\"people\">");
    int rank = 0;
    for (const auto& item : list->items) person_card(m, item, ++rank, now, csrf_, "/", options_.digest.excerpt_chars);
    m.lit("</ol>");
  }
  if (list->total > static_cast<int>(list->items.size())) {
    m.lit("<p><a href=\"/waiting\">Everyone waiting (").number(list->total);
    m.lit(")</a>, ranked the same way.</p>");
  }
  if (std::string aside = aside_words(list->set_aside); !aside.empty()) {
    m.lit("<p class=\"meta\">Set aside today: ").text(aside).lit(".</p>");
  }
  return html_response(200, page("Today", m));
}

HttpResponse WebInbox::waiting(const HttpRequest& request) {
  const UnixTime now = clock_.now();
  Form q = Form::parse(request.query);
  int page_number = 1;
  if (auto p = parse_id(q.get("page")); p && *p < 1'000'000) page_number = static_cast<int>(*p);
  // Everyone waiting: the digest's ranking, without its pauses (who was listed recently,
  // who wrote just now); the snoozed stay out until their snooze ends.
  pipeline::DigestSettings everyone = options_.digest;
  everyone.min_wait_seconds = 0;
  everyone.relist_after_seconds = 0;
  const int size = std::max(options_.page_size, 1);
  auto list =
      pipeline::ranked_waiting(store_, everyone, now, (page_number - 1) * size, size);
  if (!list) return problem_page(500, "The list could not be read", list.error().what);
  Html m;
  m.lit("<h1>Everyone waiting</h1><p class=\"lede\">");
  m.number(list->total).either(list->total == 1, " person waits", " people wait");
  m.lit(" for an answer, most worth answering first.</p>");
  if (!list->items.empty()) {
    m.lit("<ol class=\"people\" start=\"").number((page_number - 1) * size + 1).lit("\">");
    int rank = (page_number - 1) * size;
    std::string back = "/waiting?page=" + std::to_string(page_number);
    for (const auto& item : list->items) person_card(m, item, ++rank, now, csrf_, back, options_.digest.excerpt_chars);
    m.lit("</ol>");
  } else if (page_number > 1) {
    m.lit("<p>There is nobody on this page.</p>");
  }
  m.lit("<nav class=\"pager\">");
  if (page_number > 1) {
    m.lit("<a href=\"/waiting?page=").number(page_number - 1).lit("\">← Previous</a>");
  }
  if (static_cast<std::int64_t>(page_number) * size < list->total) {
    m.lit("<a href=\"/waiting?page=").number(page_number + 1).lit("\">Next →</a>");
  }
  m.lit("</nav>");
  if (std::string aside = aside_words(list->set_aside); !aside.empty()) {
    m.lit("<p class=\"meta\">Not shown: ").text(aside).lit(".</p>");
  }
  return html_response(200, page("Everyone waiting", m));
}

HttpResponse WebInbox::search(const HttpRequest& request) {
  const UnixTime now = clock_.now();
  Form f = Form::parse(request.query);
  SearchQuery q;
  q.text = std::string(utf8_prefix(f.get("q"), 200));
  q.tag = std::string(utf8_prefix(f.get("tag"), 64));
  q.source = std::string(utf8_prefix(f.get("source"), 200));
  q.episode = std::string(utf8_prefix(f.get("episode"), 200));
  Html m;
  m.lit("<h1>Search</h1><form class=\"search\" method=\"get\" action=\"/search\">"
        "<input type=\"search\" name=\"q\" aria-label=\"Name, address, phone, handle or words "
        "they wrote\" placeholder=\"Name, address, phone, handle or words they wrote\" value=\"");
  m.attr(q.text).lit("\"><details");
  if (!q.tag.empty() || !q.source.empty() || !q.episode.empty()) m.lit(" open");
  m.lit("><summary>Narrow it</summary><label>Tag <input name=\"tag\" value=\"").attr(q.tag);
  m.lit("\"></label><label>Source <input name=\"source\" value=\"").attr(q.source);
  m.lit("\"></label><label>Episode <input name=\"episode\" value=\"").attr(q.episode);
  m.lit("\"></label></details><button>Search</button></form>");
  if (trim(q.text).empty() && trim(q.tag).empty() && trim(q.source).empty() &&
      trim(q.episode).empty()) {
    return html_response(200, page("Search", m));
  }
  auto found = store_.search(q);
  if (!found) return problem_page(500, "The search did not work", found.error().what);
  m.lit("<section><h2>People</h2>");
  if (found->people.empty()) m.lit("<p class=\"meta\">Nobody.</p>");
  m.lit("<ul class=\"results\">");
  for (const ContactSummary& c : found->people) {
    std::string name = c.display_name;
    if (name.empty() && !c.identities.empty()) name = c.identities.front().shown();
    m.lit("<li><a class=\"name\" href=\"").attr(person_path(c.id)).lit("\"><bdi>");
    m.text(name.empty() ? "(no name)" : name).lit("</bdi></a> <span class=\"address\">");
    for (size_t i = 0; i < c.identities.size() && i < 3; ++i) {
      if (i) m.lit(", ");
      m.lit("<bdi>").text(c.identities[i].shown()).lit("</bdi>");
    }
    m.lit("</span><br><span class=\"meta\">").number(c.messages);
    m.either(c.messages == 1, " message", " messages").lit(", last ");
    m.text(format_local_short(c.last_seen_at, now));
    if (c.waiting) m.lit(" · <strong>waiting</strong>");
    for (const std::string& t : c.tags) m.lit(" · #").text(t);
    m.lit("</span></li>");
  }
  m.lit("</ul>");
  if (found->more_people) m.lit("<p class=\"meta\">More people match: say more.</p>");
  m.lit("</section><section><h2>Messages</h2>");
  if (trim(q.text).empty() && trim(q.episode).empty()) {
    m.lit("<p class=\"meta\">Add words, or an episode, to find messages.</p>");
  } else if (found->messages.empty()) {
    m.lit("<p class=\"meta\">None.</p>");
  }
  m.lit("<ul class=\"results\">");
  for (const MessageHit& h : found->messages) {
    m.lit("<li><a href=\"").attr(person_path(h.contact_id) + "#m" + std::to_string(h.message_id));
    m.lit("\"><bdi>").text(h.contact_name.empty() ? "(no name)" : h.contact_name).lit("</bdi></a>");
    m.lit(" <span class=\"meta\">").text(format_local_short(h.received_at, now)).lit(" · ");
    m.text(h.kind).lit(" · ").text(h.source).lit("</span>");
    if (!h.subject.empty()) m.lit("<br><strong dir=\"auto\">").text(h.subject).lit("</strong>");
    // The snippet marks each match between \x02 and \x03: the marks become <mark>, the rest
    // is text.
    m.lit("<br><span class=\"snippet\" dir=\"auto\">");
    std::string_view s = h.snippet;
    bool marked = false;
    while (!s.empty()) {
      size_t at = s.find(marked ? '\x03' : '\x02');
      m.text(s.substr(0, at));
      if (at == std::string_view::npos) break;
      if (marked) {
        m.lit("</mark>");
      } else {
        m.lit("<mark>");
      }
      marked = !marked;
      s.remove_prefix(at + 1);
    }
    if (marked) m.lit("</mark>");
    m.lit("</span></li>");
  }
  m.lit("</ul>");
  if (found->more_messages) m.lit("<p class=\"meta\">More messages match: say more.</p>");
  m.lit("</section>");
  return html_response(200, page("Search", m));
}

HttpResponse WebInbox::sources() {
  const UnixTime now = clock_.now();
  auto all = store_.sources();
  if (!all) return problem_page(500, "The sources could not be read", all.error().what);
  auto when = [&](const std::optional<UnixTime>& t) {
    return t ? format_local_short(*t, now) : std::string("never");
  };
  Html m;
  m.lit("<h1>Sources</h1><p class=\"lede\">Where Rapport reads what people send you, and how "
        "each read went.</p>");
  size_t retired = 0;
  for (const SourceState& s : *all) {
    if (s.retired_at) {
      ++retired;
      continue;
    }
    const bool failing = s.consecutive_failures > 0;
    m.lit("<article class=\"message").either(failing || s.dead_since, " failing", "");
    m.lit("\"><h3>").text(s.name).lit(" <span class=\"kind\">").text(s.kind).lit("</span></h3>");
    m.lit("<p class=\"meta\">").text(printable(s.location, 300)).lit("</p><p>Last success ");
    m.text(when(s.last_success_at)).lit(", last attempt ").text(when(s.last_attempt_at));
    m.lit("</p>");
    if (failing) {
      m.lit("<p class=\"problem\">Failing ").number(s.consecutive_failures);
      m.either(s.consecutive_failures == 1, " time: ", " times in a row: ");
      m.text(printable(s.last_error, 1000)).lit("</p>");
    }
    if (size_t n = split_lines(s.last_warnings).size()) {
      const bool import = s.kind == "import" || s.kind == "drop folder";
      m.lit("<details><summary>Last read: ").number(static_cast<std::int64_t>(n));
      if (import) {
        m.either(n == 1, " row refused", " rows refused");
      } else {
        m.either(n == 1, " warning", " warnings");
      }
      m.lit("</summary><ul>");
      size_t shown = 0;
      for (const std::string& w : split_lines(s.last_warnings)) {
        if (++shown > 100) break;
        m.lit("<li>").text(printable(w, 500)).lit("</li>");
      }
      m.lit("</ul></details>");
    }
    if (!s.moved_to.empty()) {
      m.lit("<p>Moved permanently to ").text(printable(s.moved_to, 300));
      m.lit("; update its url in the config.</p>");
    }
    if (s.dead_since) {
      m.lit("<p class=\"problem\">Gone since ").text(when(s.dead_since));
      m.lit(" (HTTP 410): not read until its url changes in the config.</p>");
    } else {
      if (s.next_due_at && *s.next_due_at > now) {
        m.lit("<p>The server asked to wait until ").text(when(s.next_due_at)).lit(".</p>");
      } else if (s.next_poll_at) {
        m.lit("<p>Next read ").text(when(s.next_poll_at)).lit(".</p>");
      }
      form_start(m, "/sources/read", csrf_, "/sources");
      m.lit("<input type=\"hidden\" name=\"name\" value=\"").attr(s.name);
      m.lit("\"><button class=\"quiet\">Read now</button></form>");
    }
    m.lit("</article>");
  }
  if (all->empty()) m.lit("<p>No source has been read yet: run <code>rapport run</code>.</p>");
  if (retired) {
    m.lit("<p class=\"meta\">").number(static_cast<std::int64_t>(retired));
    m.either(retired == 1, " source is", " sources are");
    m.lit(" no longer in the config; their messages are kept (<code>rapport sources</code>)."
          "</p>");
  }
  return html_response(200, page("Sources", m));
}

HttpResponse WebInbox::read_now(const HttpRequest& request) {
  auto form = own_form(request, csrf_);
  if (auto* refused = std::get_if<HttpResponse>(&form)) return std::move(*refused);
  const Form& f = std::get<Form>(form);
  auto all = store_.sources();
  if (!all) return problem_page(500, "The sources could not be read", all.error().what);
  auto it = std::find_if(all->begin(), all->end(), [&](const SourceState& s) {
    return s.name == f.get("name") && !s.retired_at;
  });
  if (it == all->end()) return problem_page(404, "Not found", "There is no such source.");
  const UnixTime now = clock_.now();
  // Due now: the daemon reads a due source within a second or two; `rapport run` at its next
  // pass. A wait the server asked for (Retry-After) still holds.
  if (auto s = store_.schedule_poll(it->id, now); !s) {
    return problem_page(500, "That did not work", s.error().what);
  }
  Html m;
  m.lit("<h1>").text(it->name).lit("</h1><p class=\"lede\">");
  if (options_.schedule_changed) {
    options_.schedule_changed();
    m.lit("It will be read within a few seconds.");
  } else {
    m.lit("It will be read at the next <code>rapport run</code>, or within a minute by a "
          "daemon running on this database (this inbox is served by <code>rapport serve</code>, "
          "which reads no source itself).");
  }
  if (it->next_due_at && *it->next_due_at > now) {
    m.lit(" The server asked to wait until ").text(format_local_short(*it->next_due_at, now));
    m.lit(", and that is kept.");
  }
  m.lit("</p><p><a href=\"/sources\">Back to the sources</a></p>");
  return html_response(200, page(it->name, m));
}

HttpResponse WebInbox::digests() {
  const UnixTime now = clock_.now();
  auto past = store_.digests(30);
  if (!past) return problem_page(500, "The digests could not be read", past.error().what);
  auto commands = store_.digest_commands(50);
  if (!commands) return problem_page(500, "The digests could not be read", commands.error().what);
  Html m;
  m.lit("<h1>Digests</h1><p class=\"lede\">The last ").number(static_cast<std::int64_t>(past->size()));
  m.lit(" digests, who each listed and why.</p>");
  for (const DigestRecord& d : *past) {
    m.lit("<article class=\"message\"><h3>").text(d.slot).lit("</h3><p class=\"meta\">");
    if (d.delivered_at) {
      m.lit("sent ").text(format_local_short(*d.delivered_at, now));
      if (!d.delivery.empty()) m.lit(" · ").text(printable(d.delivery, 200));
    } else {
      m.lit("made ").text(format_local_short(d.generated_at, now)).lit(", not delivered");
    }
    m.lit("</p>");
    if (!d.text.empty()) {
      m.lit("<details><summary>The email as sent</summary><div class=\"words whole\">");
      m.linked_text(d.text).lit("</div></details>");
    }
    if (d.listed.empty()) {
      m.lit("<p>Nobody was waiting.</p>");
    } else {
      m.lit("<ol>");
      for (const auto& l : d.listed) {
        m.lit("<li><a href=\"").attr(person_path(l.contact_id)).lit("\"><bdi>");
        m.text(l.name.empty() ? "(no name)" : l.name).lit("</bdi></a> <span class=\"meta\">");
        m.text(l.reason).lit("</span></li>");
      }
      m.lit("</ol>");
    }
    m.lit("</article>");
  }
  if (past->empty()) m.lit("<p>No digest has been made yet.</p>");
  m.lit("<section><h2>Replies to the digest</h2>");
  if (commands->empty()) {
    m.lit("<p class=\"meta\">None yet. Reply to a digest with lines like “done 3” or “snooze "
          "2 7d”.</p>");
  } else {
    m.lit("<ul class=\"results\">");
    for (const DigestCommandRecord& c : *commands) {
      m.lit("<li><code>").text(c.line).lit("</code> → ").text(c.result);
      m.lit("<br><span class=\"meta\">").text(format_local_short(c.at, now));
      if (!c.confirmed_slot.empty()) m.lit(" · reported in the digest of ").text(c.confirmed_slot);
      m.lit("</span></li>");
    }
    m.lit("</ul>");
  }
  m.lit("</section>");
  return html_response(200, page("Digests", m));
}

HttpResponse WebInbox::person(std::int64_t id) {
  const UnixTime now = clock_.now();
  auto detail = store_.contact_detail(id, true);
  if (!detail) {
    if (detail.error().code == ErrorCode::kNotFound) {
      return problem_page(404, "Not found", "There is nobody with that number.");
    }
    return problem_page(500, "This person could not be read", detail.error().what);
  }
  const ContactSummary& c = detail->contact;
  std::string name = c.display_name;
  if (name.empty() && !c.identities.empty()) name = c.identities.front().shown();
  const std::string base = person_path(id);
  Html m;
  m.lit("<h1><bdi>").text(name.empty() ? "(no name)" : name).lit("</bdi></h1>");
  m.lit("<p class=\"lede\">").number(c.messages).either(c.messages == 1, " message", " messages");
  m.lit(" since ").text(format_local_short(c.first_seen_at, now)).lit(" · ");
  if (c.waiting) {
    m.lit("<strong>waiting for an answer</strong>");
  } else if (c.last_answered_at) {
    m.lit("answered ").text(format_local_short(*c.last_answered_at, now));
  } else {
    m.lit("nothing to answer");
  }
  if (c.snoozed_until && *c.snoozed_until > now) {
    m.lit(" · snoozed until ").text(format_local_short(*c.snoozed_until, now));
  }
  m.lit("</p>");

  // Actions: answered (and its undo), snooze (presets, a date, clear).
  m.lit("<section class=\"actions\">");
  form_start(m, base + "/answered", csrf_, base);
  m.lit("<button>Answered</button></form>");
  if (c.last_answered_at) {
    form_start(m, base + "/answered", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"undo\" value=\"1\"><button class=\"quiet\">Undo the "
          "last answer</button></form>");
  }
  static constexpr std::pair<const char*, const char*> kPresets[] = {
      {"1d", "Tomorrow"}, {"3d", "3 days"}, {"7d", "A week"}, {"14d", "2 weeks"}, {"30d", "A month"}};
  m.lit("<div class=\"snooze\"><span>Snooze:</span>");
  for (const auto& [span, words] : kPresets) {
    form_start(m, base + "/snooze", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"for\" value=\"").attr(span).lit("\"><button "
                                                                        "class=\"quiet\">");
    m.text(words).lit("</button></form>");
  }
  form_start(m, base + "/snooze", csrf_, base);
  m.lit("<label>until <input type=\"date\" name=\"until\" required></label><button "
        "class=\"quiet\">Snooze</button></form>");
  if (c.snoozed_until && *c.snoozed_until > now) {
    form_start(m, base + "/snooze", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"clear\" value=\"1\"><button class=\"quiet\">Clear the "
          "snooze</button></form>");
  }
  m.lit("</div></section>");

  // Who they are: identities as written, tags, notes.
  m.lit("<section><h2>Known as</h2><ul class=\"identities\">");
  for (const Identity& i : c.identities) {
    m.lit("<li><span class=\"kind\">").text(i.kind).lit("</span> <bdi>").text(i.shown());
    m.lit("</bdi></li>");
  }
  m.lit("</ul><h2>Tags</h2><ul class=\"tags\">");
  for (const std::string& t : c.tags) {
    m.lit("<li>").text(t);
    form_start(m, base + "/tag", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"tag\" value=\"").attr(t).lit("\"><input type=\"hidden\" "
                                                                    "name=\"remove\" value=\"1\">"
                                                                    "<button class=\"link\" "
                                                                    "title=\"Remove the tag\">×"
                                                                    "</button></form></li>");
  }
  m.lit("</ul>");
  form_start(m, base + "/tag", csrf_, base, "row");
  m.lit("<input name=\"tag\" maxlength=\"64\" required placeholder=\"Add a tag\" "
        "aria-label=\"Tag\"><button class=\"quiet\">Add</button></form>");
  m.lit("<h2>Notes</h2>");
  for (const Note& n : detail->notes) {
    m.lit("<div class=\"note\"><p class=\"meta\">").text(format_local_short(n.created_at, now));
    if (n.edited_at) m.lit(", edited ").text(format_local_short(*n.edited_at, now));
    m.lit("</p>");
    std::string note_path = base + "/notes/" + std::to_string(n.id);
    form_start(m, note_path, csrf_, base, "note-edit");
    m.lit("<textarea name=\"text\" rows=\"2\" maxlength=\"10000\" aria-label=\"Note\">");
    m.text(n.text).lit("</textarea><button class=\"quiet\">Save</button></form>");
    form_start(m, note_path, csrf_, base);
    m.lit("<input type=\"hidden\" name=\"delete\" value=\"1\"><button class=\"link\">Delete the "
          "note</button></form></div>");
  }
  form_start(m, base + "/notes", csrf_, base, "note-edit");
  m.lit("<textarea name=\"text\" rows=\"2\" maxlength=\"10000\" required placeholder=\"A note "
        "about them, for you only\" aria-label=\"New note\"></textarea><button "
        "class=\"quiet\">Add the note</button></form></section>");

  // People they may also be, with the evidence: the same person (merge) or not (kept apart).
  bool any_suggestion = false;
  for (const auto& sug : suggestions(now)) {
    if (sug.score < pipeline::kDefaultMinScore || (sug.a != id && sug.b != id)) continue;
    std::int64_t other = sug.a == id ? sug.b : sug.a;
    auto who = store_.contact_detail(other, false);
    if (!who) continue;
    if (!any_suggestion) m.lit("<section><h2>Maybe the same person as</h2><ul class=\"results\">");
    any_suggestion = true;
    std::string other_name = who->contact.display_name;
    if (other_name.empty() && !who->contact.identities.empty()) {
      other_name = who->contact.identities.front().shown();
    }
    m.lit("<li><a class=\"name\" href=\"").attr(person_path(other)).lit("\"><bdi>");
    m.text(other_name).lit("</bdi></a> <span class=\"address\">");
    for (size_t i = 0; i < who->contact.identities.size() && i < 3; ++i) {
      if (i) m.lit(", ");
      m.lit("<bdi>").text(who->contact.identities[i].shown()).lit("</bdi>");
    }
    m.lit("</span><br><span class=\"meta\">");
    for (size_t i = 0; i < sug.evidence.size(); ++i) {
      if (i) m.lit("; ");
      m.text(sug.evidence[i]);
    }
    m.lit("</span><div class=\"actions\">");
    form_start(m, base + "/merge", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"other\" value=\"").number(other);
    m.lit("\"><button>Same person: merge</button></form>");
    form_start(m, base + "/apart", csrf_, base);
    m.lit("<input type=\"hidden\" name=\"other\" value=\"").number(other);
    m.lit("\"><button class=\"quiet\">Not the same person</button></form></div></li>");
  }
  if (any_suggestion) m.lit("</ul></section>");

  // Someone the suggestions missed: merged by address, phone, name or number.
  m.lit("<details class=\"merge-with\"><summary>Merge with someone else…</summary>");
  form_start(m, base + "/merge", csrf_, base, "row");
  m.lit("<input name=\"who\" required placeholder=\"Their address, phone or name\" "
        "aria-label=\"Who to merge with\"><button class=\"quiet\">Merge into this "
        "person</button></form></details>");

  // Merges they took part in, with their undo.
  bool any_merge = false;
  for (const MergeRecord& mr : detail->merges) {
    if (mr.kind != "merge") continue;
    if (!any_merge) m.lit("<section><h2>Merged</h2><ul>");
    any_merge = true;
    m.lit("<li>").text(format_local_short(mr.created_at, now)).lit(": ").text(mr.evidence);
    if (mr.undone_at) {
      m.lit(" <span class=\"meta\">(undone)</span>");
    } else {
      form_start(m, base + "/unmerge", csrf_, base);
      m.lit("<input type=\"hidden\" name=\"merge\" value=\"").number(mr.id);
      m.lit("\"><button class=\"link\">Not the same person: undo</button></form>");
    }
    m.lit("</li>");
  }
  if (any_merge) m.lit("</ul></section>");

  // The conversation, oldest first; the newest kMaxShownMessages messages whole.
  m.lit("<section><h2>Conversation</h2>");
  size_t messages = 0;
  for (const TimelineEntry& e : detail->timeline) messages += e.what == "message";
  size_t skip = messages > kMaxShownMessages ? messages - kMaxShownMessages : 0;
  if (skip) {
    m.lit("<p class=\"meta\">").number(static_cast<std::int64_t>(skip));
    m.lit(" older messages are not shown here: <code>rapport contacts show ").number(id);
    m.lit(" --full</code> lists them.</p>");
  }
  size_t seen = 0;
  for (const TimelineEntry& e : detail->timeline) {
    if (e.what != "message") {
      m.lit("<div class=\"answer\">You answered (").text(answer_words(e.kind)).lit(") ");
      m.text(format_local_short(e.at, now)).lit("</div>");
      continue;
    }
    if (seen++ < skip) continue;
    auto whole = store_.stored_message(e.message_id);
    m.lit("<article class=\"message").either(e.message_class == "human", "", " automatic");
    m.lit("\" id=\"m").number(e.message_id).lit("\"><p class=\"meta\">");
    // The channel in words when the source says it ("a 2-star Apple Podcasts review").
    m.text(format_local_short(e.at, now)).lit(" · ");
    m.text(whole && !whole->details.empty() ? whole->details : e.kind).lit(" · ").text(e.source);
    if (e.message_class != "human") m.lit(" · ").text(e.message_class);
    m.lit("</p>");
    if (!e.subject.empty()) m.lit("<h3 dir=\"auto\">").text(e.subject).lit("</h3>");
    if (whole && !whole->episode_title.empty()) {
      m.lit("<p class=\"episode\">");
      if (is_web_url(whole->episode_link)) {
        m.lit("<a rel=\"noopener noreferrer\" href=\"").web_url(whole->episode_link).lit("\">");
        m.text(whole->episode_title).lit("</a>");
      } else {
        m.text(whole->episode_title);
      }
      m.lit("</p>");
    }
    std::string_view words = e.excerpt;
    m.lit("<div class=\"words\" dir=\"auto\">").linked_text(words).lit("</div>");
    if (whole && !whole->body_text.empty() && trim(whole->body_text) != trim(words)) {
      m.lit("<details><summary>Show the quoted part</summary><div class=\"words whole\" "
            "dir=\"auto\">");
      m.linked_text(whole->body_text).lit("</div></details>");
    }
    if (whole && is_web_url(whole->url)) {
      m.lit("<p><a rel=\"noopener noreferrer\" href=\"").web_url(whole->url);
      m.lit("\">Where they wrote it</a></p>");
    } else if (whole && whole->kind == "review") {
      m.lit("<p class=\"meta\">A review is answered in Podcasts Connect.</p>");
    }
    m.lit("</article>");
  }
  m.lit("</section>");
  return html_response(200, page(name.empty() ? "A person" : name, m));
}

HttpResponse WebInbox::act(const HttpRequest& request, std::int64_t id, std::string_view action) {
  auto form = own_form(request, csrf_);
  if (auto* refused = std::get_if<HttpResponse>(&form)) return std::move(*refused);
  const Form& f = std::get<Form>(form);
  auto detail = store_.contact_detail(id, false);
  if (!detail) {
    if (detail.error().code == ErrorCode::kNotFound) {
      return problem_page(404, "Not found", "There is nobody with that number.");
    }
    return problem_page(500, "This person could not be read", detail.error().what);
  }
  const UnixTime now = clock_.now();
  Status done;
  if (action == "answered") {
    if (f.get("undo") == "1") {
      auto undone = store_.undo_answer(id);
      if (!undone) done = undone.error();
    } else {
      done = store_.record_answer(id, now, "manual", "");
    }
  } else if (action == "snooze") {
    std::optional<UnixTime> until;
    if (f.get("clear") != "1") {
      if (f.has("until") && !f.get("until").empty()) {
        until = local_morning(f.get("until"));
        if (!until || *until <= now) {
          return problem_page(400, "Not a date to snooze until",
                              "Choose a day after today.");
        }
      } else {
        auto span = pipeline::parse_span(f.get("for"));
        if (!span || *span <= 0) {
          return problem_page(400, "Not a length of time", "Snooze for a span like 7d or 2w.");
        }
        until = now + *span;
      }
    }
    done = store_.snooze(id, until);
  } else if (action == "tag") {
    std::string tag = fold_case(trim(f.get("tag")));
    if (tag.empty() || tag.size() > kMaxTagBytes) {
      return problem_page(400, "Not a tag", "A tag is 1 to 64 characters.");
    }
    done = store_.tag_contact(id, tag, f.get("remove") != "1");
  } else if (action == "notes") {
    std::string_view text = trim(f.get("text"));
    if (text.empty() || text.size() > kMaxNoteBytes) {
      return problem_page(400, "Not a note", "A note is 1 to 10,000 characters.");
    }
    auto added = store_.add_note(id, text, now);
    if (!added) done = added.error();
  } else if (action.rfind("notes/", 0) == 0) {
    auto note = parse_id(action.substr(6));
    if (!note) return problem_page(404, "Not found", "There is no such note.");
    if (f.get("delete") == "1") {
      done = store_.delete_note(id, *note);
    } else {
      std::string_view text = trim(f.get("text"));
      if (text.empty() || text.size() > kMaxNoteBytes) {
        return problem_page(400, "Not a note", "A note is 1 to 10,000 characters.");
      }
      done = store_.edit_note(id, *note, text, now);
    }
  } else if (action == "merge" || action == "apart") {
    auto other = parse_id(f.get("other"));
    if (!other && action == "merge" && !trim(f.get("who")).empty()) {
      // "Merge with…": someone named as the CLI takes them (address, phone, name, id).
      auto found = store_.find_contact(trim(f.get("who")));
      if (!found) return problem_page(404, "Not found", found.error().what + ". " + found.error().hint);
      other = *found;
    }
    if (!other || *other == id) return problem_page(400, "Not a person", "Name another person.");
    auto who = store_.contact_detail(*other, false);
    if (!who) return problem_page(404, "Not found", "There is nobody with that number.");
    // The evidence that made them a suggestion, kept with the merge or the split.
    std::string evidence = action == "merge" ? "the creator said they are one person"
                                             : "the creator said they are two people";
    for (const auto& sug : suggestions(now)) {
      if ((sug.a == id && sug.b == *other) || (sug.a == *other && sug.b == id)) {
        for (const auto& e : sug.evidence) evidence += "; " + e;
      }
    }
    if (action == "merge") {
      auto merged = store_.merge_contacts(*other, id, evidence, now);
      if (!merged) done = merged.error();
    } else {
      done = store_.keep_apart(id, *other, evidence, now);
    }
  } else if (action == "unmerge") {
    auto merge = parse_id(f.get("merge"));
    if (!merge) return problem_page(400, "Not a merge", "Name the merge to undo.");
    bool theirs = std::any_of(detail->merges.begin(), detail->merges.end(),
                              [&](const MergeRecord& r) { return r.id == *merge; });
    if (!theirs) return problem_page(404, "Not found", "That merge is not this person's.");
    done = store_.unmerge(*merge, now);
  } else {
    return problem_page(404, "Not found", "There is no such action.");
  }
  suggestions_at_.reset();  // whatever changed, the next page suggests afresh
  if (!done) {
    const Error& e = done.error();
    bool theirs = e.code == ErrorCode::kNotFound || e.code == ErrorCode::kUsage;
    if (!theirs) log::error("web inbox: " + e.to_string());
    return problem_page(theirs ? 409 : 500, "That did not work", e.what);
  }
  return see_other(back_to(f, id));
}

}  // namespace rapport::web
