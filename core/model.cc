#include "core/model.h"

#include <strings.h>

namespace rapport {

std::string_view to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::kEmail:
      return "email";
    case MessageKind::kComment:
      return "comment";
    case MessageKind::kForm:
      return "form";
    case MessageKind::kVoicemail:
      return "voicemail";
    case MessageKind::kMessage:
      return "message";
    case MessageKind::kBoostagram:
      return "boostagram";
    case MessageKind::kReview:
      return "review";
    case MessageKind::kPost:
      return "post";
  }
  return "email";
}

std::string_view answer_words(std::string_view how) {
  if (how == "manual") return "by hand";
  if (how == "digest_reply") return "through the digest";
  if (how == "sent_folder") return "your Sent folder";
  return how;
}

std::string_view to_string(MessageClass cls) {
  switch (cls) {
    case MessageClass::kHuman:
      return "human";
    case MessageClass::kAutoReply:
      return "auto_reply";
    case MessageClass::kBounce:
      return "bounce";
    case MessageClass::kUnsubscribe:
      return "unsubscribe";
    case MessageClass::kList:
      return "list";
    case MessageClass::kComplaint:
      return "complaint";
  }
  return "human";
}

std::optional<MessageClass> message_class_from_string(std::string_view s) {
  for (auto c : {MessageClass::kHuman, MessageClass::kAutoReply, MessageClass::kBounce,
                 MessageClass::kUnsubscribe, MessageClass::kList, MessageClass::kComplaint}) {
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

const std::vector<std::string>& listener_message_fields() {
  static const std::vector<std::string> kFields = {
      "id",          "name",    "email",        "phone",       "handle",        "handle_platform",
      "text",        "subject", "episode",      "received_at", "recording_url", "duration_seconds",
      "amount_sats", "app",     "reply_address"};
  return kFields;
}

const std::string* Message::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return &h.value;
    }
  }
  return nullptr;
}

}  // namespace rapport
