#include "ingest/mail/mail_parser.h"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <optional>

#include "core/text.h"
#include "ingest/decode/charset.h"
#include "ingest/decode/date_parse.h"
#include "ingest/decode/html_text.h"

namespace rapport::ingest {
namespace {

// Bounds that keep hostile mail from costing more than linear time and memory.
constexpr int kMaxDepth = 16;
constexpr int kMaxParts = 256;
constexpr size_t kMaxHeaderFields = 1000;
constexpr size_t kMaxHeaderValue = 64 * 1024;  // a References of 1,000 ids is 60 KB

struct RawField {
  std::string name;
  std::string value;  // unfolded, still encoded
};

// Splits raw into the header block and the body. Handles CRLF and bare LF.
std::pair<std::string_view, std::string_view> split_message(std::string_view raw) {
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) return {raw, {}};
    std::string_view line = raw.substr(pos, nl - pos);
    if (line.empty() || line == "\r") return {raw.substr(0, pos), raw.substr(nl + 1)};
    pos = nl + 1;
  }
  return {raw, {}};
}

std::vector<RawField> read_fields(std::string_view block, std::vector<std::string>& warnings,
                                  const char* where) {
  std::vector<RawField> fields;
  bool warned = false;
  bool cut = false;
  // Line by line over views of the block: a header of a million folded lines once made a
  // million strings.
  for (size_t start = 0; start <= block.size();) {
    size_t nl = block.find('\n', start);
    std::string_view line =
        block.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? block.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      // Folded continuation: RFC 5322 unfolding removes only the line break.
      std::string& value = fields.back().value;
      if (value.size() + line.size() > kMaxHeaderValue) {
        cut = true;
        continue;
      }
      value += line;
      continue;
    }
    size_t colon = line.find(':');
    bool valid_name = colon != std::string_view::npos && colon > 0;
    for (size_t i = 0; valid_name && i < colon; ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if (c <= 32 || c >= 127) valid_name = false;
    }
    if (!valid_name) {
      // The mbox "From " separator is not a header; anything else is damage worth noting.
      if (!(fields.empty() && line.substr(0, 5) == "From ") && !warned) {
        warnings.push_back(std::string(where) + ": a header line without a name was skipped");
        warned = true;
      }
      continue;
    }
    if (fields.size() >= kMaxHeaderFields) {
      warnings.push_back(std::string(where) + ": more than " + std::to_string(kMaxHeaderFields) +
                         " header fields (kMaxHeaderFields); the rest were skipped");
      break;
    }
    std::string_view value = trim(line.substr(colon + 1));
    if (value.size() > kMaxHeaderValue) {
      value = utf8_prefix(value, kMaxHeaderValue);
      cut = true;
    }
    fields.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  if (cut) {
    warnings.push_back(std::string(where) + ": a header longer than " +
                       std::to_string(kMaxHeaderValue) + " bytes was cut (kMaxHeaderValue)");
  }
  return fields;
}

const RawField* find(const std::vector<RawField>& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return &f;
  }
  return nullptr;
}

std::string header_text(std::string_view value, std::vector<std::string>& warnings,
                        std::string_view name) {
  std::string v(value);
  if (!is_valid_utf8(v)) {
    warnings.push_back("raw 8-bit bytes in the " + std::string(name) +
                       " header that are not UTF-8; read as windows-1252");
    v = utf8_or_windows1252(v);
  }
  return decode_rfc2047(v);
}

