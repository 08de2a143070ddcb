#include "pipeline/classify.h"

#include <string_view>
#include <vector>

#include "core/text.h"
#include "core/unicode.h"

namespace rapport::pipeline {
namespace {

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// A word list folded for case as the text it is compared with is (Unicode case folding, so a
// Greek final sigma or a German sharp s compares as the text's does), built once.
template <size_t N>
const std::vector<std::string>& folded(const std::string_view (&list)[N]) {
  static const std::vector<std::string> kFolded = [&] {
    std::vector<std::string> out;
    for (std::string_view w : list) out.push_back(fold_case(w));
    return out;
  }();
  return kFolded;
}

template <size_t N>
bool starts_with_any(std::string_view s, const std::string_view (&list)[N]) {
  for (const std::string& p : folded(list)) {
    if (s.rfind(p, 0) == 0) return true;
  }
  return false;
}

template <size_t N>
bool contains_any(std::string_view s, const std::string_view (&list)[N]) {
  for (const std::string& p : folded(list)) {
    if (contains(s, p)) return true;
  }
  return false;
}

// Subject openings of vacation and out-of-office replies, folded for case, in the languages
// mail programs write them (Outlook's "Automatic reply:" and its translations first).
constexpr std::string_view kAutoReplySubjects[] = {
    "out of office",          "out of the office",       "automatic reply",
    "auto reply",             "autoreply",               "auto-reply",
    "auto:",                  "auto response",           "auto-response",
    "autoresponse",           "automated response",      "[auto-reply]",
    "away from the office",   "away from my desk",       "away from email",
    "on vacation",            "vacation reply",          "i am out of the office",
    "abwesenheitsnotiz",      "abwesend",                "automatische antwort",
    "réponse automatique",    "absence du bureau",       "absent du bureau",
    "respuesta automática",   "fuera de la oficina",     "resposta automática",
    "ausente do escritório",  "risposta automatica",     "fuori ufficio",
    "fuori sede",             "automatisch antwoord",    "afwezig",
    "frånvaro",               "autosvar",                "automatiskt svar",
    "automatisk svar",        "automatisk besked",       "automaattinen vastaus",
    "poissa",                 "odpowiedź automatyczna",  "automatyczna odpowiedź",
    "automatická odpověď",    "automatická odpoveď",     "автоматический ответ",
    "автоответ",              "автоматична відповідь",   "自動応答",
    "自动回复",               "自動回覆",                "자동 회신",
    "자동 응답",              "automatikus válasz",      "otomatik yanıt",
    "otomatik cevap",         "αυτόματη απάντηση",       "răspuns automat",
    "automatski odgovor",     "samodejni odgovor",       "automātiskā atbilde",
    "automatinis atsakymas",  "automaatne vastus",       "sjálfvirkt svar",
    "balasan otomatis",       "trả lời tự động",         "תשובה אוטומטית",
    "رد تلقائي",              "ooo:",                    "[ooo]",
};

// Subject openings of bounces and delay notices from many mail systems and languages.
constexpr std::string_view kBounceSubjects[] = {
    "undelivered mail",
    "undeliverable",
    "undelivered",
    "delivery status notification",
    "mail delivery failed",
    "mail delivery failure",
    "mail delivery system",
    "returned mail",
    "delivery failure",
    "delivery failed",
    "delivery has failed",
    "delivery notification: delivery has failed",
    "delivery delayed",
    "delayed mail",
    "message delivery has been delayed",
    "warning: could not send message",
    "warning: message delayed",
    "failure notice",
    "message not delivered",
    "message could not be delivered",
    "your message could not be delivered",
    "email delivery failure",
    "permanent delivery failure",
    "nondeliverable mail",
    "non-delivery report",
    "non delivery report",
    "mail system error",
    "notice: mail delivery status",
    "delivery status notification: error",
    "returned mail: ",
    "rejected:",
    "message you sent blocked",
    "[bounce]",
    "fml status report",
    "unzustellbar",
    "nicht zustellbar",
    "non remis",
    "non distribuable",
    "no se puede entregar",
    "imposible entregar",
    "não é possível entregar",
    "não entregue",
    "impossibile recapitare",
    "onbestelbaar",
    "kan ikke leveres",
    "kunne ikke leveres",
    "kunde inte levereras",
    "ei voitu toimittaa",
    "nie można dostarczyć",
    "nedoručitelné",
    "nedoručiteľné",
    "недоставляемое сообщение",
    "не удается доставить",
    "не доставлено",
    "配信不能",
    "无法传递",
    "無法傳遞",
    "배달되지 않음",
    "kézbesíthetetlen",
    "teslim edilemedi",
    "teslim edilemeyen",
    "αδύνατη η παράδοση",
    "nu se poate livra",
    "nedostavljivo",
};

// What a delivery report says in its words, when its sender and format are not standard.
constexpr std::string_view kBounceBodies[] = {
    "this is the mail system at host",
    "i'm afraid i wasn't able to deliver your message",
    "i'm sorry to have to inform you that your message could not",
    "this message was created automatically by mail delivery software",
    "the original message was received at",
    "delivery has failed to these recipients",
    "delivery is delayed to these recipients",
    "couldn't be delivered",
    "could not be delivered",
    "wasn't delivered to",
    "was not delivered to",
    "delivery to the following recipient failed",
    "unable to deliver your message",
    "an error occurred while trying to deliver the mail",
    "did not reach some or all of the intended recipients",
    "this message was undeliverable",
    "was undeliverable due to",
    "this is a delivery status notification",
    "delivery to this address failed permanently",
    "the following addresses had permanent fatal errors",
    "this is a warning message only",
    "message you sent was rejected",
    "was blocked by our spam firewall",
    "has not been delivered",
    "permanent error",
};

// Words a delivery report's subject holds, for reports that match no known subject.
constexpr std::string_view kDeliveryWords[] = {
    "deliver", "returned", "failure", "failed", "notification", "error",
    "status",  "bounce",   "rejected", "blocked", "undeliver",   "notice",
};

// A challenge: a service that holds the mail until the sender proves to be a person.
constexpr std::string_view kChallengeBodies[] = {
    "junk mail",          "human sender",
    "that you are a person", "that you are human",
    "not a machine",      "to have your message delivered",
    "your message will be delivered", "sender verification",
    "approve your message", "verify that you are",
    "awaits your verification", "protecting myself from",
};

// A mailbox provider's feedback loop or abuse desk telling of a spam complaint.
constexpr std::string_view kComplaintSubjects[] = {
    "email feedback report", "feedback report",          "abuse report",
    "complaint about message", "spam complaint",         "fbl report",
    "scomp report",
};

// Read receipts (message disposition notifications) by their subject.
constexpr std::string_view kReceiptSubjects[] = {
    "read:",   "not read:", "gelesen:", "lu :", "lu:",     "leído:",
    "lida:",   "letto:",    "gelezen:", "läst:", "læst:",  "luettu:",
    "przeczytane:", "přečteno:", "прочитано:", "開封済み:", "已读:",
};

// The local parts the mail system sends its reports from.
constexpr std::string_view kSystemSenders[] = {
    "mailer-daemon", "mailerdaemon", "mailer_daemon", "mail-daemon",
    "maildaemon",    "postmaster",   "mdaemon",
};

// The display names the mail system signs its reports with.
constexpr std::string_view kSystemNames[] = {
    "mail delivery system", "mail delivery subsystem", "mail administrator",
    "mail router",          "mailer-daemon",           "mail delivery service",
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

// "[SPAM] Undelivered Mail" and "***SPAM*** Returned mail": the tags a filter puts in front.
std::string_view without_tags(std::string_view s) {
  for (;;) {
    s = trim(s);
    if (!s.empty() && s[0] == '[') {
      size_t close = s.find(']');
      if (close == std::string_view::npos || close > 24) return s;
      s.remove_prefix(close + 1);
    } else if (s.rfind("***", 0) == 0) {
      size_t close = s.find("***", 3);
      if (close == std::string_view::npos || close > 24) return s;
      s.remove_prefix(close + 3);
    } else {
      return s;
    }
  }
}

}  // namespace

Classification classify(const Message& m) {
  std::string from = ascii_lower(m.from.address);
  std::string local = from.substr(0, from.find('@'));
  std::string sender_name = fold_case(trim(m.from.name));
  std::string full_subject = fold_case(trim(m.subject));
  std::string subject = fold_case(without_tags(m.subject));
  // Only the start of the body is read (reports say what they are at once), and only when a
  // rule needs it: folding 4 KB of every person's message for rules about reports cost a
  // fifth of the whole mail ingest.
  std::string folded_body;
  bool body_folded = false;
  auto body = [&]() -> const std::string& {
    if (!body_folded) {
      folded_body = fold_case(std::string_view(m.text).substr(0, 4096));
      body_folded = true;
    }
    return folded_body;
  };

  // Reports in their standard form (RFC 6522): delivery status, spam complaints (RFC 5965
  // feedback reports), read receipts.
  if (const std::string* ct = m.header("Content-Type")) {
    std::string t = ascii_lower(*ct);
    if (contains(t, "multipart/report")) {
      if (contains(t, "feedback-report")) {
        return {MessageClass::kComplaint, "a spam complaint (feedback report)"};
      }
      if (contains(t, "delivery-status")) {
        std::string kind = contains(body(), "action: delayed") && !contains(body(), "action: failed")
                               ? "a delay notice (delivery status report)"
                               : "a delivery status report (multipart/report)";
        return bounce(m, kind);
      }
      if (contains(t, "disposition-notification")) {
        return {MessageClass::kAutoReply, "a read receipt (disposition notification)"};
      }
    }
  }
  if (has_value(m, "X-Failed-Recipients")) return bounce(m, "X-Failed-Recipients header");
  for (std::string_view s : kSystemSenders) {
    if (local == s) return bounce(m, "sent by " + m.from.address);
  }
  for (const std::string& n : folded(kSystemNames)) {
    if (sender_name == n) return bounce(m, "sent by " + m.from.name);
  }
  // A complaint that is not in the report format: an abuse desk writing about a message.
  const bool replying = full_subject.rfind("re:", 0) == 0 || full_subject.rfind("fwd:", 0) == 0 ||
                        full_subject.rfind("fw:", 0) == 0;
  if (!replying && starts_with_any(subject, kComplaintSubjects)) {
    return {MessageClass::kComplaint, "subject \"" + m.subject + "\""};
  }

  // Auto-replies: RFC 3834 first, then the vendor headers, then the subject.
  if (const std::string* as = m.header("Auto-Submitted")) {
    std::string v = ascii_lower(trim(*as));
    if (!v.empty() && v != "no") return {MessageClass::kAutoReply, "Auto-Submitted: " + v};
  }
  for (const char* h : {"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation",
                        "X-Autogenerated", "X-AutoReply-From", "X-Mail-Autoreply"}) {
    if (has_value(m, h)) return {MessageClass::kAutoReply, std::string(h) + " header"};
  }
  std::string precedence = m.header("Precedence") ? ascii_lower(trim(*m.header("Precedence"))) : "";
  if (precedence == "auto_reply") return {MessageClass::kAutoReply, "Precedence: auto_reply"};
  if (!replying) {
    if (starts_with_any(subject, kAutoReplySubjects)) {
      return {MessageClass::kAutoReply, "subject \"" + m.subject + "\""};
    }
    if (starts_with_any(subject, kBounceSubjects)) {
      return bounce(m, "subject \"" + m.subject + "\"");
    }
    if (starts_with_any(subject, kReceiptSubjects)) {
      return {MessageClass::kAutoReply, "a read receipt: subject \"" + m.subject + "\""};
    }
  }
  // Nonstandard reports: a subject about delivery and a body that says what reports say.
  if (!replying && contains_any(subject, kDeliveryWords) && contains_any(body(), kBounceBodies)) {
    return bounce(m, "a delivery report: subject \"" + m.subject + "\"");
  }
  // Challenges: "please verify you are a person and your message will be delivered".
  if ((contains(subject, "verif") || contains(subject, "confirm")) &&
      contains_any(body(), kChallengeBodies)) {
    return {MessageClass::kAutoReply, "a challenge to prove the sender is a person"};
  }
  // A mailing-list manager's error report (FML and its kin sign with X-ML-Name).
  if (has_value(m, "X-ML-Name") && local.size() > 6 && local.ends_with("-admin")) {
    return bounce(m, "a list manager's report from " + m.from.address);
  }

  // Unsubscribe requests: someone asking to be taken off the list.
  std::string start = ascii_lower(trim(m.text.substr(0, 400)));
  std::string plain_subject = ascii_lower(trim(m.subject));
  if (plain_subject == "unsubscribe" || plain_subject == "remove me" ||
      ((start == "unsubscribe" || start == "unsubscribe me" || start == "please unsubscribe me" ||
        start == "remove me") &&
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
