#include "ingest/feed/feed_parser.h"

#include <Poco/Base64Decoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA2Engine.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>
#include <pugixml.hpp>

#include "core/text.h"
#include "ingest/decode/charset.h"
#include "ingest/decode/date_parse.h"
#include "ingest/decode/html_text.h"

namespace rapport::ingest {
namespace {

constexpr std::string_view kItunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr std::string_view kDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDcTerms = "http://purl.org/dc/terms/";
constexpr std::string_view kWfw = "http://wellformedweb.org/CommentAPI/";
constexpr std::string_view kPodcast = "https://podcastindex.org/namespace/1.0";
constexpr std::string_view kContent = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kSlash = "http://purl.org/rss/1.0/modules/slash/";
constexpr std::string_view kMedia = "http://search.yahoo.com/mrss/";

// Element names are matched by namespace: a feed may bind any prefix to a namespace, so
// the prefixes declared on the root are looked up, with the conventional one as fallback.
// The namespaces whose elements Rapport reads.
enum class Ns { kNone, kItunes, kDc, kDcTerms, kContent, kWfw, kPodcast, kSlash, kMedia, kOther };

// Element names are matched by namespace: a feed may bind any prefix to a namespace, so
// the prefixes declared on the root (and on <channel>) are looked up once, with the
// conventional ones as fallback for namespaces a feed uses without declaring.
class Names {
 public:
  explicit Names(const pugi::xml_node& root) {
    int depth = 0;
    for (pugi::xml_node n = root; n && n.type() == pugi::node_element && depth < 2;
         n = n.first_child(), ++depth) {
      for (auto a : n.attributes()) {
        std::string_view name = a.name();
        if (name.rfind("xmlns:", 0) == 0) add(std::string(name.substr(6)), of_uri(a.value()));
      }
    }
    for (auto [prefix, ns] : {std::pair{"itunes", Ns::kItunes},
                              {"dc", Ns::kDc},
                              {"dcterms", Ns::kDcTerms},
                              {"content", Ns::kContent},
                              {"wfw", Ns::kWfw},
                              {"podcast", Ns::kPodcast},
                              {"slash", Ns::kSlash},
                              {"media", Ns::kMedia}}) {
      add(prefix, ns);
    }
  }

  // The namespace of element `node`, and its local name in `local`.
  Ns classify(const pugi::xml_node& node, std::string_view& local) const {
    std::string_view name = node.name();
    size_t colon = name.find(':');
    if (colon == std::string_view::npos) {
      local = name;
      return Ns::kNone;
    }
    local = name.substr(colon + 1);
    auto it = prefixes_.find(name.substr(0, colon));
    return it == prefixes_.end() ? Ns::kOther : it->second;
  }

  pugi::xml_node child(const pugi::xml_node& parent, Ns ns, std::string_view local) const {
    for (auto c : parent.children()) {
      std::string_view l;
      if (c.type() == pugi::node_element && classify(c, l) == ns && l == local) return c;
    }
    return {};
  }

 private:
  static Ns of_uri(std::string_view uri) {
    if (uri == kItunes) return Ns::kItunes;
    if (uri == kDc) return Ns::kDc;
    if (uri == kDcTerms) return Ns::kDcTerms;
    if (uri == kContent) return Ns::kContent;
    if (uri == kWfw) return Ns::kWfw;
    if (uri == kSlash) return Ns::kSlash;
    if (uri == kMedia) return Ns::kMedia;
    if (uri == kPodcast || uri.find("podcastindex.org/namespace") != std::string_view::npos) {
      return Ns::kPodcast;
    }
    return Ns::kOther;
  }
  // The first binding of a prefix wins. A map, not a list: a root with 100,000 declarations
  // once took seconds to read.
  void add(std::string prefix, Ns ns) { prefixes_.emplace(std::move(prefix), ns); }