// Undoes format=flowed (RFC 3676): a line ending in a space continues on the next line.
std::string unflow(std::string_view text, bool delsp) {
  std::string out;
  out.reserve(text.size());
  std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    bool signature = line == "-- ";
    // Space-stuffing: a leading space was added by the sender.
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    bool soft = !signature && !line.empty() && line.back() == ' ' && i + 1 < lines.size();
    if (soft && delsp) line.pop_back();
    out += line;
    if (!soft) out += '\n';
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct Body {
  std::string plain;
  std::string html;
  int parts = 0;
  std::vector<Attachment> attachments;
};

// How many attachments one message lists; a message of ten thousand empty parts is bounded.
constexpr size_t kMaxAttachments = 100;

// Notes a part that is not the message's text.
void note_attachment(Body& out, std::string name, std::string type, std::string_view body,
                     const std::string& encoding) {
  if (out.attachments.size() >= kMaxAttachments) return;
  Attachment a;
  a.name = printable(decode_rfc2047(name), 200);
  a.type = std::move(type);
  std::int64_t raw = static_cast<std::int64_t>(body.size());
  // Base64 carries 3 bytes in 4 characters (line ends aside); the others about as they are.
  a.size = encoding == "base64" ? raw * 3 / 4 - raw / 76 * 3 / 2 : raw;
  if (a.size < 0) a.size = 0;
  out.attachments.push_back(std::move(a));
}

void walk(std::string_view headers_block, std::string_view body,
          const std::vector<RawField>& fields, int depth, Body& out,
          std::vector<std::string>& warnings);

void walk_multipart(std::string_view body, const std::string& boundary, const std::string& subtype,
                    int depth, Body& out, std::vector<std::string>& warnings) {
  const std::string dash = "--" + boundary;
  std::vector<std::string_view> parts;
  bool closed = false;
  size_t pos = 0;
  size_t part_start = std::string_view::npos;
  while (pos <= body.size()) {
    size_t nl = body.find('\n', pos);
    size_t line_end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() >= dash.size() && line.compare(0, dash.size(), dash) == 0) {
      std::string_view rest = trim(line.substr(dash.size()));
      bool final_boundary = rest.substr(0, 2) == "--";
      if (rest.empty() || final_boundary) {
        if (part_start != std::string_view::npos) {
          // The line break before a boundary belongs to the boundary.
          size_t end = pos;
          if (end > part_start && body[end - 1] == '\n') --end;
          if (end > part_start && body[end - 1] == '\r') --end;
          parts.push_back(body.substr(part_start, end - part_start));
        }
        if (final_boundary) {
          closed = true;
          break;
        }
        part_start = nl == std::string_view::npos ? body.size() : nl + 1;
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (!closed) {
    if (part_start != std::string_view::npos) {
      parts.push_back(body.substr(part_start));
      warnings.push_back("multipart/" + subtype + " has no final boundary; read to the end");
    } else {
      warnings.push_back("multipart/" + subtype + " has no part; read as text");
      out.plain += to_utf8(body, "").text;
      return;
    }
  }
  // multipart/alternative: the richest version the sender gave; we want plain text first.
  for (std::string_view part : parts) {
    if (++out.parts > kMaxParts) {
      warnings.push_back("more than " + std::to_string(kMaxParts) +
                         " MIME parts; the rest skipped");
      return;
    }
    auto [block, part_body] = split_message(part);
    if (part_body.empty() && !block.empty() && block.find(':') == std::string_view::npos) {
      // A part with no header at all: RFC 2045 says it is text/plain.
      part_body = part;
      block = {};
    }
    std::vector<RawField> part_fields = read_fields(block, warnings, "MIME part");
    Body inner;
    walk(block, part_body, part_fields, depth + 1, inner, warnings);
    out.parts += inner.parts;
    for (Attachment& a : inner.attachments) {
      if (out.attachments.size() < kMaxAttachments) out.attachments.push_back(std::move(a));
    }
    if (subtype == "alternative") {
      if (out.plain.empty()) out.plain = inner.plain;
      if (out.html.empty()) out.html = inner.html;
    } else {
      if (!inner.plain.empty()) {
        if (!out.plain.empty()) out.plain += "\n\n";
        out.plain += inner.plain;
      }
      if (!inner.html.empty()) {
        if (!out.html.empty()) out.html += "\n";
        out.html += inner.html;
      }
    }
  }
}

void walk(std::string_view, std::string_view body, const std::vector<RawField>& fields, int depth,
          Body& out, std::vector<std::string>& warnings) {
  if (depth > kMaxDepth) {
    warnings.push_back("MIME parts nested deeper than " + std::to_string(kMaxDepth) + "; skipped");
    return;
  }
  const RawField* ct = find(fields, "Content-Type");
  MimeValue params = ct ? parse_mime_value(ct->value, &warnings) : MimeValue{"text/plain", {}};
  std::string type = params.value;
  if (type.empty() || type.find('/') == std::string::npos) type = "text/plain";
  const RawField* cd = find(fields, "Content-Disposition");
  std::string disposition = cd ? parse_mime_value(cd->value, &warnings).value : "";

  if (type.rfind("multipart/", 0) == 0) {
    std::string boundary = params.param("boundary");
    if (boundary.empty()) {
      warnings.push_back(type + " without a boundary; read as text");
      out.plain += to_utf8(body, "").text;
      return;
    }
    walk_multipart(body, boundary, type.substr(10), depth, out, warnings);
    return;
  }
  const RawField* cte = find(fields, "Content-Transfer-Encoding");
  std::string encoding = cte ? ascii_lower(trim(cte->value)) : "7bit";
  std::string file_name = cd ? parse_mime_value(cd->value).param("filename") : "";
  if (file_name.empty()) file_name = params.param("name");
  if (type == "message/rfc822" || type == "message/global") {
    // A forwarded or bounced message: its text is context, not the sender's words.
    note_attachment(out, file_name.empty() ? "forwarded message" : file_name, type, body, encoding);
    return;
  }
  if ((type != "text/plain" && type != "text/html") || disposition == "attachment") {
    note_attachment(out, file_name, type, body, encoding);
    return;
  }
  std::string decoded;
  bool damaged = false;
  if (encoding == "base64") {
    decoded = decode_base64(body, damaged);
    if (damaged) warnings.push_back("broken base64 in a " + type + " part; decoded what was valid");
  } else if (encoding == "quoted-printable") {
    decoded = decode_quoted_printable(body, damaged);
    if (damaged) warnings.push_back("broken quoted-printable in a " + type + " part");
  } else {
    decoded = std::string(body);
  }
  std::string charset = params.param("charset");
  Converted text;
  std::optional<Detected> detected;
  if (charset.empty() && !is_valid_utf8(decoded)) {
    // No charset declared and not UTF-8: the charset the bytes show (uchardet), when they read
    // in it without a loss; else they are read as UTF-8 with the broken bytes replaced.
    detected = read_undeclared(decoded);
  }
  if (detected) {
    warnings.push_back("no charset declared in a " + type + " part; read as " +
                       detected->charset + ", which the bytes show");
    text.text = std::move(detected->text);
  } else {
    text = to_utf8(decoded, charset);
  }
  if (text.unknown) warnings.push_back("unknown charset \"" + charset + "\"; read as windows-1252");
  if (text.lossy)
    warnings.push_back("bytes not valid in charset \"" +
                       (charset.empty() ? std::string("utf-8") : charset) + "\" were replaced");
  if (type == "text/plain") {
    std::string t = text.text;
    if (iequals(params.param("format"), "flowed")) {
      t = unflow(t, iequals(params.param("delsp"), "yes"));
    }
    if (!out.plain.empty()) out.plain += "\n\n";
    out.plain += t;
  } else {
    out.html += text.text;
  }
}

std::string normalise_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

namespace {

// Each byte's value in base64 (both alphabets: '+' '/' and the URL-safe '-' '_'); 64 for the
// white space that may separate lines, 65 for '=', 66 for anything else.
struct Base64Table {
  unsigned char value[256];
  constexpr Base64Table() : value() {
    for (int i = 0; i < 256; ++i) value[i] = 66;
    for (int i = 0; i < 26; ++i) value['A' + i] = static_cast<unsigned char>(i);
    for (int i = 0; i < 26; ++i) value['a' + i] = static_cast<unsigned char>(26 + i);
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<unsigned char>(52 + i);
    value[static_cast<unsigned char>('+')] = value[static_cast<unsigned char>('-')] = 62;
    value[static_cast<unsigned char>('/')] = value[static_cast<unsigned char>('_')] = 63;
    for (char c : {'\r', '\n', ' ', '\t'}) value[static_cast<unsigned char>(c)] = 64;
    value[static_cast<unsigned char>('=')] = 65;
  }
};
constexpr Base64Table kBase64;

}  // namespace

std::string decode_base64(std::string_view in, bool& damaged) {
  std::string out(in.size() * 3 / 4 + 3, '\0');
  char* w = out.data();
  unsigned buffer = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    unsigned v = kBase64.value[static_cast<unsigned char>(c)];
    if (v >= 64) {
      if (v == 65) {
        padding = true;
      } else if (v == 66) {
        damaged = true;
      }
      continue;
    }
    if (padding) {
      // Data after padding: a second base64 block glued on. Start afresh.
      bits = 0;
      buffer = 0;
      padding = false;
    }
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *w++ = static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (bits >= 6) damaged = true;  // a dangling partial group
  out.resize(static_cast<size_t>(w - out.data()));
  return out;
}

std::string decode_quoted_printable(std::string_view in, bool& damaged) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    // Copy up to the next '=' at once: most of a quoted-printable body is plain.
    size_t eq = in.find('=', i);
    if (eq == std::string_view::npos) {
      out.append(in.substr(i));
      break;
    }
    out.append(in.substr(i, eq - i));
    i = eq;
    // Soft line break: "=" followed by optional whitespace and a line end.
    size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < in.size() && (in[j] == '\r' || in[j] == '\n')) {
      if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') ++j;
      i = j;
      continue;
    }
    if (j >= in.size()) {
      i = j;
      continue;
    }
    if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
      continue;
    }
    damaged = true;
    out += '=';
  }
  return out;
}

