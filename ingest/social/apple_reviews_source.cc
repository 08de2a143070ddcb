// Apple Podcasts reviews: the public customer-reviews feed of one show, per storefront
// (/{cc}/rss/customerreviews/page={n}/id={show}/sortby=mostrecent/json, pages 1 to 10).
//
// Cursor, per storefront: "seen-CC ID", the newest review id read (ids grow), and "etag-CC"
// for a conditional GET of its first page: an unchanged storefront costs one 304.
#include "core/text.h"
#include "ingest/social/social_api.h"
#include "ingest/social/social_source.h"

namespace rapport::ingest {
namespace {

using Poco::JSON::Object;
using namespace social;

constexpr int kApplePages = 10;  // the feed has no more

// A field of Apple's feed: {"label": "…"}.
std::string label(const Object::Ptr& o, const std::string& key) {
  return str(obj(o, key), "label");
}

bool id_after(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

}  // namespace

AppleReviewsSource::AppleReviewsSource(AppleReviewsOptions options, HttpClient& http,
                                       const Clock& clock)
    : SocialSource("Apple Podcasts", options, "https://itunes.apple.com", http, clock),
      options_(std::move(options)) {}

Result<Batch> AppleReviewsSource::poll(const std::string& cursor) {
  auto fields = read_cursor(cursor);
  Batch batch;
  UnixTime now = clock().now();
  int read_countries = 0;
  std::optional<Error> first_error;
  const int pages_max = std::min(kApplePages, max_pages());
  for (const std::string& country : options_.countries) {
    const std::string seen = fields["seen-" + country];
    std::string newest = seen;
    bool country_ok = false;
    bool complete = true;  // every page up to the reviews read before was read
    for (int page = 1; page <= pages_max; ++page) {
      std::string target = "/" + url_encode(country) + "/rss/customerreviews/page=" +
                           std::to_string(page) + "/id=" + url_encode(options_.show_id) +
                           "/sortby=mostrecent/json";
      std::vector<std::string> headers;
      if (page == 1 && !fields["etag-" + country].empty()) {
        headers.push_back("If-None-Match: " + fields["etag-" + country]);
      }
      auto reply = api().call("GET", target, headers);
      if (!reply) {
        if (!first_error) first_error = reply.error();
        batch.warnings.push_back(country + ": " + reply.error().message());
        complete = page == 1;
        break;
      }
      if (page == 1 && reply->status == 304) {
        country_ok = true;
        break;
      }
      // Past the last page Apple answers 400 or 404, or a feed without entries.
      if (page > 1 && (reply->status == 400 || reply->status == 404)) break;
      if (reply->status != 200) {
        Error e = api().http_error(*reply, "Apple's reviews feed needs no sign-in; check show_id");
        if (reply->status == 400 || reply->status == 404) {
          e.hint = "check show_id (the digits after /id in the show's Apple Podcasts link) and "
                   "the country code \"" + printable(country, 8) + "\"";
        }
        if (!first_error) first_error = e;
        batch.warnings.push_back(country + ": " + e.message());
        complete = page == 1;
        break;
      }
      auto feed = api().object(*reply);
      if (!feed) {
        if (!first_error) first_error = feed.error();
        batch.warnings.push_back(country + ": " + feed.error().message());
        complete = page == 1;
        break;
      }
      country_ok = true;
      if (page == 1) {
        if (const std::string* etag = reply->header("etag")) fields["etag-" + country] = *etag;
      }
      auto root = obj(*feed, "feed");
      // One entry comes as an object, several as a list.
      std::vector<Object::Ptr> entries;
      if (auto list = arr(root, "entry")) {
        for (size_t i = 0; i < list->size(); ++i) {
          if (auto e = obj_at(list, i)) entries.push_back(e);
        }
      } else if (auto one = obj(root, "entry")) {
        entries.push_back(one);
      }
      if (entries.empty()) break;
      bool older = false;
      for (const auto& e : entries) {
        std::string rating = label(e, "im:rating");
        std::string id = label(e, "id");
        if (rating.empty() || id.empty()) continue;  // the show's own entry, not a review
        if (!seen.empty() && !id_after(id, seen)) {
          older = true;
          continue;
        }
        if (newest.empty() || id_after(id, newest)) newest = id;
        Message m;
        m.kind = MessageKind::kReview;
        m.natural_key = "apple-review:" + id;
        m.source_ref = country + " " + id;
        auto author = obj(e, "author");
        std::string name = safe_text(collapse_spaces(label(author, "name")), kMaxNameBytes);
        std::string uri = safe_text(label(author, "uri"), kMaxNameBytes);
        m.from.name = name;
        std::string who = !uri.empty() ? uri : name;
        if (!who.empty()) m.claimed = Identity("handle", "apple:" + who, name.empty() ? who : name);
        m.subject = safe_text(collapse_spaces(label(e, "title")), kMaxNameBytes);
        m.text = post_text(label(e, "content"), batch.warnings, "review " + printable(id, 40));
        std::string updated = label(e, "updated");
        m.received_at = time_of(updated, now);
        m.date_text = safe_text(updated, 64);
        int stars = 0;
        if (rating.size() == 1 && rating[0] >= '1' && rating[0] <= '5') stars = rating[0] - '0';
        if (stars) m.rating = stars;
        m.details = "a " + (stars ? std::to_string(stars) + "-star " : std::string()) +
                    "Apple Podcasts review (" + ascii_upper(printable(country, 8)) + ")";
        batch.messages.push_back(std::move(m));
      }
      if (older) break;  // the rest was read before
    }
    if (country_ok) {
      ++read_countries;
      if (!newest.empty() && complete) fields["seen-" + country] = newest;
    }
  }
  if (read_countries == 0 && first_error) return *first_error;
  batch.cursor = write_cursor(fields);
  return batch;
}

}  // namespace rapport::ingest
