#include "pipeline/classify.h"

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// Subject openings that out-of-office and autoresponder messages use, in the languages our
// creators' audiences write in. Compared case-insensitively against the start of the subject.
constexpr const char* kAutoReplySubjects[] = {
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "auto:",
    "away from",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "absence du bureau",
    "respuesta automática",
    "fuera de la oficina",
    "resposta automática",
    "risposta automatica",
    "fuori ufficio",
    "automatisch antwoord",
    "frånvaro",
    "autosvar",
    "automatiskt svar",
};

constexpr const char* kBounceSubjects[] = {
    "undelivered mail",     "undeliverable", "delivery status notification (failure)",
    "mail delivery failed", "returned mail", "delivery failure",
    "failure notice",       "unzustellbar",  "non remis",
};

bool has_value(const Message& m, const char* header) {
  const std::string* v = m.header(header);
  return v && !trim(*v).empty();
}

// The address a bounce says could not be reached: X-Failed-Recipients, a delivery report's
// Final-Recipient, or Postfix's "<address>: reason" line. Empty when the bounce does not say.
std::string failed_recipient(const Message& m) {
  if (const std::string* v = m.header("X-Failed-Recipients"); v && !trim(*v).empty()) {
    std::string_view list = trim(*v);
    return std::string(trim(list.substr(0, list.find(','))));
  }
  for (const auto& line : split_lines(m.text.substr(0, 64 * 1024))) {
    std::string_view l = trim(line);
    if (istarts_with(l, "final-recipient:")) {
      size_t semi = l.find(';');
      if (semi != std::string_view::npos) return std::string(trim(l.substr(semi + 1)));
    }
    if (l.size() > 4 && l.front() == '<') {
      size_t close = l.find(">:");
      if (close != std::string_view::npos &&
          l.substr(1, close - 1).find('@') != std::string_view::npos) {
        return std::string(l.substr(1, close - 1));
      }
    }
  }
  return {};
}

Classification bounce(const Message& m, std::string reason) {
  std::string failed = failed_recipient(m);
  if (!failed.empty() && failed.size() < 256) reason += "; failed address " + failed;
  return {MessageClass::kBounce, std::move(reason)};
}

}  // namespace

Classification classify(const Message& m) {
  std::string from = ascii_lower(m.from.address);
  std::string local = from.substr(0, from.find('@'));
  std::string subject = ascii_lower(trim(m.subject));

  // Bounces: a delivery report, or the mail system speaking.
  if (const std::string* ct = m.header("Content-Type")) {
    std::string t = ascii_lower(*ct);
    if (t.find("multipart/report") != std::string::npos &&
        t.find("delivery-status") != std::string::npos) {
      return bounce(m, "a delivery status report (multipart/report)");
    }
  }
  if (has_value(m, "X-Failed-Recipients")) {
    return bounce(m, "X-Failed-Recipients header");
  }
  if (local == "mailer-daemon" || local == "postmaster") {
    return bounce(m, "sent by " + m.from.address);
  }

  // Auto-replies: RFC 3834 first, then the vendor headers, then the subject.
  if (const std::string* as = m.header("Auto-Submitted")) {
    std::string v = ascii_lower(trim(*as));
    if (!v.empty() && v != "no") return {MessageClass::kAutoReply, "Auto-Submitted: " + v};
  }
  for (const char* h : {"X-Autoreply", "X-Autorespond", "X-Autoresponder"}) {
    if (has_value(m, h)) return {MessageClass::kAutoReply, std::string(h) + " header"};
  }
  std::string precedence = m.header("Precedence") ? ascii_lower(trim(*m.header("Precedence"))) : "";
  if (precedence == "auto_reply") return {MessageClass::kAutoReply, "Precedence: auto_reply"};
  for (const char* s : kAutoReplySubjects) {
    if (istarts_with(subject, s))
      return {MessageClass::kAutoReply, "subject \"" + m.subject + "\""};
  }
  for (const char* s : kBounceSubjects) {
    if (istarts_with(subject, s)) return bounce(m, "subject \"" + m.subject + "\"");
  }

  // Unsubscribe requests: someone asking to be taken off the list.
  std::string body = ascii_lower(trim(m.text.substr(0, 400)));
  if (subject == "unsubscribe" || subject == "remove me" ||
      ((body == "unsubscribe" || body == "unsubscribe me" || body == "please unsubscribe me" ||
        body == "remove me") &&
       m.text.size() < 400)) {
    return {MessageClass::kUnsubscribe, "asks to unsubscribe"};
  }

  // Other lists' traffic: newsletters and group mail that reached the creator's inbox.
  if (has_value(m, "List-Id")) return {MessageClass::kList, "List-Id: " + *m.header("List-Id")};
  if (precedence == "bulk" || precedence == "list" || precedence == "junk") {
    return {MessageClass::kList, "Precedence: " + precedence};
  }
  if (local == "noreply" || local == "no-reply" || local == "do-not-reply" ||
      local == "donotreply") {
    return {MessageClass::kList, "sent from " + m.from.address};
  }
  return {MessageClass::kHuman, ""};
}

}  // namespace rapport::pipeline