std::string decode_rfc2047(std::string_view value) {
  // An encoded-word is =?charset?E?text?= where neither charset nor text holds a '?' (Q text
  // encodes it): each candidate ends at the first '?' after its encoding letter, so a failed
  // candidate costs no more than the bytes up to the next '?', and a header full of
  // unterminated "=?" is read in linear time.
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  while (i < value.size()) {
    size_t start = value.find("=?", i);
    if (start == std::string_view::npos) {
      out.append(value.substr(i));
      break;
    }
    size_t q1 = value.find('?', start + 2);
    size_t end = std::string_view::npos;
    if (q1 != std::string_view::npos && q1 > start + 2 && q1 + 2 < value.size() &&
        value[q1 + 2] == '?') {
      size_t q3 = value.find('?', q1 + 3);
      if (q3 != std::string_view::npos && q3 + 1 < value.size()) {
        if (value[q3 + 1] == '=') {
          end = q3;
        } else if (value[q3 + 1] == '?' && q3 + 2 < value.size() && value[q3 + 2] == '=') {
          end = q3 + 1;  // a raw '?' at the end of Q text, as some mailers write it
        }
      }
    }
    if (end == std::string_view::npos) {
      out.append(value.substr(i, start + 2 - i));
      i = start + 2;
      last_was_word = false;
      continue;
    }
    std::string_view between = value.substr(i, start - i);
    // Whitespace between two encoded-words is dropped (RFC 2047 section 6.2).
    if (!(last_was_word && trim(between).empty())) out.append(between);
    std::string charset(value.substr(start + 2, q1 - start - 2));
    if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    std::string_view text = value.substr(q1 + 3, end - q1 - 3);
    std::string bytes;
    bool damaged = false;
    if (enc == 'B') {
      bytes = decode_base64(text, damaged);
    } else if (enc == 'Q') {
      std::string t(text);
      for (char& c : t) {
        if (c == '_') c = ' ';
      }
      bytes = decode_quoted_printable(t, damaged);
    } else {
      out.append(value.substr(start, end + 2 - start));
      i = end + 2;
      last_was_word = false;
      continue;
    }
    out += to_utf8(bytes, charset).text;
    i = end + 2;
    last_was_word = true;
  }
  return out;
}

