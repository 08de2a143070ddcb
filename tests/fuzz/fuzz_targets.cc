#include "tests/fuzz/fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "config/config.h"
#include "core/http.h"
#include "core/text.h"
#include "ingest/decode/date_parse.h"
#include "ingest/decode/html_text.h"
#include "ingest/feed/feed_parser.h"
#include "ingest/inbound/csv_reader.h"
#include "ingest/inbound/import_source.h"
#include "ingest/inbound/inbound.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/social/social_api.h"
#include "ingest/social/social_source.h"
#include "pipeline/classify.h"
#include "pipeline/digest_reply.h"
#include "pipeline/excerpt.h"
#include "pipeline/extract.h"
#include "web/form.h"
#include "web/login.h"
#include "web/one_tap.h"

namespace rapport::fuzz {
namespace {

std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// What every parser promises of its text: valid UTF-8, no larger than a small multiple of the
// input. A broken promise is a bug the fuzzer should report.
void check_text(std::string_view out, std::size_t input_size, const char* what) {
  if (!is_valid_utf8(out)) {
    std::fprintf(stderr, "fuzz: %s is not valid UTF-8\n", what);
    std::abort();
  }
  if (out.size() > 8 * input_size + 4096) {
    std::fprintf(stderr, "fuzz: %s is %zu bytes from %zu\n", what, out.size(), input_size);
    std::abort();
  }
}

}  // namespace

int feed(const std::uint8_t* data, std::size_t size) {
  auto parsed = ingest::parse_feed(as_text(data, size), "https://fuzz.example/feed.xml");
  if (parsed) {
    check_text(parsed->title, size, "feed title");
    for (const auto& item : parsed->items) {
      check_text(item.title, size, "item title");
      check_text(item.content_text(), size, "item content");
    }
    if (parsed->warnings.size() > 60) std::abort();
  }
  return 0;
}

int mail(const std::uint8_t* data, std::size_t size) {
  Message m = ingest::parse_mail(as_text(data, size), 1795600000);
  check_text(m.text, size, "mail text");
  check_text(m.subject, size, "subject");
  (void)pipeline::classify(m);
  check_text(pipeline::extract_reply(m.text), size, "reply");
  return 0;
}

int headers(const std::uint8_t* data, std::size_t size) {
  std::string_view v = as_text(data, size);
  // Header values reach the decoder as UTF-8 (raw 8-bit is converted first, see parse_mail).
  check_text(ingest::decode_rfc2047(valid_utf8(v)), size, "rfc2047");
  (void)ingest::parse_address_list(v);
  (void)ingest::parse_message_ids(v);
  auto params = ingest::parse_mime_value(v);
  if (params.params.size() > ingest::MimeValue::kMaxParams) std::abort();
  return 0;
}

int html(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> warnings;
  std::string text = ingest::html_to_text(as_text(data, size), &warnings);
  if (text.size() > 8 * size + 4096) std::abort();
  (void)ingest::decode_entities(as_text(data, size));
  return 0;
}

int reply(const std::uint8_t* data, std::size_t size) {
  std::string_view text = as_text(data, size);
  std::string out = pipeline::extract_reply(text);
  if (out.size() > size) std::abort();  // a cut, never more words than were written
  // The digest's excerpt of those words and of the raw text as a second message: sentences in
  // order and inside the text, the budget held (the "…" marks aside), every part valid UTF-8
  // when the words are.
  size_t last = 0;
  for (auto [b, e] : pipeline::split_sentences(text)) {
    if (b < last || e <= b || e > text.size()) std::abort();
    last = e;
  }
  auto parts = pipeline::excerpt_conversation({out, text}, 300);
  size_t chars = 0;
  for (const auto& p : parts) {
    if (p.message < 0 || p.message > 1) std::abort();
    for (char c : p.text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  if (chars > 300 + 4 * parts.size()) std::abort();
  return 0;
}

int csv(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(as_text(data, size))};
  ingest::Inbox form{"form", ingest::InboxKind::kCsv, {}};
  (void)ingest::import_stream(in, "fuzz.csv", form, 1795600000);
  std::istringstream again{std::string(as_text(data, size))};
  ingest::CsvReader reader(again, ',', 4096);
  std::vector<std::string> fields;
  while (reader.next(fields)) {
  }
  return 0;
}

int jsonl(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(as_text(data, size))};
  ingest::Inbox lines{"lines", ingest::InboxKind::kJsonLines, {}};
  (void)ingest::import_stream(in, "fuzz.jsonl", lines, 1795600000);
  return 0;
}

int webhook(const std::uint8_t* data, std::size_t size) {
  for (auto kind : {ingest::InboxKind::kGeneric, ingest::InboxKind::kVoicemail,
                    ingest::InboxKind::kBoostagram}) {
    ingest::Inbox inbox{"hook", kind, {}};
    auto m = ingest::message_from_json(as_text(data, size), inbox, 1795600000);
    if (auto* message = std::get_if<Message>(&m)) check_text(message->text, size, "webhook text");
  }
  return 0;
}

int config(const std::uint8_t* data, std::size_t size) {
  auto errors = config::check_text(as_text(data, size), "/fuzz/rapport.toml");
  for (const auto& e : errors) {
    // Every problem is one printable line (control characters escaped).
    for (char c : e.to_string()) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();
    }
  }
  return 0;
}

