// MailParser: one raw RFC 5322 message into a Message: decoded headers, addresses, ids,
// date, and the body as UTF-8 text (the text/plain part, or text made from HTML).
//
// Tolerant by design: malformed mail (a missing final boundary, broken base64 or
// quoted-printable, raw 8-bit headers, no Message-ID) is read as far as it goes, and each
// problem is recorded in Message::warnings. Time and memory are linear in the input.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"

namespace rapport::ingest {

// Parses `raw`. `delivered_at` stands in for a missing or unreadable Date header.
// Never fails.
Message parse_mail(std::string_view raw, UnixTime delivered_at);

// RFC 2047 encoded-words in a header value decoded to UTF-8 ("=?utf-8?q?caf=C3=A9?=").
std::string decode_rfc2047(std::string_view value);

// A MIME header value with parameters (Content-Type, Content-Disposition): the value
// lower-cased, and each parameter by lower-cased name. Quoted strings, RFC 2231 encoded and
// continued parameters (filename*0*=utf-8''…) are decoded to UTF-8.
struct MimeValue {
  static constexpr size_t kMaxParams = 64;  // more are skipped, with a warning
  std::string value;
  std::vector<std::pair<std::string, std::string>> params;
  // The parameter called `name` (any case), or "".
  std::string param(std::string_view name) const;
};
// Linear in the input. Warnings (a cap reached) go to `warnings` when given.
MimeValue parse_mime_value(std::string_view value, std::vector<std::string>* warnings = nullptr);

// "Amélie Durand <amelie@example.fr>", "amelie@example.fr (Amélie)", "<a@b>", "a@b"; RFC 5322
// comments anywhere are not part of the address ("pete(his account)@silly.test" is
// "pete@silly.test"), and a quoted local part stays quoted.
Address parse_address(std::string_view value);
// A comma-separated list of addresses (commas inside quotes, comments and angle brackets
// kept); a group ("Team: a@x, b@y;") gives its members.
std::vector<Address> parse_address_list(std::string_view value);
// The ids in an In-Reply-To or References field, without angle brackets.
std::vector<std::string> parse_message_ids(std::string_view value);

// Tolerant decoders: invalid input is skipped and reported through `damaged`.
std::string decode_base64(std::string_view in, bool& damaged);
std::string decode_quoted_printable(std::string_view in, bool& damaged);

}  // namespace rapport::ingest
