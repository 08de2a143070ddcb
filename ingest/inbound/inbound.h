// Inbound: listener messages that are not email — a webhook's JSON, a form post, a row of a
// CSV or JSON-lines export — turned into a Message. The inbox kind only says where the
// fields are; everything after is the same pipeline as email.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/model.h"
#include "ingest/decode/date_parse.h"

namespace rapport::ingest {

enum class InboxKind { kGeneric, kVoicemail, kBoostagram, kForm, kCsv, kJsonLines };

std::optional<InboxKind> inbox_kind_from_string(std::string_view s);
std::string_view to_string(InboxKind kind);

// The canonical fields of a listener message, in the order they are documented:
// id, name, email, phone, handle, handle_platform, text, subject, episode, received_at,
// recording_url, duration_seconds, amount_sats, app, reply_address.
const std::vector<std::string>& canonical_fields();

// Where each canonical field is in a payload: a JSON path ("caller.number"), a form field's
// name, or a CSV column's title. Fields not named here use the kind's defaults.
using FieldMap = std::map<std::string, std::string>;
FieldMap default_fields(InboxKind kind);

struct Inbox {
  std::string name;  // the source's name
  InboxKind kind = InboxKind::kGeneric;
  FieldMap fields;  // overrides of the defaults
  // How dates written as numbers are read ("11/25/2026" is mdy). Unset: a file decides by
  // its own dates (TableReader), and a date that reads two ways is refused.
  DateOrder date_order = DateOrder::kUnset;
  std::string name_of(const std::string& canonical) const;
};

// Why a payload was refused: which field, and what is wrong with it.
struct FieldError {
  std::string field;    // the payload's name for it
  std::string problem;  // in words
};

using Converted = std::variant<Message, FieldError>;

// A JSON document (one object) into a message. `now` stands in for a missing received_at.
Converted message_from_json(std::string_view json, const Inbox& inbox, UnixTime now);

// The text of the field at a dotted `path` of a JSON object (a string, or a number as
// written); nullopt when the document is not an object or the field is absent or not a scalar.
std::optional<std::string> json_field_text(std::string_view json, const std::string& path);

// A flat record — form fields, or a CSV row keyed by column title — into a message.
Converted message_from_record(const std::map<std::string, std::string>& record, const Inbox& inbox,
                              UnixTime now);

}  // namespace rapport::ingest