std::string MimeValue::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (iequals(k, name)) return v;
  }
  return {};
}

MimeValue parse_mime_value(std::string_view value, std::vector<std::string>* warnings) {
  MimeValue out;
  size_t semi = value.find(';');
  out.value = ascii_lower(trim(value.substr(0, semi)));
  if (semi == std::string_view::npos) return out;

  // RFC 2231 pieces: name*0*=, name*1= … are joined in order; name*= holds charset'lang'%XX.
  struct Piece {
    std::string name;
    int section = -1;  // -1: not a continuation
    bool encoded = false;
    std::string value;
  };
  std::vector<Piece> pieces;
  size_t i = semi + 1;
  const size_t n = value.size();
  bool capped = false;
  while (i < n) {
    while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == ';')) ++i;
    size_t name_start = i;
    while (i < n && value[i] != '=' && value[i] != ';') ++i;
    std::string name = ascii_lower(trim(value.substr(name_start, i - name_start)));
    std::string v;
    if (i < n && value[i] == '=') {
      ++i;
      while (i < n && (value[i] == ' ' || value[i] == '\t')) ++i;
      if (i < n && value[i] == '"') {
        ++i;
        while (i < n && value[i] != '"') {
          if (value[i] == '\\' && i + 1 < n) ++i;
          v += value[i++];
        }
        if (i < n) ++i;  // the closing quote
        while (i < n && value[i] != ';') ++i;
      } else {
        size_t v_start = i;
        while (i < n && value[i] != ';') ++i;
        v = std::string(trim(value.substr(v_start, i - v_start)));
      }
    }
    if (name.empty()) continue;
    if (pieces.size() >= MimeValue::kMaxParams) {
      capped = true;
      break;
    }
    Piece p;
    p.encoded = !name.empty() && name.back() == '*';
    if (p.encoded) name.pop_back();
    if (size_t star = name.find('*'); star != std::string::npos) {
      std::string_view digits = std::string_view(name).substr(star + 1);
      // A section number has at most three digits: a client never continues a value 1,000
      // times, and a longer "number" would overflow.
      if (!digits.empty() && digits.size() <= 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int section = 0;
        for (char c : digits) section = section * 10 + (c - '0');
        p.section = section;
      }
      name.resize(star);
    }
    p.name = std::move(name);
    p.value = std::move(v);
    pieces.push_back(std::move(p));
  }
  if (capped && warnings) {
    warnings->push_back("a header has more than " + std::to_string(MimeValue::kMaxParams) +
                        " parameters (MimeValue::kMaxParams); the rest were skipped");
  }

  auto percent_decode = [](std::string_view s) {
    std::string bytes;
    for (size_t k = 0; k < s.size(); ++k) {
      if (s[k] == '%' && k + 2 < s.size() && hex_value(s[k + 1]) >= 0 && hex_value(s[k + 2]) >= 0) {
        bytes += static_cast<char>(hex_value(s[k + 1]) * 16 + hex_value(s[k + 2]));
        k += 2;
      } else {
        bytes += s[k];
      }
    }
    return bytes;
  };
  // Joins each name's pieces in section order; the charset comes from the first encoded one.
  std::vector<std::string> done;
  for (size_t a = 0; a < pieces.size(); ++a) {
    const std::string& name = pieces[a].name;
    if (std::find(done.begin(), done.end(), name) != done.end()) continue;
    done.push_back(name);
    std::vector<const Piece*> mine;
    for (size_t b = a; b < pieces.size(); ++b) {
      if (pieces[b].name == name) mine.push_back(&pieces[b]);
    }
    std::stable_sort(mine.begin(), mine.end(),
                     [](const Piece* x, const Piece* y) { return x->section < y->section; });
    std::string charset;
    std::string joined;
    bool any_encoded = false;
    for (const Piece* p : mine) {
      std::string_view v = p->value;
      if (p->encoded) {
        if (!any_encoded) {
          // charset'language'value, on the first encoded piece only.
          size_t q1 = v.find('\'');
          size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
          if (q2 != std::string_view::npos) {
            charset = std::string(v.substr(0, q1));
            v = v.substr(q2 + 1);
          }
        }
        any_encoded = true;
        joined += percent_decode(v);
      } else {
        joined += v;
      }
    }
    if (any_encoded) joined = to_utf8(joined, charset).text;
    out.params.emplace_back(name, std::move(joined));
  }
  return out;
}

