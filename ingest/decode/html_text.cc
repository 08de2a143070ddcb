#include "ingest/decode/html_text.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/text.h"

namespace rapport::ingest {
namespace {

// The named references that real mail and feeds use; sorted by name for binary search.
constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
    {"AElig", "Æ"},  {"Aacute", "Á"},     {"Acirc", "Â"},       {"Agrave", "À"}, {"Aring", "Å"},
    {"Atilde", "Ã"}, {"Auml", "Ä"},       {"Ccedil", "Ç"},      {"Eacute", "É"}, {"Ecirc", "Ê"},
    {"Egrave", "È"}, {"Euml", "Ë"},       {"Iacute", "Í"},      {"Icirc", "Î"},  {"Iuml", "Ï"},
    {"Ntilde", "Ñ"}, {"Oacute", "Ó"},     {"Ocirc", "Ô"},       {"Ograve", "Ò"}, {"Oslash", "Ø"},
    {"Otilde", "Õ"}, {"Ouml", "Ö"},       {"Uacute", "Ú"},      {"Ucirc", "Û"},  {"Ugrave", "Ù"},
    {"Uuml", "Ü"},   {"Yacute", "Ý"},     {"aacute", "á"},      {"acirc", "â"},  {"acute", "´"},
    {"aelig", "æ"},  {"agrave", "à"},     {"amp", "&"},         {"apos", "'"},   {"aring", "å"},
    {"atilde", "ã"}, {"auml", "ä"},       {"bdquo", "„"},       {"brvbar", "¦"}, {"bull", "•"},
    {"ccedil", "ç"}, {"cedil", "¸"},      {"cent", "¢"},        {"copy", "©"},   {"curren", "¤"},
    {"dagger", "†"}, {"deg", "°"},        {"divide", "÷"},      {"eacute", "é"}, {"ecirc", "ê"},
    {"egrave", "è"}, {"euml", "ë"},       {"euro", "€"},        {"frac12", "½"}, {"frac14", "¼"},
    {"frac34", "¾"}, {"gt", ">"},         {"hellip", "…"},      {"iacute", "í"}, {"icirc", "î"},
    {"iexcl", "¡"},  {"igrave", "ì"},     {"iquest", "¿"},      {"iuml", "ï"},   {"laquo", "«"},
    {"ldquo", "“"},  {"lsaquo", "‹"},     {"lsquo", "‘"},       {"lt", "<"},     {"mdash", "—"},
    {"micro", "µ"},  {"middot", "·"},     {"nbsp", "\xC2\xA0"}, {"ndash", "–"},  {"not", "¬"},
    {"ntilde", "ñ"}, {"oacute", "ó"},     {"ocirc", "ô"},       {"oelig", "œ"},  {"ograve", "ò"},
    {"ordf", "ª"},   {"ordm", "º"},       {"oslash", "ø"},      {"otilde", "õ"}, {"ouml", "ö"},
    {"para", "¶"},   {"plusmn", "±"},     {"pound", "£"},       {"quot", "\""},  {"raquo", "»"},
    {"rdquo", "”"},  {"reg", "®"},        {"rsaquo", "›"},      {"rsquo", "’"},  {"sbquo", "‚"},
    {"sect", "§"},   {"shy", "\xC2\xAD"}, {"szlig", "ß"},       {"thorn", "þ"},  {"times", "×"},
    {"trade", "™"},  {"uacute", "ú"},     {"ucirc", "û"},       {"ugrave", "ù"}, {"uuml", "ü"},
};
static_assert(std::is_sorted(std::begin(kEntities), std::end(kEntities)),
              "named_entity() binary-searches this table");

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one reference starting at s[i] == '&'. On success appends it and returns the
// number of bytes consumed; otherwise returns 0.
size_t decode_one(std::string_view s, size_t i, std::string& out) {
  // A reference is at most 12 bytes long: look no further, or a text of many '&' without a
  // ';' costs quadratic time.
  size_t semi = s.substr(i + 1, 12).find(';');
  if (semi == std::string_view::npos) return 0;
  semi += i + 1;
  std::string_view body = s.substr(i + 1, semi - i - 1);
  if (body.empty()) return 0;
  if (body[0] == '#') {
    std::uint32_t cp = 0;
    bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return 0;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (cp > 0x10FFFF) cp = 0x110000;
    }
    // Windows-1252 code points in numeric references, as browsers read them.
    if (cp >= 0x80 && cp <= 0x9F) {
      static const std::uint32_t k1252[32] = {
          0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
          0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
          0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
      cp = k1252[cp - 0x80];
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  std::string_view named = named_entity(body);
  if (named.empty()) return 0;
  out += named;
  return semi - i + 1;
}

bool is_block(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article", "aside", "blockquote", "center", "dd",    "div", "dl",      "dt",
      "footer",  "form",    "h1",    "h2",         "h3",     "h4",    "h5",  "h6",      "header",
      "hr",      "li",      "main",  "nav",        "ol",     "p",     "pre", "section", "table",
      "tbody",   "td",      "tfoot", "th",         "thead",  "title", "tr",  "ul",      "br"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), tag) != std::end(kBlocks);
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'; }

// Builds text line by line, folding whitespace the way a browser does, with "> " before each
// line written at blockquote depth > 0. The prefix stops growing at kMaxQuotePrefix levels:
// every line carries it, so 20,000 nested quotes would otherwise cost gigabytes.
class TextBuilder {
 public:
  explicit TextBuilder(std::vector<std::string>* warnings) : warnings_(warnings) {}

  void text(std::string_view s) {
    // A no-break space is a space here: runs of &nbsp; are how mail programs write blank
    // lines and indents.
    auto nbsp = [&](size_t at) {
      return at + 1 < s.size() && s[at] == '\xC2' && s[at + 1] == '\xA0';
    };
    size_t i = 0;
    while (i < s.size()) {
      if (is_space(s[i]) || nbsp(i)) {
        pending_space_ = !line_.empty();
        if (nbsp(i)) spaced_ = true;
        i += nbsp(i) ? 2 : 1;
        continue;
      }
      size_t end = i;
      while (end < s.size() && !is_space(s[end]) && !nbsp(end)) ++end;
      if (pending_space_) line_ += ' ';
      pending_space_ = false;
      line_.append(s.substr(i, end - i));
      has_text_ = true;
      i = end;
    }
  }
  void preformatted(std::string_view s) {
    for (char c : s) {
      if (c == '\n') {
        end_line(true);
      } else if (c != '\r') {
        line_ += c;
        has_text_ |= !is_space(c);
      }
    }
  }
  // Ends the current line; a blank line is kept only once in a row.
  void end_line(bool force = false) {
    if (!has_text_ && !force) {
      if (!out_.empty() && !last_blank_) {
        append_prefix();
        out_ += '\n';
        last_blank_ = true;
      }
    } else {
      append_prefix();
      out_ += line_;
      out_ += '\n';
      last_blank_ = !has_text_;
    }
    line_.clear();
    has_text_ = false;
    pending_space_ = false;
    spaced_ = false;
  }
  void block() {
    if (has_text_) {
      end_line();
    } else if (spaced_) {
      end_line(true);  // <div>&nbsp;</div>: the blank line mail programs write
    }
    spaced_ = false;
  }
  void paragraph() {
    block();
    end_line();
  }
  void enter_quote() {
    ++quote_depth_;
    if (quote_depth_ > kMaxQuotePrefix && !warned_depth_) {
      warned_depth_ = true;
      if (warnings_) {
        warnings_->push_back("quotes nested deeper than " + std::to_string(kMaxQuotePrefix) +
                             " levels (kMaxQuotePrefix); deeper ones are marked as that level");
      }
    }
  }
  void leave_quote() { quote_depth_ = std::max(0, quote_depth_ - 1); }
  // Everything from here on is quoted, whatever closes later.
  void quote_rest() { base_depth_ = 1; }

  std::string finish() {
    block();
    std::string s = std::move(out_);
    // Trailing blank lines go, with quote prefixes left with nothing after them ("> > "); a
    // '>' that ends the text ("a &gt;") is text.
    while (true) {
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      size_t nl = s.rfind('\n');
      size_t start = nl == std::string::npos ? 0 : nl + 1;
      if (start == s.size() || s.find_first_not_of("> ", start) != std::string::npos) break;
      s.resize(start);
    }
    return std::string(trim(s));
  }

 private:
  static constexpr int kMaxQuotePrefix = 16;
  void append_prefix() {
    for (int i = 0, n = std::min(quote_depth_ + base_depth_, kMaxQuotePrefix); i < n; ++i) {
      out_ += "> ";
    }
  }
  std::vector<std::string>* warnings_;
  std::string out_;
  std::string line_;
  bool has_text_ = false;  // line_ holds something other than whitespace
  bool pending_space_ = false;
  bool spaced_ = false;  // the line so far holds only no-break spaces
  bool last_blank_ = false;
  int quote_depth_ = 0;
  int base_depth_ = 0;
  bool warned_depth_ = false;
};

}  // namespace

std::string_view named_entity(std::string_view name) {
  auto it = std::lower_bound(std::begin(kEntities), std::end(kEntities), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it != std::end(kEntities) && it->first == name) return it->second;
  return {};
}

namespace {

// The href of an <a> tag's attributes when it is a web or mail address (never javascript:,
// data: or the like), entities decoded; "" otherwise.
std::string link_target(std::string_view attrs, const std::string& lower) {
  size_t at = lower.find("href=");
  while (at != std::string::npos && at > 0 && !is_space(lower[at - 1])) {
    at = lower.find("href=", at + 5);  // "data-href=" is not the link
  }
  if (at == std::string::npos) return "";
  size_t v = at + 5;
  std::string_view value;
  if (v < attrs.size() && (attrs[v] == '"' || attrs[v] == '\'')) {
    size_t end = attrs.find(attrs[v], v + 1);
    if (end == std::string_view::npos) return "";
    value = attrs.substr(v + 1, end - v - 1);
  } else {
    size_t end = v;
    while (end < attrs.size() && !is_space(attrs[end]) && attrs[end] != '>') ++end;
    value = attrs.substr(v, end - v);
  }
  std::string href(trim(decode_entities(value)));
  if (href.size() > 2000) return "";
  if (is_web_url(href) || istarts_with(href, "mailto:")) {
    for (char c : href) {
      if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == '<' || c == '>') return "";
    }
    return href;
  }
  return "";
}

// A link's text and target name the same place ("example.org/a" for "https://example.org/a/",
// "ana@x" for "mailto:ana@x"): the target adds nothing.
bool same_place(std::string_view text, std::string_view href) {
  auto bare = [](std::string_view s) {
    std::string out = ascii_lower(trim(s));
    for (const char* p : {"mailto:", "https://", "http://", "www."}) {
      if (out.rfind(p, 0) == 0) out.erase(0, std::string_view(p).size());
    }
    if (size_t q = out.find('?'); q != std::string::npos && out.rfind("@") < q) out.resize(q);
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out;
  };
  return bare(text) == bare(href);
}

}  // namespace

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    size_t n = decode_one(s, amp, out);
    if (n) {
      i = amp + n;
    } else {
      out += '&';
      i = amp + 1;
    }
  }
  return out;
}

