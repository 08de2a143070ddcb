#include "ingest/feed_parser.h"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA2Engine.h>
#include <Poco/URI.h>

#include <charconv>
#include <pugixml.hpp>

#include "ingest/charset.h"
#include "ingest/date_parse.h"
#include "ingest/html_text.h"
#include "store/text.h"

namespace rapport::ingest {
namespace {

constexpr std::string_view kItunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
constexpr std::string_view kDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kWfw = "http://wellformedweb.org/CommentAPI/";
constexpr std::string_view kPodcast = "https://podcastindex.org/namespace/1.0";

// Element names are matched by namespace: a feed may bind any prefix to a namespace, so
// the prefixes declared on the root are looked up, with the conventional one as fallback.
class Names {
 public:
  explicit Names(const pugi::xml_node& root) {
    for (pugi::xml_node n = root; n; n = n.first_child()) {
      for (auto a : n.attributes()) {
        std::string_view name = a.name();
        if (name.rfind("xmlns:", 0) == 0) {
          decls_.emplace_back(std::string(a.value()), std::string(name.substr(6)));
        }
      }
      if (n.type() != pugi::node_element) break;
    }
  }

  // Does element `node` have local name `local` in namespace `uri`?
  bool is(const pugi::xml_node& node, std::string_view uri, std::string_view conventional,
          std::string_view local) const {
    std::string_view name = node.name();
    size_t colon = name.find(':');
    if (colon == std::string_view::npos) return false;
    if (name.substr(colon + 1) != local) return false;
    std::string_view prefix = name.substr(0, colon);
    for (const auto& [u, p] : decls_) {
      if (p == prefix)
        return u == uri || (uri == kPodcast && u.find("podcastindex") != std::string::npos);
    }
    return prefix == conventional;
  }

  pugi::xml_node child(const pugi::xml_node& parent, std::string_view uri,
                       std::string_view conventional, std::string_view local) const {
    for (auto c : parent.children()) {
      if (c.type() == pugi::node_element && is(c, uri, conventional, local)) return c;
    }
    return {};
  }