  std::map<std::string, Ns, std::less<>> prefixes_;
};

// Every child element of an item that Rapport reads, found in one pass.
struct ItemFields {
  pugi::xml_node title, link, guid, author, pub_date, description, enclosure;
  pugi::xml_node dc_creator, dc_date, content_encoded;
  pugi::xml_node dcterms_issued, dcterms_created, dcterms_date, dcterms_modified;
  pugi::xml_node itunes_author, itunes_episode, itunes_season, itunes_duration;
  pugi::xml_node itunes_episode_type, itunes_explicit, itunes_image;
  pugi::xml_node podcast_episode, podcast_season, comment_rss, slash_comments, media_content;
  std::vector<pugi::xml_node> transcripts, people, social;
};

using Slots = std::initializer_list<std::pair<std::string_view, pugi::xml_node ItemFields::*>>;

// Keeps `node` in the slot its local name names, unless that slot is already filled.
void take(ItemFields& f, std::string_view local, const pugi::xml_node& node, Slots slots) {
  for (const auto& [name, slot] : slots) {
    if (local == name) {
      if (!(f.*slot)) f.*slot = node;
      return;
    }
  }
}

ItemFields collect(const pugi::xml_node& item, const Names& names) {
  ItemFields f;
  for (auto c : item.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view local;
    switch (names.classify(c, local)) {
      case Ns::kNone:
        take(f, local, c,
             {{"title", &ItemFields::title},
              {"link", &ItemFields::link},
              {"guid", &ItemFields::guid},
              {"author", &ItemFields::author},
              {"pubDate", &ItemFields::pub_date},
              {"description", &ItemFields::description},
              {"enclosure", &ItemFields::enclosure}});
        break;
      case Ns::kDc:
        take(f, local, c, {{"creator", &ItemFields::dc_creator}, {"date", &ItemFields::dc_date}});
        break;
      case Ns::kDcTerms:
        take(f, local, c,
             {{"issued", &ItemFields::dcterms_issued},
              {"created", &ItemFields::dcterms_created},
              {"date", &ItemFields::dcterms_date},
              {"modified", &ItemFields::dcterms_modified}});
        break;
      case Ns::kContent:
        take(f, local, c, {{"encoded", &ItemFields::content_encoded}});
        break;
      case Ns::kItunes:
        take(f, local, c,
             {{"author", &ItemFields::itunes_author},
              {"episode", &ItemFields::itunes_episode},
              {"season", &ItemFields::itunes_season},
              {"duration", &ItemFields::itunes_duration},
              {"episodeType", &ItemFields::itunes_episode_type},
              {"explicit", &ItemFields::itunes_explicit},
              {"image", &ItemFields::itunes_image}});
        break;
      case Ns::kPodcast:
        if (local == "transcript") {
          f.transcripts.push_back(c);
        } else if (local == "person") {
          f.people.push_back(c);
        } else if (local == "socialInteract") {
          f.social.push_back(c);
        } else {
          take(
              f, local, c,
              {{"episode", &ItemFields::podcast_episode}, {"season", &ItemFields::podcast_season}});
        }
        break;
      case Ns::kWfw:
        take(f, local, c, {{"commentRss", &ItemFields::comment_rss}});
        break;
      case Ns::kSlash:
        take(f, local, c, {{"comments", &ItemFields::slash_comments}});
        break;
      case Ns::kMedia:
        if (local == "content" && !f.media_content && *c.attribute("url").value()) {
          f.media_content = c;
        }
        break;
      case Ns::kOther:
        break;
    }
  }
  return f;
}

// The element's local name without any prefix.
std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// First child element with this local name and no prefix other than `allowed_prefix`.
pugi::xml_node plain_child(const pugi::xml_node& parent, std::string_view local,
                           std::string_view allowed_prefix = {}) {
  for (auto c : parent.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = c.name();
    if (name == local) return c;
    if (!allowed_prefix.empty() && name.size() == allowed_prefix.size() + 1 + local.size() &&
        name.substr(0, allowed_prefix.size()) == allowed_prefix &&
        name[allowed_prefix.size()] == ':' && name.substr(allowed_prefix.size() + 1) == local) {
      return c;
    }
  }
  return {};
}

std::string raw_text(const pugi::xml_node& n) {
  if (!n) return {};
  std::string out;
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return std::string(trim(out));
}

// Whether text whose type nobody declared (an RSS title, a name) is HTML: it closes an element
// ("<b>Bonus:</b>"), or holds one that is always empty ("<br/>", "<img …>"). A title about
// "<blink>" that closes nothing is text, as written.
bool looks_like_markup(std::string_view s) {
  for (size_t lt = s.find('<'); lt != std::string_view::npos; lt = s.find('<', lt + 1)) {
    std::string_view after = s.substr(lt + 1);
    if (after.size() >= 2 && after[0] == '/' && std::isalpha(static_cast<unsigned char>(after[1]))) {
      return true;
    }
    size_t gt = after.substr(0, 256).find('>');  // bounded: "<<<<…" stays linear
    if (gt != std::string_view::npos && gt > 0 && after[gt - 1] == '/' &&
        std::isalpha(static_cast<unsigned char>(after[0]))) {
      return true;
    }
    if (after.size() >= 4 && ascii_lower(after.substr(0, 4)) == "img ") return true;
  }
  return false;
}


// Plain text from a field that may hold escaped HTML or undefined entities. Warnings of the
// HTML reader (a cap reached) go to `warnings` when given.
std::string plain(std::string_view s, std::vector<std::string>* warnings = nullptr) {
  if (looks_like_markup(s)) return collapse_spaces(html_to_text(s, warnings));
  return collapse_spaces(decode_entities(s));
}

std::optional<int> to_int(std::string_view s) {
  s = trim(s);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// True when `ref` starts with a URI scheme ("https:", "mailto:"): nothing to resolve.
bool is_absolute(const std::string& ref) {
  size_t colon = ref.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = ref[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return false;
    }
  }
  return std::isalpha(static_cast<unsigned char>(ref[0]));
}

std::string resolve(const std::string& base, const std::string& ref) {
  if (ref.empty() || base.empty() || is_absolute(ref)) return ref;
  try {
    Poco::URI uri(base);
    uri.resolve(ref);
    return uri.toString();
  } catch (const Poco::Exception&) {
    return ref;
  }
}

std::string xml_base(const pugi::xml_node& n, const std::string& document_url) {
  std::vector<std::string> bases;
  for (pugi::xml_node p = n; p; p = p.parent()) {
    if (auto a = p.attribute("xml:base")) bases.emplace_back(a.value());
  }
  std::string base = document_url;
  for (auto it = bases.rbegin(); it != bases.rend(); ++it) base = resolve(base, *it);
  return base;
}

std::string hash_identity(const FeedItem& item) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(item.title);
  sha.update("\x1f");
  sha.update(item.published_text);
  sha.update("\x1f");
  sha.update(item.enclosure ? item.enclosure->url : std::string());
  return "sha256:" + Poco::DigestEngine::digestToHex(sha.digest());
}

void set_date(FeedItem& item, const std::string& text) {
  if (text.empty() || !item.published_text.empty()) return;
  item.published_text = text;
  item.published = parse_date(text);
}

// The DCMI terms a publisher's tool may date an item with, best first; "modified" only when
// nothing says when it came out.
void set_dublin_core_dates(FeedItem& item, const ItemFields& f) {
  set_date(item, raw_text(f.dcterms_issued));
  set_date(item, raw_text(f.dcterms_created));
  set_date(item, raw_text(f.dcterms_date));
  set_date(item, raw_text(f.dcterms_modified));
}

// Items kept from one document; a feed with more keeps its first ones. Enough for a daily show
// of 27 years, and it bounds the memory a document of empty items can take.
constexpr size_t kMaxItems = 10000;

// Keeps a finished item, unless the document already gave kMaxItems.
void keep_item(FeedItem& item, ParsedFeed& feed) {
  if (feed.items.size() >= kMaxItems) {
    if (!feed.items_capped) {
      feed.items_capped = true;
      feed.warnings.push_back("more than " + std::to_string(kMaxItems) +
                              " items (kMaxItems); the rest were skipped");
    }
    return;
  }
  feed.items.push_back(std::move(item));
}

// A title longer than any a podcast app shows is cut (at a character) and said to be.
constexpr size_t kMaxTitleBytes = 2000;

void finish_item(FeedItem& item, ParsedFeed& feed, size_t index) {
  if (item.title.size() > kMaxTitleBytes) {
    item.title = std::string(utf8_prefix(item.title, kMaxTitleBytes)) + "…";
    feed.warnings.push_back("item " + std::to_string(index + 1) + ": a title longer than " +
                            std::to_string(kMaxTitleBytes) + " bytes (kMaxTitleBytes) was cut");
  }
  if (item.guid.empty()) item.guid = item.link;
  if (item.guid.empty()) item.guid = hash_identity(item);
  if (!item.published_text.empty() && !item.published) {
    feed.warnings.push_back("item " + std::to_string(index + 1) + ": cannot read the date \"" +
                            printable(item.published_text, 80) + "\"; kept as text");
  }
  keep_item(item, feed);
}

// The fields every item kind shares: the podcast, iTunes, comment and media namespaces.
void read_namespaced(const ItemFields& f, FeedItem& item) {
  if (f.itunes_episode) item.episode = to_int(raw_text(f.itunes_episode));
  if (!item.episode && f.podcast_episode) item.episode = to_int(raw_text(f.podcast_episode));
  if (f.itunes_season) item.season = to_int(raw_text(f.itunes_season));
  if (!item.season && f.podcast_season) item.season = to_int(raw_text(f.podcast_season));
  if (f.itunes_duration) item.duration_seconds = parse_duration(raw_text(f.itunes_duration));
  if (f.itunes_episode_type) item.episode_type = ascii_lower(raw_text(f.itunes_episode_type));
  if (f.itunes_explicit) {
    std::string v = ascii_lower(raw_text(f.itunes_explicit));
    if (v == "true" || v == "yes" || v == "explicit") item.explicit_ = true;
    if (v == "false" || v == "no" || v == "clean") item.explicit_ = false;
  }
  if (f.itunes_image) item.image = f.itunes_image.attribute("href").value();
  if (f.comment_rss) item.comments_feed = raw_text(f.comment_rss);
  if (f.slash_comments) item.comment_count = to_int(raw_text(f.slash_comments));
  for (const auto& c : f.transcripts) {
    item.transcripts.push_back({c.attribute("url").value(), c.attribute("type").value()});
  }
  for (const auto& c : f.people) {
    item.people.push_back({plain(raw_text(c)), ascii_lower(c.attribute("role").value())});
  }
  for (const auto& c : f.social) {
    std::string uri = c.attribute("uri").value();
    if (uri.empty()) uri = raw_text(c);
    item.social_interact.push_back({uri, c.attribute("protocol").value()});
  }
  if (!item.enclosure && f.media_content) {
    // media:content stands in for a missing enclosure (YouTube-style and video feeds).
    FeedEnclosure e;
    e.url = f.media_content.attribute("url").value();
    e.type = f.media_content.attribute("type").value();
    if (auto v = to_int(f.media_content.attribute("fileSize").value())) e.length = *v;
    item.enclosure = std::move(e);
  }
}

// RSS <author> is "email (Name)" or just "email"; some feeds put a bare name there.
void read_rss_author(const std::string& text, FeedItem& item) {
  std::string_view t = trim(text);
  if (t.empty()) return;
  size_t paren = t.find('(');
  std::string_view first = trim(t.substr(0, paren));
  if (first.find('@') != std::string_view::npos && first.find(' ') == std::string_view::npos) {
    item.author_email = std::string(first);
    if (paren != std::string_view::npos) {
      size_t close = t.rfind(')');
      if (close != std::string_view::npos && close > paren) {
        item.author = plain(t.substr(paren + 1, close - paren - 1));
      }
    }
  } else {
    item.author = plain(t);
  }
}

// Whether a document's items are read, or only its channel (recovery reads items apart).
enum class Items { kRead, kSkip };

void parse_rss(const pugi::xml_node& rss, const Names& ns, const std::string& url, ParsedFeed& feed,
               Items items) {
  pugi::xml_node channel = plain_child(rss, "channel");
  if (!channel) channel = rss;  // some 0.9x feeds put items straight under <rss>
  feed.title = plain(raw_text(plain_child(channel, "title")), &feed.warnings);
  feed.link = raw_text(plain_child(channel, "link"));
  feed.language = raw_text(plain_child(channel, "language"));
  feed.author = plain(raw_text(ns.child(channel, Ns::kItunes, "author")));
  if (auto img = ns.child(channel, Ns::kItunes, "image")) {
    feed.image = img.attribute("href").value();
  }
  if (feed.image.empty()) feed.image = raw_text(plain_child(plain_child(channel, "image"), "url"));
  feed.podcast_guid = raw_text(ns.child(channel, Ns::kPodcast, "guid"));
  if (auto ttl = to_int(raw_text(plain_child(channel, "ttl"))); ttl && *ttl > 0) {
    feed.ttl_minutes = std::min(*ttl, 7 * 24 * 60);
  }
  if (items == Items::kSkip) return;
  size_t index = 0;
  for (auto n : channel.children()) {
    if (feed.items_capped) break;
    if (n.type() != pugi::node_element || std::string_view(n.name()) != "item") continue;
    FeedItem item;
    ItemFields f = collect(n, ns);
    item.title = plain(raw_text(f.title), &feed.warnings);
    item.link = resolve(url, raw_text(f.link));
    item.guid = raw_text(f.guid);
    if (item.link.empty() && f.guid && !iequals(f.guid.attribute("isPermaLink").value(), "false")) {
      // A guid is a permalink unless it says otherwise (RSS 2.0): the item's link when the
      // item gives none, if it is a web address at all.
      std::string_view g = item.guid;
      if (g.size() > 8 && is_web_url(g)) {
        item.link = item.guid;
      }
    }
    read_rss_author(raw_text(f.author), item);
    if (item.author.empty()) item.author = plain(raw_text(f.dc_creator));
    if (item.author.empty()) item.author = plain(raw_text(f.itunes_author));
    item.content_html = raw_text(f.content_encoded);
    if (item.content_html.empty()) item.content_html = raw_text(f.description);
    set_date(item, raw_text(f.pub_date));
    set_date(item, raw_text(f.dc_date));
    set_dublin_core_dates(item, f);
    if (f.enclosure) {
      FeedEnclosure e;
      e.url = resolve(url, f.enclosure.attribute("url").value());
      e.type = f.enclosure.attribute("type").value();
      if (auto v = to_int(f.enclosure.attribute("length").value())) e.length = *v;
      if (!e.url.empty()) item.enclosure = std::move(e);
    }
    read_namespaced(f, item);
    finish_item(item, feed, index++);
  }
}

void parse_rdf(const pugi::xml_node& rdf, const Names& ns, const std::string& url, ParsedFeed& feed,
               Items items) {
  pugi::xml_node channel = plain_child(rdf, "channel");
  feed.title = plain(raw_text(plain_child(channel, "title")), &feed.warnings);
  feed.link = raw_text(plain_child(channel, "link"));
  feed.language = raw_text(ns.child(channel, Ns::kDc, "language"));
  if (items == Items::kSkip) return;
  size_t index = 0;
  for (auto n : rdf.children()) {
    if (feed.items_capped) break;
    if (n.type() != pugi::node_element || local_name(n) != "item") continue;
    FeedItem item;
    ItemFields f = collect(n, ns);
    item.title = plain(raw_text(f.title), &feed.warnings);
    item.link = resolve(url, raw_text(f.link));
    item.guid = n.attribute("rdf:about").value();
    item.author = plain(raw_text(f.dc_creator));
    set_date(item, raw_text(f.dc_date));
    set_dublin_core_dates(item, f);
    item.content_html = raw_text(f.content_encoded);
    if (item.content_html.empty()) item.content_html = raw_text(f.description);
    read_namespaced(f, item);
    finish_item(item, feed, index++);
  }
}

// The markup inside an XHTML text construct's <div>, written back as HTML for html_to_text:
// elements by their local names (a feed may prefix them, "xhtml:p"), a link's href kept, text
// escaped again. One walk with an explicit climb, so any nesting costs no stack.
std::string xhtml_markup(const pugi::xml_node& div) {
  std::string out;
  auto escaped = [&out](std::string_view t) {
    for (char c : t) {
      if (c == '&') {
        out += "&amp;";
      } else if (c == '<') {
        out += "&lt;";
      } else if (c == '>') {
        out += "&gt;";
      } else {
        out += c;
      }
    }
  };
  auto open = [&](const pugi::xml_node& e) {
    out += '<';
    out += local_name(e);
    if (auto href = e.attribute("href")) {
      out += " href=\"";
      escaped(href.value());
      out += '"';
    }
    out += '>';
  };
  auto close = [&](const pugi::xml_node& e) {
    out += "</";
    out += local_name(e);
    out += '>';
  };
  pugi::xml_node n = div.first_child();
  while (n) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      escaped(n.value());
    } else if (n.type() == pugi::node_element) {
      open(n);
      if (n.first_child()) {
        n = n.first_child();
        continue;
      }
      close(n);
    }
    while (!n.next_sibling()) {
      n = n.parent();
      if (!n || n == div) return out;
      close(n);
    }
    n = n.next_sibling();
  }
  return out;
}

