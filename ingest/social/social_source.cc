// What the social sources share: the Api they talk through, and how a post becomes a message.
#include "ingest/social/social_source.h"

#include "core/text.h"
#include "ingest/social/social_api.h"
#include "ingest/decode/date_parse.h"
#include "ingest/decode/html_text.h"

namespace rapport::ingest {

SocialSource::SocialSource(std::string service, const SocialOptions& options,
                           std::string default_api, HttpClient& http, const Clock& clock)
    : name_(options.name),
      location_(options.api_url.empty() ? default_api : options.api_url),
      clock_(clock),
      max_pages_(std::max(1, options.max_pages)) {
  social::Endpoint endpoint;
  endpoint.base_url = location_;
  endpoint.ca_file = options.ca_file;
  endpoint.timeout_seconds = options.timeout_seconds;
  api_ = std::make_unique<social::Api>(std::move(service), std::move(endpoint), http, clock);
}

SocialSource::~SocialSource() = default;

namespace social {

std::map<std::string, std::string> read_cursor(const std::string& cursor) {
  std::map<std::string, std::string> out;
  for (const auto& line : split_lines(cursor)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

std::string write_cursor(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    std::string clean = v;
    for (char& c : clean) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out += k + " " + clean + "\n";
  }
  return out;
}

std::string post_text(const std::string& text, std::vector<std::string>& warnings,
                      const std::string& what) {
  bool cut = false;
  std::string out = safe_text(text, kMaxPostBytes, &cut);
  if (cut) {
    warnings.push_back(what + ": longer than " + std::to_string(kMaxPostBytes / 1024) +
                       " KB; the rest was left out");
  }
  return out;
}

std::string html_post_text(const std::string& html, std::vector<std::string>& warnings,
                           const std::string& what) {
  // A post's HTML is small; a hostile one is cut before it is read.
  std::string_view bounded(html.data(), std::min(html.size(), 4 * kMaxPostBytes));
  return post_text(html_to_text(bounded), warnings, what);
}

std::string strip_leading_mentions(std::string_view text) {
  std::string_view t = trim(text);
  while (!t.empty() && t.front() == '@') {
    size_t end = t.find_first_of(" \t\n");
    if (end == std::string_view::npos) return "";
    t = trim(t.substr(end));
  }
  return std::string(t);
}

std::vector<std::string> links_in_html(std::string_view html) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (out.size() < 20) {
    size_t open = html.find("<a ", pos);
    if (open == std::string_view::npos) break;
    size_t close = html.find('>', open);
    if (close == std::string_view::npos) break;
    std::string tag = ascii_lower(html.substr(open, close - open));
    std::string_view raw = html.substr(open, close - open);
    pos = close + 1;
    size_t cls = tag.find("class=\"");
    if (cls != std::string::npos) {
      size_t end = tag.find('"', cls + 7);
      std::string classes = tag.substr(cls + 7, end == std::string::npos ? 0 : end - cls - 7);
      if (classes.find("mention") != std::string::npos ||
          classes.find("hashtag") != std::string::npos) {
        continue;
      }
    }
    size_t href = tag.find("href=\"");
    if (href == std::string::npos) continue;
    size_t end = tag.find('"', href + 6);
    if (end == std::string::npos) continue;
    std::string url = decode_entities(raw.substr(href + 6, end - href - 6));
    if (is_web_url(url)) out.push_back(url);
  }
  return out;
}

std::optional<Error> page_failed(Error e, int pages_read, std::vector<std::string>& warnings) {
  if (pages_read == 0) return e;
  warnings.push_back("a later page: " + e.message());
  return std::nullopt;
}

void end_back_read(std::map<std::string, std::string>& fields, bool reached_seen,
                   const std::string& newest, const std::string& resume, bool& more) {
  if (reached_seen || fields["seen"].empty()) {
    fields.erase("resume");
    fields.erase("newest");
    if (!newest.empty()) fields["seen"] = newest;
    return;
  }
  fields["resume"] = resume;
  fields["newest"] = newest;
  more = true;
}

UnixTime time_of(const std::string& text, UnixTime fallback) {
  auto t = parse_date(text);
  return t ? *t : fallback;
}

}  // namespace social
}  // namespace rapport::ingest