 private:
  std::vector<std::pair<std::string, std::string>> decls_;  // (uri, prefix)
};

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

// Plain text from a field that may hold escaped HTML or undefined entities.
std::string plain(std::string_view s) {
  if (s.find('<') != std::string_view::npos) return html_to_text(s);
  std::string decoded = decode_entities(s);
  std::string out;
  bool space = false;
  for (char c : decoded) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::optional<int> to_int(std::string_view s) {
  s = trim(s);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string resolve(const std::string& base, const std::string& ref) {
  if (ref.empty() || base.empty()) return ref;
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

void finish_item(FeedItem& item, ParsedFeed& feed, size_t index) {
  if (item.guid.empty()) item.guid = item.link;
  if (item.guid.empty()) item.guid = hash_identity(item);
  if (!item.published_text.empty() && !item.published) {
    feed.warnings.push_back("item " + std::to_string(index + 1) + ": cannot read the date \"" +
                            item.published_text + "\"; kept as text");
  }
  feed.items.push_back(std::move(item));
}

void read_podcast_fields(const pugi::xml_node& n, const Names& ns, FeedItem& item) {
  if (auto e = ns.child(n, kItunes, "itunes", "episode")) item.episode = to_int(raw_text(e));
  if (!item.episode) {
    if (auto e = ns.child(n, kPodcast, "podcast", "episode")) item.episode = to_int(raw_text(e));
  }
  if (auto s = ns.child(n, kItunes, "itunes", "season")) item.season = to_int(raw_text(s));
  if (!item.season) {
    if (auto s = ns.child(n, kPodcast, "podcast", "season")) item.season = to_int(raw_text(s));
  }
  if (auto d = ns.child(n, kItunes, "itunes", "duration")) {
    item.duration_seconds = parse_duration(raw_text(d));
  }
  if (auto c = ns.child(n, kWfw, "wfw", "commentRss")) item.comments_feed = raw_text(c);
}

void parse_rss(const pugi::xml_node& rss, const Names& ns, const std::string& url,
               ParsedFeed& feed) {
  pugi::xml_node channel = plain_child(rss, "channel");
  if (!channel) channel = rss;  // some 0.9x feeds put items straight under <rss>
  feed.title = plain(raw_text(plain_child(channel, "title")));
  feed.link = raw_text(plain_child(channel, "link"));
  feed.language = raw_text(plain_child(channel, "language"));
  feed.author = plain(raw_text(ns.child(channel, kItunes, "itunes", "author")));
  if (auto img = ns.child(channel, kItunes, "itunes", "image")) {
    feed.image = img.attribute("href").value();
  }
  if (feed.image.empty()) feed.image = raw_text(plain_child(plain_child(channel, "image"), "url"));
  size_t index = 0;
  for (auto n : channel.children()) {
    if (n.type() != pugi::node_element || std::string_view(n.name()) != "item") continue;
    FeedItem item;
    item.title = plain(raw_text(plain_child(n, "title")));
    item.link = resolve(url, raw_text(plain_child(n, "link")));
    item.guid = raw_text(plain_child(n, "guid"));
    item.author = plain(raw_text(plain_child(n, "author")));
    if (item.author.empty()) item.author = plain(raw_text(ns.child(n, kDc, "dc", "creator")));
    if (item.author.empty())
      item.author = plain(raw_text(ns.child(n, kItunes, "itunes", "author")));
    set_date(item, raw_text(plain_child(n, "pubDate")));
    set_date(item, raw_text(ns.child(n, kDc, "dc", "date")));
    if (auto enc = plain_child(n, "enclosure")) {
      FeedEnclosure e;
      e.url = resolve(url, enc.attribute("url").value());
      e.type = enc.attribute("type").value();
      std::string length = enc.attribute("length").value();
      if (auto v = to_int(length)) e.length = *v;
      if (!e.url.empty()) item.enclosure = std::move(e);
    }
    read_podcast_fields(n, ns, item);
    finish_item(item, feed, index++);
  }
}

void parse_rdf(const pugi::xml_node& rdf, const Names& ns, const std::string& url,
               ParsedFeed& feed) {
  pugi::xml_node channel = plain_child(rdf, "channel");
  feed.title = plain(raw_text(plain_child(channel, "title")));
  feed.link = raw_text(plain_child(channel, "link"));
  feed.language = raw_text(ns.child(channel, kDc, "dc", "language"));
  size_t index = 0;
  for (auto n : rdf.children()) {
    if (n.type() != pugi::node_element || local_name(n) != "item") continue;
    FeedItem item;
    item.title = plain(raw_text(plain_child(n, "title")));
    item.link = resolve(url, raw_text(plain_child(n, "link")));
    item.guid = n.attribute("rdf:about").value();
    item.author = plain(raw_text(ns.child(n, kDc, "dc", "creator")));
    set_date(item, raw_text(ns.child(n, kDc, "dc", "date")));
    read_podcast_fields(n, ns, item);
    finish_item(item, feed, index++);
  }
}

std::string atom_text(const pugi::xml_node& n) {
  if (!n) return {};
  std::string type = n.attribute("type").value();
  if (type == "xhtml") {
    struct Collect : pugi::xml_tree_walker {
      std::string text;
      bool for_each(pugi::xml_node& node) override {
        if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
          text += node.value();
          text += ' ';
        }
        return true;
      }
    } walker;
    pugi::xml_node copy = n;
    copy.traverse(walker);
    return plain(walker.text);
  }
  if (type == "html" || type == "text/html") return html_to_text(raw_text(n));
  return plain(raw_text(n));
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
                ParsedFeed& feed) {
  std::string_view prefix;
  std::string_view root_name = root.name();
  if (size_t c = root_name.find(':'); c != std::string_view::npos) prefix = root_name.substr(0, c);
  feed.title = atom_text(plain_child(root, "title", prefix));
  feed.link = atom_link(root, url);
  feed.language = root.attribute("xml:lang").value();
  feed.author = plain(raw_text(plain_child(plain_child(root, "author", prefix), "name", prefix)));
  feed.image = raw_text(plain_child(root, "logo", prefix));
  if (feed.image.empty()) feed.image = raw_text(plain_child(root, "icon", prefix));
  size_t index = 0;
  for (auto n : root.children()) {
    if (n.type() != pugi::node_element || local_name(n) != "entry") continue;
    FeedItem item;
    item.title = atom_text(plain_child(n, "title", prefix));
    item.link = atom_link(n, url);
    item.guid = raw_text(plain_child(n, "id", prefix));
    item.author = plain(raw_text(plain_child(plain_child(n, "author", prefix), "name", prefix)));
    set_date(item, raw_text(plain_child(n, "published", prefix)));
    std::string updated = raw_text(plain_child(n, "updated", prefix));
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
    read_podcast_fields(n, ns, item);
    finish_item(item, feed, index++);
  }
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

}  // namespace

std::optional<int> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  int total = 0;
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
    if (++parts > 3) return std::nullopt;
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return total;
}

Result<ParsedFeed> parse_feed(std::string_view bytes, std::string_view url_view) {
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
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(
      bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_declaration, encoding);
  if (!parsed) {
    feed.warnings.push_back(std::string("ill-formed XML at byte ") + std::to_string(parsed.offset) +
                            ": " + parsed.description() + "; read what came before it");
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    return make_error(
        ErrorCode::kParse,
        std::string("not a feed: ") + (parsed ? "empty document" : parsed.description()), url,
        "check that the URL points at the RSS or Atom feed itself");
  }
  Names ns(root);
  std::string_view name = local_name(root);
  if (name == "rss" || name == "channel") {
    feed.format = "rss";
    parse_rss(root, ns, url, feed);
  } else if (name == "RDF") {
    feed.format = "rdf";
    parse_rdf(root, ns, url, feed);
  } else if (name == "feed") {
    feed.format = "atom";
    parse_atom(root, ns, xml_base(root, url), feed);
  } else {
    return make_error(ErrorCode::kParse,
                      "not a feed: the document is <" + std::string(root.name()) + ">", url,
                      "check that the URL points at the RSS or Atom feed itself");
  }
  return feed;
}

}  // namespace rapport::ingest
