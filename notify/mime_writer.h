// MimeWriter: builds the RFC 5322 text of an outgoing message, multipart/alternative with a
// plain-text and an HTML part. Every header value is cleaned of line breaks and encoded per
// RFC 2047 when it is not plain ASCII, so no listener text can add or change a header.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace rapport::notify {

struct OutgoingMessage {
  std::string from_name;
  std::string from_address;
  std::string to_name;
  std::string to_address;
  std::string subject;
  std::string message_id;  // without angle brackets
  UnixTime date = 0;
  std::string text;               // UTF-8
  std::string html;               // UTF-8; empty for a text-only message
  std::string extra_header_name;  // optional, e.g. "X-Rapport-Digest"
  std::string extra_header_value;
};

// The whole message, CRLF line endings, both parts quoted-printable.
std::string compose(const OutgoingMessage& message);

// A header value safe to write: CR, LF and other controls replaced by spaces, and, when it
// holds non-ASCII, RFC 2047 encoded-words (UTF-8, base64) of at most 75 characters each.
std::string encode_header_text(std::string_view value);

// "Name <address>" with the name quoted or encoded as needed; just the address when the
// name is empty.
std::string format_address(std::string_view name, std::string_view address);

// Quoted-printable (RFC 2045) with CRLF line ends and lines of at most 76 characters.
std::string encode_quoted_printable(std::string_view text);

}  // namespace rapport::notify