// An Atom text construct (title, subtitle, summary, content) as plain text, by its type:
// "text" (the default) as written; "html" as HTML; "xhtml" the text of its <div>. Atom 0.3's
// mode="base64" is decoded first, and its MIME types ("text/plain", "text/html") read alike.
// A title is one line (`lines` kLine: breaks in its markup are spaces); a body keeps its lines.
enum class Lines { kLine, kKeep };
std::string atom_text(const pugi::xml_node& n, std::vector<std::string>* warnings = nullptr,
                      Lines lines = Lines::kLine) {
  if (!n) return {};
  std::string type = ascii_lower(n.attribute("type").value());
  if (type == "xhtml" || type == "application/xhtml+xml") {
    pugi::xml_node div;
    for (auto c : n.children()) {
      if (c.type() == pugi::node_element) {
        div = c;
        break;
      }
    }
    // Without the <div> the spec asks for, the element's own children are the markup.
    std::string markup = xhtml_markup(div && local_name(div) == "div" ? div : n);
    std::string text = html_to_text(markup, warnings);
    return lines == Lines::kLine ? collapse_spaces(text) : text;
  }
  std::string text = raw_text(n);
  if (ascii_lower(n.attribute("mode").value()) == "base64") {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);  // line breaks inside are skipped
    std::string bytes;
    char buf[4096];
    try {
      while (decoder.read(buf, sizeof buf) || decoder.gcount() > 0) {
        bytes.append(buf, static_cast<size_t>(decoder.gcount()));
      }
    } catch (const Poco::Exception&) {
      if (warnings) warnings->push_back("a base64 text construct is damaged; read up to the damage");
    }
    text = valid_utf8(bytes);
  }
  if (type == "html" || type == "text/html") {
    text = html_to_text(text, warnings);
    return lines == Lines::kLine ? collapse_spaces(text) : text;
  }
  if (lines == Lines::kKeep) return std::string(trim(text));
  // Text, by the spec. Feeds that forget type="html" around markup that closes its elements
  // ("The Hedge &lt;em&gt;Year&lt;/em&gt;") are read as the HTML they are; anything else,
  // "&lt;br&gt;" included, as written.
  return looks_like_markup(text) ? collapse_spaces(html_to_text(text, warnings)) : collapse_spaces(text);
}