std::string html_to_text(std::string_view html, std::vector<std::string>* warnings) {
  TextBuilder tb(warnings);
  std::string pending;  // raw text between tags, decoded on flush
  int pre = 0;
  std::vector<bool> quote_stack;  // per open <div>: did it open a quote?
  // A signature (Gmail's gmail_signature, Thunderbird's moz-signature, Outlook's Signature)
  // is not the person's words: its element is skipped whole. `skip_tag` counts its nesting.
  std::string skip_tag;
  int skip_depth = 0;
  bool rest_quoted = false;  // an Outlook reply's header seen: what follows is the original
  // A link whose target is not its text keeps the target: "playlist <https://…>".
  std::string anchor_href;  // of the open <a>, when it is a web or mail address
  std::string anchor_text;  // its text so far (bounded)
  auto flush = [&]() {
    if (pending.empty()) return;
    std::string decoded = decode_entities(pending);
    if (!anchor_href.empty() && anchor_text.size() < 4096) anchor_text += decoded;
    if (pre > 0) {
      tb.preformatted(decoded);
    } else {
      tb.text(decoded);
    }
    pending.clear();
  };

  size_t i = 0;
  const size_t n = html.size();
  while (i < n) {
    char c = html[i];
    if (c != '<') {
      size_t lt = html.find('<', i);
      if (lt == std::string_view::npos) lt = n;
      pending.append(html.substr(i, lt - i));
      i = lt;
      continue;
    }
    // Comments and declarations.
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? n : end + 3;
      continue;
    }
    if (i + 1 < n && (html[i + 1] == '!' || html[i + 1] == '?')) {
      size_t end = html.find('>', i);
      i = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    size_t j = i + 1;
    bool closing = j < n && html[j] == '/';
    if (closing) ++j;
    size_t name_start = j;
    while (j < n && (std::isalnum(static_cast<unsigned char>(html[j])) || html[j] == ':')) ++j;
    if (j == name_start) {  // a lone '<' in text
      pending += c;
      ++i;
      continue;
    }
    std::string tag = ascii_lower(html.substr(name_start, j - name_start));
    // Find the end of the tag, skipping quoted attribute values.
    char quote = 0;
    size_t k = j;
    for (; k < n; ++k) {
      if (quote) {
        if (html[k] == quote) quote = 0;
      } else if (html[k] == '"' || html[k] == '\'') {
        quote = html[k];
      } else if (html[k] == '>') {
        break;
      }
    }
    std::string_view attrs = html.substr(j, (k < n ? k : n) - j);
    i = k < n ? k + 1 : n;
    if (!skip_tag.empty()) {
      // Inside a signature: its text is dropped, its nesting counted.
      pending.clear();
      if (tag == skip_tag) skip_depth += closing ? -1 : 1;
      if (skip_depth <= 0) skip_tag.clear();
      continue;
    }
    flush();

    if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title")) {
      // Skip to the matching close tag; contents are not text.
      std::string close = "</" + tag;
      size_t pos = i;
      while (true) {
        pos = html.find("</", pos);
        if (pos == std::string_view::npos) {
          i = n;
          break;
        }
        if (istarts_with(html.substr(pos), close)) {
          size_t end = html.find('>', pos);
          i = end == std::string_view::npos ? n : end + 1;
          break;
        }
        pos += 2;
      }
      continue;
    }
    const bool marked = tag == "div" || tag == "img" || tag == "pre" || tag == "span" ||
                        tag == "hr" || tag == "p" || tag == "table" || tag == "a";
    std::string lower_attrs = marked ? ascii_lower(attrs) : std::string();
    if (!closing && (tag == "div" || tag == "pre" || tag == "span" || tag == "p" ||
                     tag == "table") &&
        (lower_attrs.find("gmail_signature") != std::string::npos ||
         lower_attrs.find("moz-signature") != std::string::npos ||
         lower_attrs.find("id=\"signature\"") != std::string::npos ||
         lower_attrs.find("id=signature") != std::string::npos ||
         lower_attrs.find("class=\"signature\"") != std::string::npos)) {
      tb.block();
      skip_tag = tag;
      skip_depth = 1;
      continue;
    }
    // Outlook writes the original below its reply without quoting it: after the header
    // container (divRplyFwdMsg, the bordered div of the desktop program, Outlook.com's
    // stopSpelling rule, the mobile apps' reference container) everything is the quote.
    if (!closing && !rest_quoted &&
        ((tag == "div" && (lower_attrs.find("divrplyfwdmsg") != std::string::npos ||
                           lower_attrs.find("appendonsend") != std::string::npos ||
                           lower_attrs.find("mail-editor-reference-message-container") !=
                               std::string::npos ||
                           lower_attrs.find("outlookmessageheader") != std::string::npos ||
                           (lower_attrs.find("border:none") != std::string::npos &&
                            lower_attrs.find("border-top:solid") != std::string::npos))) ||
         (tag == "hr" && lower_attrs.find("stopspelling") != std::string::npos))) {
      tb.block();
      tb.quote_rest();
      rest_quoted = true;
    }
    bool quote_div = tag == "div" && (lower_attrs.find("gmail_quote") != std::string::npos ||
                                      lower_attrs.find("yahoo_quoted") != std::string::npos ||
                                      lower_attrs.find("moz-cite-prefix") != std::string::npos);
    if (tag == "a") {
      if (!closing) {
        anchor_href = link_target(attrs, lower_attrs);
        anchor_text.clear();
      } else if (!anchor_href.empty()) {
        if (!trim(anchor_text).empty() && !same_place(anchor_text, anchor_href)) {
          tb.text(" <" + anchor_href + ">");
        }
        anchor_href.clear();
      }
    } else if (tag == "br") {
      tb.end_line(true);
    } else if (tag == "blockquote") {
      tb.block();
      if (closing) {
        tb.leave_quote();
      } else {
        tb.enter_quote();
      }
    } else if (tag == "div") {
      tb.block();
      if (!closing) {
        quote_stack.push_back(quote_div);
        if (quote_div) tb.enter_quote();
      } else if (!quote_stack.empty()) {
        if (quote_stack.back()) tb.leave_quote();
        quote_stack.pop_back();
      }
    } else if (tag == "pre") {
      tb.block();
      pre = std::max(0, pre + (closing ? -1 : 1));
    } else if (tag == "li" && !closing) {
      tb.block();
      tb.text("- ");
    } else if (tag == "p" || tag == "tr" || tag == "table" || tag == "ul" || tag == "ol" ||
               (tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6')) {
      tb.paragraph();
    } else if (tag == "td" || tag == "th") {
      if (!closing) tb.text(" ");
    } else if (tag == "hr") {
      tb.block();
      tb.text("----");
      tb.block();
    } else if (tag == "img" && !closing) {
      // Alt text stands in for an image when there is one.
      size_t alt = lower_attrs.find("alt=");
      if (alt != std::string::npos && alt + 5 < attrs.size()) {
        char q = attrs[alt + 4];
        if (q == '"' || q == '\'') {
          size_t end = attrs.find(q, alt + 5);
          if (end != std::string_view::npos) {
            tb.text(decode_entities(attrs.substr(alt + 5, end - alt - 5)));
          }
        }
      }
    } else if (is_block(tag)) {
      tb.block();
    }
  }
  flush();
  return tb.finish();
}

}  // namespace rapport::ingest
