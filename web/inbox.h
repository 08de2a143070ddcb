// WebInbox: the inbox in a browser — today's list, everyone waiting, and each person with
// their whole conversation and the actions the CLI has (answered and its undo, snooze and
// clear, tags, notes, unmerge). Server-rendered HTML that reads without JavaScript.
//
//   GET  /                          today: the digest's list, ranked by the digest's own code
//   GET  /waiting?page=N            everyone waiting, ranked the same way, 25 a page
//   GET  /people/ID                 a person: identities, notes, tags, merges, conversation
//   GET  /search?q=…&tag=&source=&episode=   people and messages (SearchQuery)
//   GET  /sources                   each source's state, as `rapport status` shows it
//   POST /sources/read              name=… reads a source now (the daemon, within seconds;
//                                   else at the next `rapport run`)
//   GET  /digests                   past digests, who each listed and why, and what each
//                                   line of a reply to the digest did
//   GET  /static/inbox.css          the style sheet (no inline styles: the CSP forbids them)
//   POST /people/ID/answered        answered (undo=1 takes the last manual answer back)
//   POST /people/ID/snooze          for=7d (a span), until=YYYY-MM-DD, or clear=1
//   POST /people/ID/tag             tag=NAME (remove=1 to take it off)
//   POST /people/ID/notes           text=… adds a note
//   POST /people/ID/notes/NID       text=… edits it, delete=1 removes it
//   POST /people/ID/unmerge         merge=MID undoes a merge (they are two people)
//   POST /people/ID/merge           other=OID (a suggestion accepted) or who=ADDRESS|NAME|ID:
//                                   that person joins ID
//   POST /people/ID/apart           other=OID: "not the same person", never suggested again
//   GET  /tap/ACTION/ID/SLOT/EXPIRES/SIGNATURE   a one-tap link from the digest: a page that
//                                   asks; POST to the same address acts (see one_tap.h)
//
// Every POST carries the page's CSRF token and answers 303 See Other (back to the page it
// came from when that is one of the inbox's own). It serves only requests addressed to this
// machine by name (Host 127.0.0.1, localhost or [::1]), so a web page elsewhere cannot reach
// it through DNS rebinding; the one-tap pages, which their signature protects, answer the
// host of [web] public_url too, and nothing else does. Every response forbids framing, inline script and style, and
// caching. Everything a listener wrote goes through web::Html, which escapes it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/http.h"
#include "pipeline/duplicates.h"
#include "web/login.h"
#include "web/one_tap.h"
#include "pipeline/run_once.h"
#include "store/store.h"

namespace rapport::web {

struct InboxOptions {
  pipeline::DigestSettings digest;  // today's list is the digest's first page
  int page_size = 25;               // people a page of "everyone waiting"
  std::shared_ptr<const TapSigner> taps;  // one-tap links; null: none are served
  std::string public_host;  // the host[:port] of [web] public_url, lower case; may be empty
  // Served by the daemon: called when a source is marked due, so the daemon reads it at once
  // (it sleeps until its next poll is due). Empty: `rapport serve`, which reads nothing.
  std::function<void()> schedule_changed;
  // A password to log in with ([web] password_file): then every page but the style sheet and
  // the one-tap pages needs a session, and the inbox answers any Host. Null: no login, this
  // machine only.
  std::shared_ptr<Login> login;
  // A reverse proxy's address: a request from it comes from the last X-Forwarded-For hop.
  std::string trusted_proxy;
};

class WebInbox {
 public:
  // `store` and `clock` must outlive the inbox; the inbox serialises its use of `store`.
  WebInbox(Store& store, const Clock& clock, InboxOptions options);

  // Answers one request. Thread-safe. Never throws.
  HttpResponse handle(const HttpRequest& request);

  // The token every form carries (random, new for each inbox).
  const std::string& csrf_token() const { return csrf_; }

 private:
  HttpResponse route(const HttpRequest& request);
  HttpResponse today();
  HttpResponse waiting(const HttpRequest& request);
  HttpResponse person(std::int64_t id);
  HttpResponse search(const HttpRequest& request);
  HttpResponse sources();
  HttpResponse read_now(const HttpRequest& request);
  HttpResponse digests();
  HttpResponse act(const HttpRequest& request, std::int64_t id, std::string_view action);
  HttpResponse tap(const HttpRequest& request, bool from_this_machine);
  HttpResponse with_login(const HttpRequest& request, bool tap_path);
  HttpResponse login_page(int status, std::string_view message);
  HttpResponse log_in(const HttpRequest& request);
  std::string visitor(const HttpRequest& request) const;

  Store& store_;
  const Clock& clock_;
  InboxOptions options_;
  // Likely duplicates over every contact, made when a person's page first needs them and
  // again after any change or five minutes (a pass over 200,000 people takes about a second).
  const std::vector<pipeline::DuplicateSuggestion>& suggestions(UnixTime now);

  std::string csrf_;
  std::mutex mutex_;
  std::vector<pipeline::DuplicateSuggestion> suggestions_;
  std::optional<UnixTime> suggestions_at_;
};

}  // namespace rapport::web