std::string atom_link(const pugi::xml_node& parent, const std::string& url) {
  std::string fallback;
  for (auto l : parent.children()) {
    if (l.type() != pugi::node_element || local_name(l) != "link") continue;
    std::string rel = l.attribute("rel").value();
    std::string href = resolve(xml_base(l, url), l.attribute("href").value());
    if (rel.empty() || rel == "alternate") return href;
    if (fallback.empty() && rel != "self" && rel != "enclosure" && rel != "replies") {
      fallback = href;
    }
  }
  return fallback;
}

void parse_atom(const pugi::xml_node& root, const Names& ns, const std::string& url,
                ParsedFeed& feed, Items items) {
  std::string_view prefix;
  std::string_view root_name = root.name();
  if (size_t c = root_name.find(':'); c != std::string_view::npos) prefix = root_name.substr(0, c);
  feed.title = atom_text(plain_child(root, "title", prefix), &feed.warnings);
  feed.link = atom_link(root, url);
  feed.language = root.attribute("xml:lang").value();
  feed.author = plain(raw_text(plain_child(plain_child(root, "author", prefix), "name", prefix)));
  feed.image = raw_text(plain_child(root, "logo", prefix));
  if (feed.image.empty()) feed.image = raw_text(plain_child(root, "icon", prefix));
  if (items == Items::kSkip) return;
  size_t index = 0;
  for (auto n : root.children()) {
    if (feed.items_capped) break;
    if (n.type() != pugi::node_element || local_name(n) != "entry") continue;
    FeedItem item;
    item.title = atom_text(plain_child(n, "title", prefix), &feed.warnings);
    item.link = atom_link(n, url);
    item.guid = raw_text(plain_child(n, "id", prefix));
    pugi::xml_node author = plain_child(n, "author", prefix);
    item.author = plain(raw_text(plain_child(author, "name", prefix)));
    item.author_email = raw_text(plain_child(author, "email", prefix));
    item.author_uri = raw_text(plain_child(author, "uri", prefix));
    pugi::xml_node body = plain_child(n, "content", prefix);
    if (!body) body = plain_child(n, "summary", prefix);
    std::string type = body.attribute("type").value();
    if (type == "xhtml") {
      item.content_html = atom_text(body, nullptr, Lines::kKeep);
      item.content_is_html = false;
    } else {
      item.content_html = raw_text(body);
      item.content_is_html = type == "html" || type == "text/html";
    }
    // When it came out: Atom 1.0's published, Atom 0.3's issued and created, the Dublin Core
    // terms; else when it last changed (updated, 0.3's modified).
    ItemFields f = collect(n, ns);
    set_date(item, raw_text(plain_child(n, "published", prefix)));
    set_date(item, raw_text(plain_child(n, "issued", prefix)));
    set_date(item, raw_text(f.dcterms_issued));
    set_date(item, raw_text(plain_child(n, "created", prefix)));
    set_date(item, raw_text(f.dcterms_created));
    set_date(item, raw_text(f.dc_date));
    set_date(item, raw_text(f.dcterms_date));
    std::string updated = raw_text(plain_child(n, "updated", prefix));
    if (updated.empty()) updated = raw_text(plain_child(n, "modified", prefix));
    if (updated.empty()) updated = raw_text(f.dcterms_modified);
    if (!updated.empty()) item.updated = parse_date(updated);
    set_date(item, updated);
    for (auto l : n.children()) {
      if (local_name(l) == "link" && std::string_view(l.attribute("rel").value()) == "enclosure") {
        FeedEnclosure e;
        e.url = resolve(xml_base(l, url), l.attribute("href").value());
        e.type = l.attribute("type").value();
        if (auto v = to_int(l.attribute("length").value())) e.length = *v;
        item.enclosure = std::move(e);
        break;
      }
    }
    read_namespaced(f, item);
    finish_item(item, feed, index++);
  }
}

