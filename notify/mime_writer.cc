#include "notify/mime_writer.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "core/text.h"

namespace rapport::notify {
namespace {

std::string clean_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  return valid_utf8(out);
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
    i += 3;
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string encode_header_text(std::string_view value) {
  std::string clean = clean_controls(value);
  if (is_ascii(clean)) return clean;
  // Encoded-words of at most 75 characters: "=?UTF-8?B?" + 60 base64 chars + "?=" holds 45
  // bytes. Cut only at character boundaries so each word decodes on its own.
  std::string out;
  std::string_view rest = clean;
  while (!rest.empty()) {
    std::string_view chunk = utf8_prefix(rest, 45);
    if (chunk.empty()) chunk = rest.substr(0, 1);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(chunk) + "?=";
    rest.remove_prefix(chunk.size());
  }
  return out;
}

std::string format_address(std::string_view name, std::string_view address) {
  std::string addr = clean_controls(address);
  // An address never holds these; dropping them keeps a hostile one from breaking out.
  std::string safe;
  for (char c : addr) {
    if (c != '<' && c != '>' && c != ',' && c != ';' && c != '"' && c != ' ') safe += c;
  }
  std::string n(trim(clean_controls(name)));
  if (n.empty()) return safe;
  if (!is_ascii(n)) return encode_header_text(n) + " <" + safe + ">";
  std::string quoted = "\"";
  for (char c : n) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted + " <" + safe + ">";
}

std::string encode_quoted_printable(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t line_len = 0;
  auto emit = [&](std::string_view piece) {
    if (line_len + piece.size() > 75) {
      out += "=\r\n";
      line_len = 0;
    }
    out += piece;
    line_len += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\r\n";
      line_len = 0;
      continue;
    }
    bool at_line_end = i + 1 >= text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    // A line starting with "." or "From " is encoded so no transport can alter it.
    if (line_len == 0 && (c == '.' || (c == 'F' && text.substr(i, 5) == "From "))) literal = false;
    if (literal) {
      char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      char enc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(std::string_view(enc, 3));
    }
  }
  return out;
}

std::string compose(const OutgoingMessage& m) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(m.message_id);
  sha.update(m.text);
  // "=_" can never appear in quoted-printable output, so the boundary cannot collide.
  std::string boundary = "=_rapport_" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 24);
  std::string out;
  out += "From: " + format_address(m.from_name, m.from_address) + "\r\n";
  out += "To: " + format_address(m.to_name, m.to_address) + "\r\n";
  out += "Subject: " + encode_header_text(m.subject) + "\r\n";
  out += "Date: " + format_rfc5322(m.date) + "\r\n";
  out += "Message-ID: <" + clean_controls(m.message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (!m.extra_header_name.empty()) {
    out += clean_controls(m.extra_header_name) + ": " + encode_header_text(m.extra_header_value) +
           "\r\n";
  }
  if (m.html.empty()) {
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += encode_quoted_printable(valid_utf8(m.text)) + "\r\n";
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a multi-part message in MIME format.\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += encode_quoted_printable(valid_utf8(m.text)) + "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += encode_quoted_printable(valid_utf8(m.html)) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace rapport::notify
