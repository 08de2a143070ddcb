// `rapport inspect feed|mail`: what Rapport reads from one feed, one message or an mbox, for
// a person or a script. Nothing is stored.
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/from_config.h"
#include "app/commands.h"
#include "config/config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "ingest/decode/date_parse.h"
#include "ingest/feed/feed_parser.h"
#include "ingest/feed/http_client.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mail/mbox_source.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"

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

// The episodes a message can be matched against: those of the configured database, when
// there is a config and its database exists (it is only read). None otherwise.
std::vector<Episode> known_episodes(const Invocation& inv) {
  auto cfg = config::load(inv.get("--config", config::default_config_path()));
  if (!cfg) {
    if (inv.has("--config")) std::cerr << "rapport: " << cfg.error().to_string() << "\n";
    return {};
  }
  std::error_code ec;
  if (!cfg->store.postgres() && !std::filesystem::exists(cfg->store.path, ec)) return {};
  auto store = open_store(cfg->store);
  if (!store) return {};
  auto episodes = (*store)->episodes();
  return episodes ? std::move(*episodes) : std::vector<Episode>{};
}

const Episode* episode_of(const Message& m, const std::vector<Episode>& episodes) {
  if (!m.episode_id) return nullptr;
  for (const auto& e : episodes) {
    if (e.id == *m.episode_id) return &e;
  }
  return nullptr;
}

std::optional<std::string> header_date(const Message& m) {
  if (m.date_text.empty()) return std::nullopt;
  auto t = ingest::parse_date(m.date_text);
  if (!t) return std::nullopt;
  return format_rfc3339_utc(*t);
}

void mail_json(const Message& m, const std::vector<Episode>& episodes) {
  JsonWriter j;
  auto address = [&](const Address& a) {
    j.begin_object().key("name").value(maybe(a.name)).key("address").value(maybe(a.address));
    j.end_object();
  };
  j.begin_object().key("from");
  address(m.from);
  j.key("to").begin_array();
  for (const auto& a : m.to) address(a);
  j.end_array();
  j.key("subject").value(maybe(m.subject));
  j.key("message_id").value(maybe(m.message_id));
  j.key("in_reply_to").value(maybe(m.in_reply_to));
  j.key("references").begin_array();
  for (const auto& r : m.references) j.value(r);
  j.end_array();
  j.key("date").value(header_date(m));
  j.key("class").value(to_string(m.message_class));
  j.key("class_reason").value(maybe(m.class_reason));
  j.key("text").value(m.text);
  j.key("reply_text").value(m.reply_text);
  j.key("episode");
  if (const Episode* e = episode_of(m, episodes)) {
    j.begin_object().key("guid").value(e->guid).key("title").value(e->title).end_object();
  } else {
    j.null();
  }
  j.key("attachments").begin_array();
  for (const auto& a : m.attachments) {
    j.begin_object().key("name").value(a.name).key("type").value(a.type).key("size").value(a.size);
    j.end_object();
  }
  j.end_array();
  j.key("warnings").begin_array();
  for (const auto& w : m.warnings) j.value(w);
  j.end_array().end_object();
  std::cout << j.str() << "\n";
}

void mail_text(const Message& m, const std::vector<Episode>& episodes) {
  auto person = [](const Address& a) {
    if (a.name.empty()) return a.address.empty() ? std::string("(none)") : a.address;
    return a.name + " <" + a.address + ">";
  };
  auto line = [](const char* label, const std::string& v) {
    std::cout << label << (v.empty() ? "(none)" : v) << "\n";
  };
  line("from:        ", person(m.from));
  std::string to;
  for (const auto& a : m.to) to += (to.empty() ? "" : ", ") + person(a);
  line("to:          ", to);
  line("subject:     ", m.subject);
  line("date:        ", header_date(m).value_or(""));
  line("message-id:  ", m.message_id);
  line("in-reply-to: ", m.in_reply_to);
  std::string cls(to_string(m.message_class));
  if (!m.class_reason.empty()) cls += " (" + m.class_reason + ")";
  line("class:       ", cls);
  const Episode* e = episode_of(m, episodes);
  line("episode:     ", e ? e->title : "");
  for (const auto& a : m.attachments) {
    line("attachment:  ", (a.name.empty() ? "(no name)" : a.name) + " (" + a.type + ", " +
                              std::to_string(a.size) + " bytes)");
  }
  std::cout << "\nreply text:\n";
  for (const auto& l : split_lines(m.reply_text.empty() ? "(none)" : m.reply_text)) {
    std::cout << "  " << l << "\n";
  }
  if (!m.warnings.empty()) {
    std::cout << "\nwarnings:\n";
    for (const auto& w : m.warnings) std::cout << "  - " << w << "\n";
  }
}