// A UTF-16 document: a byte-order mark, or '<' as the first of two bytes.
bool looks_like_utf16(std::string_view b) {
  if (b.size() < 2) return false;
  return b.substr(0, 2) == "\xFF\xFE" || b.substr(0, 2) == "\xFE\xFF" ||
         (b[0] == '<' && b[1] == '\0') || (b[0] == '\0' && b[1] == '<');
}

// Declared encoding from an XML declaration, lower-cased; "" when none.
std::string declared_encoding(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (bytes.substr(0, 5) != "<?xml") return {};
  size_t end = bytes.find("?>");
  if (end == std::string_view::npos) return {};
  std::string decl = ascii_lower(bytes.substr(0, end));
  size_t enc = decl.find("encoding");
  if (enc == std::string::npos) return {};
  size_t q = decl.find_first_of("\"'", enc);
  if (q == std::string::npos) return {};
  size_t q2 = decl.find(decl[q], q + 1);
  if (q2 == std::string::npos) return {};
  return decl.substr(q + 1, q2 - q - 1);
}

// Reads a parsed document into `feed`, with the namespace prefixes `names` when given (else
// those the document declares). Fails with kParse when the root is not a feed.
Status read_document(const pugi::xml_document& doc, const std::string& url, ParsedFeed& feed,
                     const Names* names = nullptr, Items items = Items::kRead) {
  pugi::xml_node root = doc.document_element();
  if (!root) {
    return make_error(ErrorCode::kParse, "not a feed: empty document", url,
                      "check that the URL points at the RSS or Atom feed itself");
  }
  std::optional<Names> own;
  if (!names) names = &own.emplace(root);
  std::string_view name = local_name(root);
  if (name == "rss" || name == "channel") {
    feed.format = "rss";
    parse_rss(root, *names, url, feed, items);
  } else if (name == "RDF") {
    feed.format = "rdf";
    parse_rdf(root, *names, url, feed, items);
  } else if (name == "feed") {
    feed.format = "atom";
    parse_atom(root, *names, xml_base(root, url), feed, items);
  } else {
    return make_error(ErrorCode::kParse,
                      "not a feed: the document is <" + printable(root.name(), 64) + ">", url,
                      "check that the URL points at the RSS or Atom feed itself");
  }
  return {};
}