namespace {

// A mailbox with its RFC 5322 comments taken out ("pete(his account)@silly.test(his host)" ->
// "pete@silly.test"), quoted strings kept as written; the comments' text goes to `comments`.
// Comments nest; one scan with a depth count, so any input is read in linear time.
std::string without_comments(std::string_view v, std::vector<std::string>& comments) {
  std::string out;
  std::string comment;
  size_t depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (depth == 0) {
      if (quoted) {
        out += c;
        if (c == '\\' && i + 1 < v.size()) {
          out += v[++i];
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
        out += c;
      } else if (c == '(') {
        depth = 1;
        comment.clear();
      } else {
        out += c;
      }
      continue;
    }
    if (c == '\\' && i + 1 < v.size()) {
      comment += v[++i];
    } else if (c == '(') {
      ++depth;
      comment += c;
    } else if (c == ')') {
      if (--depth == 0) {
        comments.emplace_back(trim(comment));
      } else {
        comment += c;
      }
    } else {
      comment += c;
    }
  }
  if (depth > 0) comments.emplace_back(trim(comment));  // an unclosed comment runs to the end
  return out;
}

// A display name as it reads: quoted parts unquoted (their escapes undone), runs of white
// space one space.
std::string display_text(std::string_view v) {
  std::string out;
  bool quoted = false;
  bool space = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (quoted && c == '\\' && i + 1 < v.size()) c = v[++i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// An addr-spec without the white space folding may leave around its dots and '@' (outside a
// quoted local part).
std::string addr_spec(std::string_view v) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') quoted = !quoted;
    if (quoted && c == '\\' && i + 1 < v.size()) {
      out += c;
      out += v[++i];
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) continue;
    out += c;
  }
  return out;
}

// Where the angle-addr of a mailbox starts: the first '<' outside a quoted string.
size_t angle_start(std::string_view v) {
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && quoted) {
      ++i;
    } else if (v[i] == '"') {
      quoted = !quoted;
    } else if (v[i] == '<' && !quoted) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Address parse_address(std::string_view value) {
  Address a;
  std::vector<std::string> comments;
  const std::string bare = without_comments(trim(value), comments);
  std::string_view v = trim(bare);
  size_t lt = angle_start(v);
  size_t gt = lt == std::string_view::npos ? lt : v.find('>', lt);
  if (lt != std::string_view::npos && gt != std::string_view::npos) {
    a.address = addr_spec(v.substr(lt + 1, gt - lt - 1));
    // An obsolete route ("<@relay.example:ana@x>") is not part of the address.
    if (!a.address.empty() && a.address.front() == '@') {
      if (size_t colon = a.address.find(':'); colon != std::string::npos) {
        a.address.erase(0, colon + 1);
      }
    }
    a.name = display_text(v.substr(0, lt));
    if (a.name.empty() && comments.size() == 1) a.name = display_text(comments.front());
    return a;
  }
  a.address = addr_spec(v);
  // "ana@x (Ana Lopez)": one comment after the address is the old way to write a name.
  if (comments.size() == 1 && trim(value).back() == ')') a.name = display_text(comments.front());
  return a;
}

std::vector<Address> parse_address_list(std::string_view value) {
  // Commas and semicolons inside quoted strings, comments and angle brackets do not separate;
  // a group ("Friends: a@x, b@y;") gives its members.
  std::vector<Address> out;
  bool quoted = false;
  size_t depth = 0;
  int angle = 0;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    char c = i < value.size() ? value[i] : ',';
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      if (i < value.size()) continue;
      c = ',';
    }
    if (depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
      if (i < value.size()) continue;
      c = ',';
    }
    if (c == '"') quoted = true;
    if (c == '(') depth = 1;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == ':' && angle == 0) {
      start = i + 1;  // the group's name is no one's address
      continue;
    }
    if ((c == ',' || c == ';') && angle == 0) {
      std::string_view item = trim(value.substr(start, std::min(i, value.size()) - start));
      if (!item.empty()) out.push_back(parse_address(item));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string> parse_message_ids(std::string_view value) {
  std::vector<std::string> ids;
  size_t pos = 0;
  while (true) {
    size_t lt = value.find('<', pos);
    if (lt == std::string_view::npos) break;
    size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) break;
    std::string id(trim(value.substr(lt + 1, gt - lt - 1)));
    if (!id.empty()) ids.push_back(id);
    pos = gt + 1;
  }
  if (ids.empty()) {
    // Some clients write ids without brackets.
    std::string_view t = trim(value);
    if (!t.empty() && t.find(' ') == std::string_view::npos &&
        t.find('@') != std::string_view::npos) {
      ids.emplace_back(t);
    }
  }
  return ids;
}