int inspect_mail(const Invocation& inv, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[5] = {};
  in.read(head, 5);
  if (!in && in.gcount() == 0) {
    std::cerr << "rapport: " << path << ": cannot be read (hint: give an .eml file or an mbox)\n";
    return 1;
  }
  std::vector<Episode> episodes = known_episodes(inv);
  const bool json = inv.has("--json");
  auto show = [&](Message& m, int n) {
    pipeline::process_message(m, episodes);
    if (json) {
      mail_json(m, episodes);
    } else {
      if (n > 1) std::cout << "\n" << std::string(72, '-') << "\n";
      mail_text(m, episodes);
    }
  };
  if (std::string_view(head, static_cast<size_t>(in.gcount())) == "From ") {
    // An mbox: one message at a time, whatever the file's size.
    ingest::MboxReader reader(path, 0, ingest::MboxFormat::kMboxrd);
    ingest::MboxEntry entry;
    int n = 0;
    while (reader.next(entry)) {
      Message m = ingest::parse_mail(entry.raw, entry.delivered_at.value_or(0));
      if (entry.truncated) m.warnings.push_back("only the first 64 MB were read");
      show(m, ++n);
    }
    if (!reader.error().empty()) {
      std::cerr << "rapport: " << path << ": " << reader.error() << "\n";
      return 1;
    }
    return 0;
  }
  constexpr std::streamsize kMax = 64 << 20;
  in.seekg(0);
  std::string raw(static_cast<size_t>(kMax), '\0');
  in.read(raw.data(), kMax);
  raw.resize(static_cast<size_t>(in.gcount()));
  std::error_code ec;
  Message m = ingest::parse_mail(raw, 0);
  if (std::filesystem::file_size(path, ec) > static_cast<std::uintmax_t>(kMax)) {
    m.warnings.push_back("only the first 64 MB were read");
  }
  show(m, 1);
  return 0;
}

}  // namespace

int inspect_command(const Invocation& inv) {
  if (inv.arguments.size() == 2 && inv.arguments[0] == "mail") {
    return inspect_mail(inv, inv.arguments[1]);
  }
  if (inv.arguments.size() != 2 || inv.arguments[0] != "feed") {
    std::cerr << "rapport: usage: rapport inspect feed PATH_OR_URL [--json] or rapport inspect "
                 "mail FILE [--json] (hint: run `rapport inspect --help`)\n";
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
  if (inv.has("--max-bytes")) {
    // The same bounds as [[feed]] max_bytes.
    const std::string v = inv.get("--max-bytes");
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < 1024 ||
        n > (std::int64_t{1} << 32)) {
      std::cerr << "rapport: --max-bytes \"" << printable(v, 40)
                << "\" is not a number of bytes from 1024 to 4294967296 (like 52428800 for 50 MB)\n";
      return 2;
    }
    request.max_bytes = n;
  }
  auto response = http.get(request);
  if (!response) {
    Error e = response.error();
    if (e.what.rfind("larger than the limit", 0) == 0) {
      e.hint = "read it with --max-bytes N; give its [[feed]] the same max_bytes";
    }
    std::cerr << "rapport: " << e.to_string() << "\n";
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
