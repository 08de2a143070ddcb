#include "ingest/inbound/inbound.h"

#include <Poco/DigestEngine.h>
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>

#include <cmath>
#include <functional>

#include "core/text.h"
#include "ingest/decode/date_parse.h"

namespace rapport::ingest {
namespace {

// Bounds on what one listener message may hold; longer is refused, not cut.
constexpr std::size_t kMaxShortField = 512;            // names, addresses, ids, handles
constexpr std::size_t kMaxText = 64 * 1024;            // what they wrote
constexpr double kMaxDurationSeconds = 24 * 3600;      // a voicemail of more than a day is wrong
constexpr double kMaxAmountSats = 21e6 * 100'000'000;  // every bitcoin there will ever be

// A control character other than tab, newline and carriage return.
bool is_control(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
}

// Text a person wrote, with control characters (a NUL ended the stored text early) replaced by
// U+FFFD: the rest of what they wrote is kept. Line ends become '\n' (a spreadsheet's CSV
// writes CRLF inside a cell as well as between rows).
std::string without_controls(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') continue;
      out += '\n';
    } else if (is_control(static_cast<unsigned char>(c))) {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

// One field as found in a payload.
struct Value {
  bool present = false;
  bool is_string = false;
  bool is_number = false;
  std::string text;  // the string, or the number as written
  double number = 0;
};

using Lookup = std::function<Value(const std::string& payload_name)>;

// A date field: seconds or milliseconds since the epoch, or a date as text in `order`.
ListenerDate parse_time_value(const Value& v, DateOrder order) {
  ListenerDate out;
  if (v.is_number) {
    double t = v.number;
    if (t > 1e12) t /= 1000;  // milliseconds since the epoch, as JavaScript writes them
    if (t >= 0 && t <= 7e9) out.at = static_cast<UnixTime>(t);
    return out;
  }
  std::string_view s = trim(v.text);
  bool digits = !s.empty();
  for (char c : s) digits &= c >= '0' && c <= '9';
  if (digits && s.size() <= 13) {
    Value n;
    n.is_number = true;
    n.number = std::stod(std::string(s));
    return parse_time_value(n, order);
  }
  return parse_listener_date(s, order);
}

std::string sats(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + (n == 1 ? " sat" : " sats");
}

std::string clock_text(int seconds) {
  return std::to_string(seconds / 60) + ":" + (seconds % 60 < 10 ? "0" : "") +
         std::to_string(seconds % 60);
}

MessageKind kind_of(InboxKind k) {
  switch (k) {
    case InboxKind::kVoicemail:
      return MessageKind::kVoicemail;
    case InboxKind::kBoostagram:
      return MessageKind::kBoostagram;
    case InboxKind::kForm:
    case InboxKind::kCsv:
      return MessageKind::kForm;
    case InboxKind::kGeneric:
    case InboxKind::kJsonLines:
      return MessageKind::kMessage;
  }
  return MessageKind::kMessage;
}

// Builds the message from whatever payload `get` reads.
Converted convert(const Lookup& get, const Inbox& inbox, UnixTime now) {
  Message m;
  m.kind = kind_of(inbox.kind);
  std::map<std::string, std::string> got;  // canonical -> text, for the natural key
  std::optional<FieldError> error;

  // A string field: present and a string (numbers are accepted where they read as text). A
  // short field (a name, an address, an id) with a control character in it is refused; in
  // free text they are replaced.
  enum class Holds { kIdentity, kWords };
  auto text = [&](const std::string& canonical, std::size_t max, Holds holds,
                  bool numbers_ok = false) {
    if (error) return std::string();
    const std::string name = inbox.name_of(canonical);
    Value v = get(name);
    if (!v.present) return std::string();
    if (!v.is_string && !(numbers_ok && v.is_number)) {
      error = FieldError{name, "must be a string"};
      return std::string();
    }
    std::string s(trim(v.text));
    if (s.size() > max) {
      error = FieldError{name, "is longer than " + std::to_string(max) + " bytes"};
      return std::string();
    }
    if (!is_valid_utf8(s)) {
      error = FieldError{name, "is not valid UTF-8"};
      return std::string();
    }
    if (holds == Holds::kIdentity) {
      for (char c : s) {
        if (is_control(static_cast<unsigned char>(c)) || c == '\n' || c == '\r') {
          error = FieldError{name, "holds a control character"};
          return std::string();
        }
      }
    } else {
      s = without_controls(std::move(s));
    }
    got[canonical] = s;
    return s;
  };
  auto number = [&](const std::string& canonical, double max) -> std::optional<double> {
    if (error) return std::nullopt;
    const std::string name = inbox.name_of(canonical);
    Value v = get(name);
    if (!v.present || (v.is_string && trim(v.text).empty())) return std::nullopt;
    double n = v.number;
    if (v.is_string) {
      try {
        size_t used = 0;
        n = std::stod(v.text, &used);
        if (used != v.text.size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        error = FieldError{name, "must be a number"};
        return std::nullopt;
      }
    } else if (!v.is_number) {
      error = FieldError{name, "must be a number"};
      return std::nullopt;
    }
    if (!std::isfinite(n) || n < 0) {
      error = FieldError{name, "must be a number of zero or more"};
      return std::nullopt;
    }
    if (n > max) {
      error = FieldError{name, "is larger than " + std::to_string(static_cast<std::int64_t>(max)) +
                                   " (more than can be meant)"};
      return std::nullopt;
    }
    got[canonical] = std::to_string(static_cast<std::int64_t>(n));
    return n;
  };

  std::string id = text("id", kMaxShortField, Holds::kIdentity, true);
  m.from.name = text("name", kMaxShortField, Holds::kIdentity);
  m.from.address = text("email", kMaxShortField, Holds::kIdentity);
  std::string phone = text("phone", kMaxShortField, Holds::kIdentity, true);
  std::string handle = text("handle", kMaxShortField, Holds::kIdentity);
  std::string platform = text("handle_platform", kMaxShortField, Holds::kIdentity);
  m.text = text("text", kMaxText, Holds::kWords);
  m.subject = text("subject", kMaxShortField, Holds::kWords);
  for (char& c : m.subject) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';  // a subject is one line
  }
  m.episode_ref = text("episode", kMaxShortField, Holds::kIdentity, true);
  std::string recording = text("recording_url", 2048, Holds::kIdentity);
  auto duration = number("duration_seconds", kMaxDurationSeconds);
  auto amount = number("amount_sats", kMaxAmountSats);
  std::string app = text("app", kMaxShortField, Holds::kIdentity);
  std::string reply_address = text("reply_address", kMaxShortField, Holds::kIdentity);
  if (error) return *error;

  m.received_at = now;
  {
    const std::string name = inbox.name_of("received_at");
    Value v = get(name);
    if (v.present && !(v.is_string && trim(v.text).empty())) {
      ListenerDate date;
      if (v.is_string || v.is_number) date = parse_time_value(v, inbox.date_order);
      if (date.ambiguous) {
        return FieldError{name, "\"" + printable(v.text, 40) +
                                    "\" could be month/day or day/month: set date_order = "
                                    "\"mdy\" or \"dmy\" in this [[inbox]]"};
      }
      if (!date.at) {
        std::string how = inbox.date_order == DateOrder::kUnset
                              ? "like 2026-11-25T08:30:00Z or 11/25/2026 14:03"
                              : "in the inbox's date_order = \"" +
                                    std::string(to_string(inbox.date_order)) + "\"";
        return FieldError{name, "is not a date (write it " + how + ")"};
      }
      auto t = date.at;
      m.received_at = *t;
      m.date_text = v.text;
      got["received_at"] = std::to_string(*t);
    }
  }
  if (!m.from.address.empty()) {
    size_t at = m.from.address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= m.from.address.size() ||
        m.from.address.find_first_of(" <>,;\"") != std::string::npos) {
      return FieldError{inbox.name_of("email"), "is not an email address"};
    }
  }

  // Who they are, most answerable first: an address, a phone number, a reply address, a handle.
  // Every one given is kept: together they tie the person's identities to one contact.
  std::vector<Identity> claims;
  if (!phone.empty()) {
    size_t digits = 0;
    for (char c : phone) digits += c >= '0' && c <= '9';
    if (digits < 6) return FieldError{inbox.name_of("phone"), "is not a phone number"};
    // The number as written: the pipeline reads it as E.164.
    claims.push_back({"phone", std::string(trim(phone))});
  }
  if (!reply_address.empty()) claims.push_back({"boostagram", ascii_lower(reply_address)});
  if (!handle.empty()) {
    std::string value = ascii_lower(handle);
    if (!value.empty() && value[0] == '@') value.erase(0, 1);
    std::string where = ascii_lower(platform.empty() ? app : platform);
    if (where.empty())
      return FieldError{inbox.name_of("handle_platform"), "is needed with a handle"};
    claims.push_back({"handle", where + ":" + value});
  }
  if (!claims.empty()) {
    m.claimed = claims.front();
    m.claims.assign(claims.begin() + 1, claims.end());
  }
  if (m.from.address.empty() && m.claimed.empty()) {
    return FieldError{inbox.name_of("email"),
                      "is missing: give an email, a phone or a handle so the person can be "
                      "answered"};
  }

  switch (inbox.kind) {
    case InboxKind::kVoicemail:
      if (m.text.empty()) m.text = "(a voicemail without a transcript)";
      m.details = "voicemail";
      if (duration) m.details += ", " + clock_text(static_cast<int>(*duration));
      // The recording is where the message can be heard: a link in the digest when it is a
      // web address, words in the details otherwise.
      if (!recording.empty() && m.url.empty() && is_web_url(recording)) {
        m.url = recording;
      } else if (!recording.empty()) {
        m.details += " · " + recording;
      }
      break;
    case InboxKind::kBoostagram:
      if (m.text.empty()) m.text = "(a boost without a message)";
      if (amount) m.amount_sats = static_cast<std::int64_t>(*amount);
      m.details = amount ? "boost of " + sats(static_cast<std::int64_t>(*amount)) : "boost";
      if (!app.empty()) m.details += " via " + app;
      break;
    default:
      if (m.text.empty()) return FieldError{inbox.name_of("text"), "is missing or empty"};
      break;
  }

  // The natural key: the sender's id when they give one, else what the message says.
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  if (!id.empty()) {
    sha.update(id);
  } else {
    for (const auto& [k, v] : got) {
      sha.update(k);
      sha.update("\x1f");
      sha.update(v);
      sha.update("\x1e");
    }
  }
  m.natural_key = "inbox:" + inbox.name + ":" + (id.empty() ? "sha256:" : "id:") +
                  (id.empty() ? Poco::DigestEngine::digestToHex(sha.digest()) : id);
  m.source_ref = id;
  return m;
}

}  // namespace

std::optional<InboxKind> inbox_kind_from_string(std::string_view s) {
  for (auto k : {InboxKind::kGeneric, InboxKind::kVoicemail, InboxKind::kBoostagram,
                 InboxKind::kForm, InboxKind::kCsv, InboxKind::kJsonLines}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::string_view to_string(InboxKind kind) {
  switch (kind) {
    case InboxKind::kGeneric:
      return "generic";
    case InboxKind::kVoicemail:
      return "voicemail";
    case InboxKind::kBoostagram:
      return "boostagram";
    case InboxKind::kForm:
      return "form";
    case InboxKind::kCsv:
      return "csv";
    case InboxKind::kJsonLines:
      return "jsonl";
  }
  return "generic";
}

const std::vector<std::string>& canonical_fields() { return listener_message_fields(); }

FieldMap default_fields(InboxKind kind) {
  FieldMap f;
  for (const auto& c : canonical_fields()) f[c] = c;
  // The generic JSON nests the handle: {"handle": {"platform": "…", "value": "…"}}.
  f["handle"] = "handle.value";
  f["handle_platform"] = "handle.platform";
  f["id"] = "idempotency_key";
  if (kind == InboxKind::kVoicemail) {
    f["id"] = "id";  // the service's id of the recording: two alike voicemails are two
    f["text"] = "transcript";
    f["phone"] = "caller_number";
    f["name"] = "caller_name";
  } else if (kind == InboxKind::kBoostagram) {
    // Podcasting 2.0 boostagram records (bLIP-10 field names).
    f["name"] = "sender_name";
    f["text"] = "message";
    f["app"] = "app_name";
    f["amount_sats"] = "value_sat";
    f["episode"] = "episode_guid";
    f["reply_address"] = "reply_address";
    f["received_at"] = "ts";
  } else if (kind == InboxKind::kForm || kind == InboxKind::kCsv) {
    f["handle"] = "handle";
    f["handle_platform"] = "handle_platform";
    f["id"] = "id";
  }
  return f;
}

std::string Inbox::name_of(const std::string& canonical) const {
  auto it = fields.find(canonical);
  if (it != fields.end()) return it->second;
  // The defaults of each kind, built once (building them per field lookup once cost more than
  // everything else an import does).
  static const std::map<InboxKind, FieldMap> kDefaults = [] {
    std::map<InboxKind, FieldMap> all;
    for (auto k : {InboxKind::kGeneric, InboxKind::kVoicemail, InboxKind::kBoostagram,
                   InboxKind::kForm, InboxKind::kCsv, InboxKind::kJsonLines}) {
      all[k] = default_fields(k);
    }
    return all;
  }();
  const FieldMap& defaults = kDefaults.at(kind);
  auto d = defaults.find(canonical);
  return d == defaults.end() ? canonical : d->second;
}

namespace {

// The field at a dotted `path` of `object`.
Value json_lookup(const Poco::JSON::Object::Ptr& object, const std::string& path) {
  Value v;
  Poco::JSON::Object::Ptr at = object;
  std::string rest = path;
  while (true) {
    size_t dot = rest.find('.');
    std::string key = rest.substr(0, dot);
    if (!at || !at->has(key)) return v;
    Poco::Dynamic::Var var = at->get(key);
    if (dot == std::string::npos) {
      if (var.isEmpty()) return v;  // null is the same as absent
      v.present = true;
      if (var.isString()) {
        v.is_string = true;
        v.text = var.convert<std::string>();
      } else if (var.isNumeric()) {
        v.is_number = true;
        v.number = var.convert<double>();
        v.text = var.convert<std::string>();
      }
      return v;
    }
    if (var.type() != typeid(Poco::JSON::Object::Ptr)) {
      v.present = true;  // a scalar where an object was expected: wrongly typed
      return v;
    }
    at = var.extract<Poco::JSON::Object::Ptr>();
    rest = rest.substr(dot + 1);
  }
}

// The document as one JSON object, or why it is not one.
std::variant<Poco::JSON::Object::Ptr, FieldError> json_object(std::string_view json) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(std::string(json));
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) {
      return FieldError{"(body)", "must be one JSON object"};
    }
    return root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return FieldError{"(body)", "is not valid JSON: " + e.message()};
  } catch (const std::exception& e) {
    return FieldError{"(body)", std::string("is not valid JSON: ") + e.what()};
  }
}

}  // namespace

Converted message_from_json(std::string_view json, const Inbox& inbox, UnixTime now) {
  auto parsed = json_object(json);
  if (auto* e = std::get_if<FieldError>(&parsed)) return *e;
  Poco::JSON::Object::Ptr object = std::get<Poco::JSON::Object::Ptr>(parsed);
  Lookup get = [&](const std::string& path) { return json_lookup(object, path); };
  return convert(get, inbox, now);
}

std::optional<std::string> json_field_text(std::string_view json, const std::string& path) {
  auto parsed = json_object(json);
  auto* object = std::get_if<Poco::JSON::Object::Ptr>(&parsed);
  if (!object) return std::nullopt;
  Value v = json_lookup(*object, path);
  if (!v.present || (!v.is_string && !v.is_number)) return std::nullopt;
  return v.text;
}

Converted message_from_record(const std::map<std::string, std::string>& record, const Inbox& inbox,
                              UnixTime now) {
  Lookup get = [&](const std::string& name) {
    Value v;
    auto it = record.find(name);
    if (it == record.end() || trim(it->second).empty()) return v;
    v.present = true;
    v.is_string = true;
    v.text = it->second;
    return v;
  };
  return convert(get, inbox, now);
}

}  // namespace rapport::ingest