namespace {

// A message whose lines end in a lone CR (old Mac mail programs, some gateways), or in a mix,
// read as if they ended in LF; nullopt when every CR already ends a CRLF.
std::optional<std::string> with_lf_line_ends(std::string_view raw) {
  size_t cr = raw.find('\r');
  while (cr != std::string_view::npos && cr + 1 < raw.size() && raw[cr + 1] == '\n') {
    cr = raw.find('\r', cr + 2);
  }
  if (cr == std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      out += raw[i];
    }
  }
  return out;
}

}  // namespace

Message parse_mail(std::string_view original, UnixTime delivered_at) {
  Message m;
  m.kind = MessageKind::kEmail;
  std::optional<std::string> normalised = with_lf_line_ends(original);
  std::string_view raw = normalised ? std::string_view(*normalised) : original;
  auto [block, body] = split_message(raw);
  std::vector<RawField> fields = read_fields(block, m.warnings, "header");
  for (const auto& f : fields) {
    m.headers.push_back({f.name, header_text(f.value, m.warnings, f.name)});
  }
  if (const std::string* from = m.header("From")) {
    // Parse the raw value so an encoded display name holding a comma or "<" cannot change
    // where the address is; decode the name afterwards.
    // Several authors (RFC 5322 allows a list): the first is the one who sent it. A list is
    // only taken as one when each part is an address: "Lopez, Ana <ana@x>", unquoted, is one
    // person whose client forgot the quotes.
    std::string_view raw_value = find(fields, "From")->value;
    std::vector<Address> authors = parse_address_list(raw_value);
    bool a_list = authors.size() > 1 && std::all_of(authors.begin(), authors.end(), [](const Address& x) {
      return x.address.find('@') != std::string::npos;
    });
    Address raw_from = a_list ? authors.front() : parse_address(raw_value);
    m.from.address = raw_from.address;
    m.from.name = header_text(raw_from.name, m.warnings, "From");
    if (m.from.address.find('@') == std::string::npos) {
      m.warnings.push_back("the From header holds no address: \"" + *from + "\"");
    }
  } else {
    m.warnings.push_back("no From header");
  }
  for (const char* field : {"To", "Cc"}) {
    if (const RawField* to = find(fields, field)) {
      for (Address a : parse_address_list(to->value)) {
        a.name = header_text(a.name, m.warnings, field);
        m.to.push_back(std::move(a));
      }
    }
  }
  if (const std::string* s = m.header("Subject")) m.subject = std::string(trim(*s));
  if (const std::string* id = m.header("Message-ID")) {
    auto ids = parse_message_ids(*id);
    if (!ids.empty()) m.message_id = ids.front();
  }
  if (const std::string* irt = m.header("In-Reply-To")) {
    auto ids = parse_message_ids(*irt);
    if (!ids.empty()) m.in_reply_to = ids.front();
  }
  if (const std::string* refs = m.header("References")) m.references = parse_message_ids(*refs);

  m.received_at = delivered_at;
  if (const std::string* date = m.header("Date")) {
    m.date_text = *date;
    if (auto t = parse_date(*date)) {
      m.received_at = *t;
    } else {
      m.warnings.push_back("cannot read the Date \"" + *date + "\"; using the delivery time");
    }
  }

  Body b;
  walk(block, body, fields, 0, b, m.warnings);
  m.attachments = std::move(b.attachments);
  if (!trim(b.plain).empty()) {
    m.text = normalise_newlines(b.plain);
  } else if (!b.html.empty()) {
    m.text = html_to_text(b.html, &m.warnings);
    m.text_from_html = true;
  }
  m.text = std::string(trim(m.text));

  if (!m.message_id.empty()) {
    m.natural_key = "mid:" + m.message_id;
  } else {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(original.data(), static_cast<unsigned>(original.size()));  // the bytes as stored
    m.natural_key = "sha256:" + Poco::DigestEngine::digestToHex(sha.digest());
    m.warnings.push_back("no Message-ID; keyed by a hash of its content");
  }
  return m;
}

}  // namespace rapport::ingest