// `chunk` without HTML inline tags (<b>, </i>, <br/> …): feeds put them, unescaped and
// often unbalanced, inside titles. No feed element has these names.
std::string strip_html_tags(std::string_view chunk) {
  static constexpr std::string_view kTags[] = {
      "a",   "b",     "i",   "u",   "em",  "strong", "span",   "font", "br", "p",
      "div", "small", "big", "sup", "sub", "s",      "strike", "code", "tt", "hr"};
  std::string out;
  out.reserve(chunk.size());
  for (size_t i = 0; i < chunk.size(); ++i) {
    if (chunk[i] == '<') {
      size_t j = i + 1;
      if (j < chunk.size() && chunk[j] == '/') ++j;
      size_t start = j;
      while (j < chunk.size() && std::isalpha(static_cast<unsigned char>(chunk[j]))) ++j;
      std::string name = ascii_lower(chunk.substr(start, j - start));
      bool html = std::find(std::begin(kTags), std::end(kTags), name) != std::end(kTags) &&
                  j < chunk.size() && (chunk[j] == '>' || chunk[j] == ' ' || chunk[j] == '/');
      size_t close = chunk.find('>', j);
      if (html && close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    out += chunk[i];
  }
  return out;
}

// The next "<item" (or the given start) at or after `from` that is a whole tag name, not the
// start of a longer one ("<items>").
size_t find_start_tag(std::string_view bytes, std::string_view start, size_t from) {
  for (size_t pos = bytes.find(start, from); pos != std::string_view::npos;
       pos = bytes.find(start, pos + 1)) {
    size_t after = pos + start.size();
    if (after >= bytes.size()) return pos;
    char c = bytes[after];
    if (c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n') return pos;
  }
  return std::string_view::npos;
}

// Parses each <item> or <entry> of a broken document on its own. Channel fields come from the
// partial tree, whose items are not touched: when items never close, each holds the next, and
// that tree is as deep as there are items. One forward pass over the bytes: the search for an
// item's end resumes where the last one stopped, so items that never close cost linear time.
Status recover_items(std::string_view bytes, pugi::xml_encoding encoding,
                     const pugi::xml_document& partial, const std::string& url, ParsedFeed& feed) {
  pugi::xml_node root = partial.document_element();
  std::string root_name = root.name();
  std::string_view local = local_name(root);
  std::string item_tag = local == "feed" ? "entry" : "item";
  if (size_t c = root_name.find(':'); c != std::string::npos && local == "feed") {
    item_tag = root_name.substr(0, c + 1) + "entry";
  }
  const Names names(root);
  if (auto st = read_document(partial, url, feed, &names, Items::kSkip); !st) return st;

  // Each item is parsed inside a bare root: the prefixes come from `names`, the base from the
  // document, so the root's own start tag (maybe megabytes of declarations) is not repeated.
  const std::string chunk_url = local == "feed" ? xml_base(root, url) : url;
  std::string wrap_open = "<" + root_name + ">" + (local == "rss" ? "<channel>" : "");
  std::string wrap_close = std::string(local == "rss" ? "</channel>" : "") + "</" + root_name + ">";
  const std::string start = "<" + item_tag;
  const std::string end = "</" + item_tag + ">";
  const pugi::xml_encoding chunk_encoding =
      encoding == pugi::encoding_auto ? pugi::encoding_utf8 : encoding;
  size_t pos = find_start_tag(bytes, start, 0);
  size_t close = 0;
  bool close_searched = false;
  int index = 0;
  while (pos != std::string_view::npos && !feed.items_capped) {
    size_t next_start = find_start_tag(bytes, start, pos + start.size());
    if (!close_searched || (close != std::string_view::npos && close < pos)) {
      close = bytes.find(end, pos);
      close_searched = true;
    }
    size_t chunk_end;
    if (close != std::string_view::npos &&
        (next_start == std::string_view::npos || close < next_start)) {
      chunk_end = close + end.size();
    } else {
      chunk_end = next_start == std::string_view::npos ? bytes.size() : next_start;
    }
    ++index;
    std::string_view chunk = bytes.substr(pos, chunk_end - pos);
    std::string doc_text = wrap_open;
    doc_text.append(chunk);
    doc_text += wrap_close;
    pugi::xml_document one;
    pugi::xml_parse_result r =
        one.load_buffer(doc_text.data(), doc_text.size(), pugi::parse_default, chunk_encoding);
    bool repaired = false;
    if (!r) {
      // Unbalanced HTML in a title is the usual culprit; try without it.
      std::string stripped = wrap_open + strip_html_tags(chunk) + wrap_close;
      pugi::xml_document again;
      if (again.load_buffer(stripped.data(), stripped.size(), pugi::parse_default,
                            chunk_encoding)) {
        one.reset(again);
        repaired = true;
      }
    }
    ParsedFeed piece;
    auto read = read_document(one, chunk_url, piece, &names);
    if (read && !piece.items.empty()) {
      if (repaired) {
        feed.warnings.push_back("item " + std::to_string(index) +
                                " has unbalanced HTML tags; read without them");
      } else if (!r) {
        feed.warnings.push_back("item " + std::to_string(index) + " is itself broken (" +
                                r.description() + "); kept what could be read");
      }
      for (auto& w : piece.warnings) feed.warnings.push_back(std::move(w));
      for (auto& item : piece.items) keep_item(item, feed);
    } else {
      feed.warnings.push_back("item " + std::to_string(index) + " could not be read");
    }
    pos = next_start;
  }
  return {};
}

}  // namespace

std::string FeedItem::content_text() const {
  return content_is_html ? html_to_text(content_html) : plain(content_html);
}

std::optional<int> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // In 64 bits, and refused past a week: "2147483647:59:59" once overflowed an int.
  constexpr std::int64_t kMaxSeconds = 7 * 24 * 3600;
  std::int64_t total = 0;
  int parts = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t colon = text.find(':', start);
    std::string_view part = text.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (size_t dot = part.find('.'); dot != std::string_view::npos) part = part.substr(0, dot);
    auto v = to_int(part);
    if (!v || *v < 0) return std::nullopt;
    total = total * 60 + *v;
    if (++parts > 3 || total > kMaxSeconds) return std::nullopt;
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return static_cast<int>(total);
}

namespace {

// The most elements a document may have. The tree takes about 130 bytes an element: a document
// of nothing but "<b>" took 751 MB at 16 MB. A 3,000-episode feed has about 100,000.
constexpr size_t kMaxElements = 500'000;

// The start tags of a document, not counting those inside CDATA sections and comments (HTML
// in content:encoded is text, not elements). Stops counting past `limit`.
size_t count_elements(std::string_view b, size_t limit) {
  size_t count = 0;
  for (size_t i = b.find('<'); i != std::string_view::npos && count <= limit; i = b.find('<', i)) {
    if (b.compare(i, 9, "<![CDATA[") == 0) {
      size_t end = b.find("]]>", i + 9);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    if (b.compare(i, 4, "<!--") == 0) {
      size_t end = b.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    ++i;
    if (i < b.size() &&
        (std::isalpha(static_cast<unsigned char>(b[i])) || b[i] == '_' || b[i] == ':'))
      ++count;
  }
  return count;
}

// A document of 10,000 broken items would say so 10,000 times: the first warnings are kept
// and the rest counted.
constexpr size_t kMaxWarnings = 50;

// Makes `s` valid UTF-8; true when it was not. pugixml writes a character reference to a
// surrogate (&#xD800;) as bytes that are not UTF-8, so the promise is kept here, for every field.
bool repair(std::string& s) {
  if (is_valid_utf8(s)) return false;
  s = valid_utf8(s);
  return true;
}

void repair_all(ParsedFeed& feed) {
  bool broken = false;
  for (std::string* f :
       {&feed.title, &feed.link, &feed.language, &feed.author, &feed.image, &feed.podcast_guid}) {
    broken |= repair(*f);
  }
  for (FeedItem& i : feed.items) {
    for (std::string* f :
         {&i.guid, &i.title, &i.link, &i.author, &i.author_email, &i.author_uri, &i.content_html,
          &i.published_text, &i.episode_type, &i.image, &i.comments_feed}) {
      broken |= repair(*f);
    }
    std::vector<std::string*> more;
    if (i.enclosure) more = {&i.enclosure->url, &i.enclosure->type};
    for (auto& l : i.transcripts) more.insert(more.end(), {&l.url, &l.type});
    for (auto& l : i.social_interact) more.insert(more.end(), {&l.url, &l.type});
    for (auto& p : i.people) more.insert(more.end(), {&p.name, &p.role});
    for (std::string* f : more) broken |= repair(*f);
  }
  if (broken) feed.warnings.push_back("text that is not valid UTF-8 was replaced");
}

ParsedFeed summarise(ParsedFeed feed) {
  repair_all(feed);
  for (auto& w : feed.warnings) repair(w);
  if (feed.warnings.size() <= kMaxWarnings) return feed;
  // A cap reached is always said (its warning names the cap, "(kMax…)"); of the others, the
  // first are kept.
  std::vector<std::string> caps;
  std::vector<std::string> kept;
  size_t dropped = 0;
  for (auto& w : feed.warnings) {
    if (w.find("(kMax") != std::string::npos) {
      caps.push_back(std::move(w));
    } else if (kept.size() + 1 < kMaxWarnings) {
      kept.push_back(std::move(w));
    } else {
      ++dropped;
    }
  }
  if (dropped) kept.push_back("and " + std::to_string(dropped) + " more warnings (kMaxWarnings)");
  for (auto& c : caps) kept.push_back(std::move(c));
  feed.warnings = std::move(kept);
  return feed;
}

Result<ParsedFeed> parse_document(std::string_view bytes, std::string_view url_view);

}  // namespace

Result<ParsedFeed> parse_feed(std::string_view bytes, std::string_view url) {
  auto feed = parse_document(bytes, url);
  if (!feed) return feed.error();
  return summarise(std::move(*feed));
}

namespace {

Result<ParsedFeed> parse_document(std::string_view bytes, std::string_view url_view) {
  std::string url(url_view);
  ParsedFeed feed;
  std::string converted;
  pugi::xml_encoding encoding = pugi::encoding_auto;
  std::string declared = declared_encoding(bytes);
  if (!declared.empty() && declared != "utf-8" && declared != "utf8" &&
      declared.rfind("utf-16", 0) != 0) {
    if (is_valid_utf8(bytes)) {
      // Bytes that are valid UTF-8 with non-ASCII in them were almost surely written as
      // UTF-8, whatever the declaration says.
      bool non_ascii = false;
      for (unsigned char c : bytes) non_ascii |= c >= 0x80;
      if (non_ascii) {
        feed.warnings.push_back("declared encoding " + declared + " but the bytes are UTF-8");
        encoding = pugi::encoding_utf8;
      }
    }
    if (encoding == pugi::encoding_auto) {
      if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
      Converted c = to_utf8(bytes, declared);
      if (c.unknown)
        feed.warnings.push_back("unknown encoding " + declared + "; read as windows-1252");
      converted = std::move(c.text);
      bytes = converted;
      encoding = pugi::encoding_utf8;
    }
  }
  if (encoding == pugi::encoding_auto && looks_like_utf16(bytes)) {
    // UTF-16 is converted here, not by pugixml, which turns a lone surrogate into bytes that
    // are not UTF-8: iconv replaces what cannot be read, and says so.
    bool big_endian = bytes.substr(0, 2) == "\xFE\xFF" || bytes[0] == '\0';
    bool bom = bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF";
    Converted c = to_utf8(bom ? bytes.substr(2) : bytes, big_endian ? "utf-16be" : "utf-16le");
    if (c.lossy) feed.warnings.push_back("bytes that are not valid UTF-16 were replaced");
    converted = std::move(c.text);
    bytes = converted;
    encoding = pugi::encoding_utf8;
  }
  if (encoding == pugi::encoding_auto && !is_valid_utf8(bytes)) {
    // Read as UTF-8 (declared so, or undeclared), but not valid UTF-8. Most often a legacy
    // encoding nobody declared (EUC-JP, Shift_JIS, GB2312, EUC-KR, KOI8-R, windows-1251…):
    // read in the charset the bytes show, when they read in it without a loss. Otherwise the
    // broken bytes are replaced, so none reaches the database or the digest.
    if (std::optional<Detected> d = read_undeclared(bytes)) {
      feed.warnings.push_back(std::string(declared.empty() ? "no encoding declared"
                                                           : "declared " + declared +
                                                                 " but the bytes are not") +
                              "; read as " + d->charset + ", which the bytes show");
      converted = std::move(d->text);
    } else {
      converted = valid_utf8(bytes);
      feed.warnings.push_back("bytes that are not valid UTF-8 were replaced");
    }
    bytes = converted;
    encoding = pugi::encoding_utf8;
  }
  if (count_elements(bytes, kMaxElements) > kMaxElements) {
    return make_error(ErrorCode::kParse,
                      "more than " + std::to_string(kMaxElements) +
                          " elements (kMaxElements): larger than any feed a podcast app reads",
                      url, "check that the URL points at the feed itself");
  }
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(
      bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_declaration, encoding);
  if (!parsed) {
    feed.warnings.push_back(std::string("ill-formed XML at byte ") + std::to_string(parsed.offset) +
                            ": " + parsed.description() + "; items were recovered one by one");
    if (!doc.document_element()) {
      return make_error(ErrorCode::kParse, std::string("not a feed: ") + parsed.description(), url,
                        "check that the URL points at the RSS or Atom feed itself");
    }
    if (auto st = recover_items(bytes, encoding, doc, url, feed); !st) return st.error();
    return feed;
  }
  if (auto st = read_document(doc, url, feed); !st) return st.error();
  return feed;
}

}  // namespace
}  // namespace rapport::ingest
