// `rapport inspect feed`: what Rapport reads from one feed, for a person or a script.
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "ingest/feed_parser.h"
#include "ingest/http_client.h"
#include "store/json_writer.h"
#include "store/text.h"

namespace rapport::app {
namespace {

std::optional<std::string> maybe(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> when(const std::optional<UnixTime>& t) {
  if (!t) return std::nullopt;
  return format_rfc3339_utc(*t);
}

std::string duration(int seconds) {
  char buf[32];
  if (seconds >= 3600) {
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%d:%02d", seconds / 60, seconds % 60);
  }
  return buf;
}

void print_json(const ingest::ParsedFeed& f) {
  JsonWriter j;
  j.begin_object().key("format").value(f.format).key("feed").begin_object();
  j.key("title").value(maybe(f.title));
  j.key("link").value(maybe(f.link));
  j.key("language").value(maybe(f.language));
  j.key("author").value(maybe(f.author));
  j.key("image").value(maybe(f.image));
  j.end_object().key("items").begin_array();
  for (const auto& i : f.items) {
    j.begin_object();
    j.key("guid").value(i.guid);
    j.key("title").value(maybe(i.title));
    j.key("link").value(maybe(i.link));
    j.key("published").value(when(i.published));
    j.key("updated").value(when(i.updated));
    j.key("author").value(maybe(i.author));
    j.key("enclosure");
    if (i.enclosure) {
      j.begin_object()
          .key("url")
          .value(i.enclosure->url)
          .key("type")
          .value(maybe(i.enclosure->type))
          .key("length")
          .value(i.enclosure->length)
          .end_object();
    } else {
      j.null();
    }
    j.key("episode").value(i.episode);
    j.key("season").value(i.season);
    j.key("duration_seconds").value(i.duration_seconds);
    j.key("comments_feed").value(maybe(i.comments_feed));
    j.end_object();
  }
  j.end_array().key("warnings").begin_array();
  for (const auto& w : f.warnings) j.value(w);
  j.end_array().end_object();
  std::cout << j.str() << "\n";
}

void print_text(const ingest::ParsedFeed& f) {
  auto line = [](const char* label, const std::string& v) {
    std::cout << label << (v.empty() ? "(none)" : v) << "\n";
  };
  line("format:   ", f.format);
  line("title:    ", f.title);
  line("link:     ", f.link);
  line("language: ", f.language);
  line("author:   ", f.author);
  line("image:    ", f.image);
  if (!f.podcast_guid.empty()) line("podcast:  ", f.podcast_guid);
  std::cout << "\n" << f.items.size() << (f.items.size() == 1 ? " item" : " items") << "\n";
  int n = 0;
  for (const auto& i : f.items) {
    std::cout << "\n" << ++n << ". " << (i.title.empty() ? "(no title)" : i.title) << "\n";
    std::cout << "   guid " << i.guid << "\n";
    std::string facts;
    auto add = [&](const std::string& s) { facts += (facts.empty() ? "" : " · ") + s; };
    if (i.published) {
      add("published " + format_rfc3339_utc(*i.published));
    } else if (!i.published_text.empty()) {
      add("published \"" + i.published_text + "\" (unreadable)");
    } else {
      add("no date");
    }
    if (i.episode) add("episode " + std::to_string(*i.episode));
    if (i.season) add("season " + std::to_string(*i.season));
    if (i.duration_seconds) add(duration(*i.duration_seconds));
    if (!i.episode_type.empty() && i.episode_type != "full") add(i.episode_type);
    if (i.explicit_ && *i.explicit_) add("explicit");
    if (!i.author.empty()) add("by " + i.author);
    if (!i.author_email.empty()) add(i.author_email);
    std::cout << "   " << facts << "\n";
    if (!i.link.empty()) std::cout << "   link " << i.link << "\n";
    if (i.enclosure) {
      std::cout << "   enclosure " << i.enclosure->url;
      if (!i.enclosure->type.empty()) std::cout << " (" << i.enclosure->type << ")";
      if (i.enclosure->length) std::cout << ", " << *i.enclosure->length << " bytes";
      std::cout << "\n";
    }
    if (!i.comments_feed.empty() || i.comment_count) {
      std::cout << "   comments";
      if (!i.comments_feed.empty()) std::cout << " " << i.comments_feed;
      if (i.comment_count) std::cout << " (" << *i.comment_count << ")";
      std::cout << "\n";
    }
    for (const auto& t : i.transcripts)
      std::cout << "   transcript " << t.url << " " << t.type << "\n";
    for (const auto& p : i.people) {
      std::cout << "   person " << p.name << (p.role.empty() ? "" : " (" + p.role + ")") << "\n";
    }
    for (const auto& s : i.social_interact) {
      std::cout << "   social " << s.url << (s.type.empty() ? "" : " (" + s.type + ")") << "\n";
    }
  }
  if (!f.warnings.empty()) {
    std::cout << "\nwarnings:\n";
    for (const auto& w : f.warnings) std::cout << "  - " << w << "\n";
  }
}

}  // namespace

int inspect_command(const Invocation& inv) {
  if (inv.arguments.size() != 2 || inv.arguments[0] != "feed") {
    std::cerr << "rapport: usage: rapport inspect feed PATH_OR_URL [--json] (hint: run `rapport "
                 "inspect --help`)\n";
    return 2;
  }
  std::string target = inv.arguments[1];
  std::string url = target;
  if (target.find("://") == std::string::npos) {
    std::error_code ec;
    url = "file://" + std::filesystem::absolute(target, ec).lexically_normal().string();
  }
  ingest::CurlHttpClient http;
  ingest::HttpRequest request;
  request.url = url;
  auto response = http.get(request);
  if (!response) {
    std::cerr << "rapport: " << response.error().to_string() << "\n";
    return 1;
  }
  if (response->status < 200 || response->status >= 300) {
    std::cerr << "rapport: " << response->effective_url << ": HTTP " << response->status
              << " (hint: nothing to read there)\n";
    return 1;
  }
  auto feed = ingest::parse_feed(response->body, response->effective_url);
  if (!feed) {
    std::cerr << "rapport: " << feed.error().to_string() << "\n";
    return 1;
  }
  if (inv.has("--json")) {
    print_json(*feed);
  } else {
    print_text(*feed);
  }
  return 0;
}

}  // namespace rapport::app