int dates(const std::uint8_t* data, std::size_t size) {
  (void)ingest::parse_date(as_text(data, size));
  (void)ingest::parse_duration(as_text(data, size));
  return 0;
}

int digest_commands(const std::uint8_t* data, std::size_t size) {
  auto commands = pipeline::parse_digest_commands(as_text(data, size));
  if (commands.size() > 50) std::abort();
  (void)pipeline::parse_span(as_text(data, size));
  return 0;
}

int http(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses how the rest arrives: in pieces of 1 to 256 bytes.
  std::size_t step = static_cast<std::size_t>(data[0]) + 1;
  std::string_view bytes = as_text(data + 1, size - 1);
  HttpLimits limits;
  limits.max_body_bytes = 4096;
  limits.max_header_bytes = 2048;
  limits.max_headers = 20;
  RequestParser parser(limits);
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::size_t n = std::min(step, bytes.size() - at);
    std::size_t used = parser.feed(bytes.substr(at, n));
    at += used;
    if (parser.state() == RequestParser::State::kDone) {
      if (static_cast<std::int64_t>(parser.request().body.size()) > limits.max_body_bytes)
        std::abort();
      parser.reset();
    } else if (parser.state() == RequestParser::State::kError) {
      if (parser.error_status() < 400 || parser.error_status() > 505) std::abort();
      break;
    } else if (used == 0) {
      at += n;  // cannot happen: a parser reading a request takes every byte it is given
      std::abort();
    }
  }
  return 0;
}

// What the web inbox reads from a visitor before anything else: form and query fields, a
// Cookie header, a one-tap path. Bounded (64 fields), and a path is only ever accepted with
// its signature, so a forged one must never pass.
int web(const std::uint8_t* data, std::size_t size) {
  std::string_view text = as_text(data, size);
  web::Form f = web::Form::parse(text);
  if (f.has("k64_never")) (void)f.get("k64_never");
  (void)web::cookie_value(text, "rapport_session");
  (void)web::url_decode(text);
  if (web::url_decode(url_encode(text)) != text) std::abort();
  static const web::TapSigner signer(std::string(32, 'f'));
  if (signer.verify(text)) std::abort();  // nobody can guess a signature
  return 0;
}

namespace {

// Answers every request with the fuzzer's bytes: each provider's API, every page of it.
class ReplayHttpClient final : public ingest::HttpClient {
 public:
  explicit ReplayHttpClient(std::string_view body) : body_(body) {}
  Result<ingest::HttpResponse> get(const ingest::HttpRequest& request) override {
    ingest::HttpResponse r;
    r.status = 200;
    r.body = std::string(body_);
    r.effective_url = request.url;
    if (++calls_ > 100) std::abort();  // a poll must end, whatever the answers say
    return r;
  }
  std::vector<Result<ingest::HttpResponse>> get_many(const std::vector<ingest::HttpRequest>& rs,
                                                     const ingest::FetchLimits&) override {
    std::vector<Result<ingest::HttpResponse>> out;
    for (const auto& r : rs) out.push_back(get(r));
    return out;
  }

 private:
  std::string_view body_;
  int calls_ = 0;
};

void check_social(const Result<Batch>& batch) {
  if (!batch) return;
  for (const Message& m : batch->messages) {
    if (m.text.size() > ingest::social::kMaxPostBytes) std::abort();
    if (!is_valid_utf8(m.text) || !is_valid_utf8(m.from.name) || !is_valid_utf8(m.claimed.written)) {
      std::abort();
    }
    if (!m.url.empty() && !is_web_url(m.url)) std::abort();  // never a javascript: link
  }
}

}  // namespace

// What the social sources read from Apple, YouTube, Mastodon and Bluesky: JSON a hostile or
// broken server may send as any page. A poll ends, keeps text bounded and valid, and links
// only to web addresses.
int social(const std::uint8_t* data, std::size_t size) {
  std::string_view body = as_text(data, size);
  FixedClock clock{1795600000};
  {
    ReplayHttpClient http(body);
    ingest::MastodonOptions o;
    o.name = "m";
    o.api_url = "https://social.example";
    check_social(ingest::MastodonSource(o, http, clock).poll(""));
  }
  {
    ReplayHttpClient http(body);
    ingest::BlueskyOptions o;
    o.name = "b";
    o.api_url = "https://bsky.example";
    check_social(ingest::BlueskySource(o, http, clock).poll("seen 2026-01-01T00:00:00Z\n"));
  }
  {
    ReplayHttpClient http(body);
    ingest::YouTubeOptions o;
    o.name = "y";
    o.api_url = "https://yt.example";
    check_social(ingest::YouTubeSource(o, http, clock).poll(""));
  }
  {
    ReplayHttpClient http(body);
    ingest::AppleReviewsOptions o;
    o.name = "a";
    o.api_url = "https://apple.example";
    o.countries = {"us", "gb"};
    check_social(ingest::AppleReviewsSource(o, http, clock).poll(""));
  }
  {
    ReplayHttpClient http(body);
    ingest::ThreadOptions o;
    o.name = "t";
    o.uri = "https://social.example/@show/5550";
    check_social(ingest::ThreadSource(o, http, clock).poll(""));
  }
  return 0;
}

const std::vector<Target>& targets() {
  static const std::vector<Target> kTargets = {
      {"feed", feed, "tests/data/feeds config/demo/feed.xml"},
      {"mail", mail, "tests/data/mail config/demo/Maildir/cur"},
      {"headers", headers, "tests/data/fuzz-seeds/headers"},
      {"html", html, "tests/data/fuzz-seeds/html"},
      {"reply", reply, "tests/data/fuzz-seeds/reply"},
      {"csv", csv, "tests/data/csv config/demo/form-export.csv"},
      {"jsonl", jsonl, "tests/data/csv/messages.jsonl"},
      {"webhook", webhook, "tests/data/fuzz-seeds/webhook"},
      {"config", config, "config/demo.toml config/rapport.example.toml"},
      {"dates", dates, "tests/data/fuzz-seeds/dates"},
      {"digest_commands", digest_commands, "tests/data/fuzz-seeds/digest_commands"},
      {"http", http, "tests/data/fuzz-seeds/http"},
      {"web", web, "tests/data/fuzz-seeds/web"},
      {"social", social, "config/demo/social"},
  };
  return kTargets;
}

}  // namespace rapport::fuzz
