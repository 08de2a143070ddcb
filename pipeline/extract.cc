#include "pipeline/extract.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/text.h"
#include "core/unicode.h"

namespace rapport::pipeline {
namespace {

// ---------------------------------------------------------------------------------------
// Lines.

// The lines of `s` as views into it, without their line ends (LF, CRLF or a lone CR).
std::vector<std::string_view> line_views(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  lines.push_back(s.substr(start));
  return lines;
}

// Whitespace a line may start or end with: ASCII, no-break space, zero-width space and the
// bidirectional marks some clients wrap addresses in.
std::string_view clean(std::string_view s) {
  auto strip_front = [&]() {
    for (;;) {
      if (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\f' || s[0] == '\v')) {
        s.remove_prefix(1);
      } else if (s.rfind("\xC2\xA0", 0) == 0) {
        s.remove_prefix(2);
      } else if (s.rfind("\xE2\x80\x8B", 0) == 0 || s.rfind("\xE2\x80\x8E", 0) == 0 ||
                 s.rfind("\xE2\x80\x8F", 0) == 0 || s.rfind("\xEF\xBB\xBF", 0) == 0) {
        s.remove_prefix(3);
      } else {
        return;
      }
    }
  };
  auto strip_back = [&]() {
    for (;;) {
      if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\f')) {
        s.remove_suffix(1);
      } else if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") {
        s.remove_suffix(2);
      } else if (s.size() >= 3 && (s.substr(s.size() - 3) == "\xE2\x80\x8B" ||
                                   s.substr(s.size() - 3) == "\xE2\x80\x8E" ||
                                   s.substr(s.size() - 3) == "\xE2\x80\x8F")) {
        s.remove_suffix(3);
      } else {
        return;
      }
    }
  };
  strip_front();
  strip_back();
  return s;
}

bool is_quoted(std::string_view cleaned) { return !cleaned.empty() && cleaned[0] == '>'; }

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_address(std::string_view s) {
  size_t at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size();
}

// ---------------------------------------------------------------------------------------
// Attribution lines: "On Tue, 17 Nov 2026 at 07:00, Sam <sam@…> wrote:" and its kin.

// The verbs of attribution lines as mail clients write them, lower-case.
constexpr std::string_view kVerbs[] = {
    "wrote",       "writes",      "said",        "schrieb",     "schreibt",    "a écrit",
    "écrit",       "escribió",    "escreveu",    "ha scritto",  "scrisse",     "schreef",
    "skrev",       "kirjoitti",   "napisał",     "napisała",    "napisal",     "napsal",
    "napísal",     "napisao",     "napisala",    "написал",     "написала",    "написа",
    "пише",        "пишет",       "писал",       "yazdı",       "のメール",    "写道",
    "寫道",        "작성",        "írta",        "έγραψε",      "a scris",     "đã viết",
    "menulis",     "เขียน",       "va escriure", "kirjutas",    "rašė",        "rakstīja",
    "ने लिखा",     "skrifaði",    "kirjoittaa",  "wrote on",    "skriver",     "escribe",
};

// Words an attribution line starts with, in the languages whose form starts with one.
constexpr std::string_view kLeads[] = {
    "on ",  "am ",    "le ",  "el ",    "em ",     "il ",    "op ",     "den ",  "pe ",
    "v ",   "w dniu", "στις", "vào ",   "pada ",   "在 ",    "בתאריך", "في ",   "dne ",
    "à ",   "kl. ",   "el dia", "on\xC2\xA0",
};

// A lower-case copy for matching (ASCII letters only: the other scripts' verbs are written
// in lower case already).
std::string lower(std::string_view s) { return ascii_lower(s); }

bool ends_with_colon(std::string_view s) {
  return ends_with(s, ":") || ends_with(s, "\xEF\xBC\x9A");  // ':' or the full-width '：'
}

// "-------- On … wrote --------" and "--- On …": the dashes around some clients' forms.
std::string_view without_dashes(std::string_view s) {
  while (!s.empty() && (s.front() == '-' || s.front() == '*' || s.front() == ' ')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '-' || s.back() == '*' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

// Whether `text` (one line, or two or three joined) is an attribution line.
bool is_attribution_text(std::string_view raw) {
  if (raw.size() > 400) return false;
  const bool dashed = raw.rfind("---", 0) == 0;
  std::string_view text = without_dashes(raw);
  if (text.size() < 6) return false;
  const bool colon = ends_with_colon(text);
  std::string low = lower(text);
  // A dashed form may end in the verb: "-------- On …, Sam wrote --------".
  if (!colon && !(dashed && ends_with(low, "wrote"))) return false;
  bool verb = false;
  for (std::string_view v : kVerbs) {
    if (contains(low, v)) {
      verb = true;
      break;
    }
  }
  // The shape of one: a date or time, an address, or one of the leading words. "Here is what
  // I wrote:" has none.
  bool lead = false;
  for (std::string_view l : kLeads) {
    if (low.rfind(l, 0) == 0) {
      lead = true;
      break;
    }
  }
  if (!(has_digit(text) || has_address(text) || lead)) return false;
  if (verb) return true;
  // Forms without a verb (Gmail in Russian, Japanese, Hebrew: "вт, 17 нояб. 2026 г. в 07:00,
  // Sam <sam@…>:"): a date and an address in brackets just before the colon.
  std::string_view head = text.substr(0, text.size() - (ends_with(text, ":") ? 1 : 3));
  head = clean(head);
  while (!head.empty() && (head.back() == ')' || static_cast<unsigned char>(head.back()) >= 0x80)) {
    // ")" and the directional marks some clients put around the address.
    if (head.back() == ')') {
      head.remove_suffix(1);
      continue;
    }
    if (head.size() >= 3 && (head.substr(head.size() - 3) == "\xE2\x80\xAC" ||
                             head.substr(head.size() - 3) == "\xE2\x80\x8F")) {
      head.remove_suffix(3);
      continue;
    }
    break;
  }
  // Mutt: "* Sam <sam@…> [2026-11-17 07:00]:".
  return (ends_with(head, ">") || (ends_with(head, "]") && raw.rfind("* ", 0) == 0)) &&
         has_address(head) && has_digit(head);
}

// A line an attribution may start on: not a sentence's end, and with a date, an address or a
// leading word of its own.
bool may_start_attribution(std::string_view line) {
  if (line.empty() || line.size() > 400) return false;
  char last = line.back();
  if (last == '.' || last == '!' || last == '?') return false;
  std::string low = lower(without_dashes(line));
  for (std::string_view l : kLeads) {
    if (low.rfind(l, 0) == 0) return true;
  }
  return has_digit(line) || has_address(line);
}

// The number of lines (1 to 3) of the attribution that starts at lines[i], or 0.
size_t attribution_at(const std::vector<std::string_view>& lines, size_t i) {
  std::string_view first = clean(lines[i]);
  if (is_quoted(first) || !may_start_attribution(first)) return 0;
  if (is_attribution_text(first)) return 1;
  std::string joined(first);
  for (size_t k = 1; k < 3 && i + k < lines.size(); ++k) {
    std::string_view next = clean(lines[i + k]);
    if (next.empty() || is_quoted(next) || next.size() > 300) return 0;
    joined += ' ';
    joined += next;
    // Only a joined text that ends as an attribution ends is read whole.
    std::string_view end = without_dashes(next);
    if (!ends_with_colon(end) && !ends_with(lower(end.substr(end.size() > 8 ? end.size() - 8 : 0)),
                                            "wrote")) {
      continue;
    }
    if (is_attribution_text(joined)) return k + 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// Header blocks: Outlook's "From: / Sent: / To: / Subject:" and its translations.

enum class Label { kNone, kFrom, kSent, kTo, kSubject, kCc };

struct LabelName {
  std::string_view name;
  Label label;
};

// Lower-case; as Outlook, Gmail, Apple Mail and Thunderbird write them in their languages.
constexpr LabelName kLabels[] = {
    {"from", Label::kFrom},         {"von", Label::kFrom},           {"de", Label::kFrom},
    {"da", Label::kFrom},           {"van", Label::kFrom},           {"från", Label::kFrom},
    {"fra", Label::kFrom},          {"lähettäjä", Label::kFrom},     {"od", Label::kFrom},
    {"от", Label::kFrom},           {"від", Label::kFrom},           {"kimden", Label::kFrom},
    {"差出人", Label::kFrom},       {"发件人", Label::kFrom},        {"寄件者", Label::kFrom},
    {"보낸 사람", Label::kFrom},    {"feladó", Label::kFrom},        {"από", Label::kFrom},
    {"de la", Label::kFrom},        {"expéditeur", Label::kFrom},    {"remitente", Label::kFrom},
    {"afzender", Label::kFrom},     {"avsändare", Label::kFrom},     {"nadawca", Label::kFrom},
    {"odesílatel", Label::kFrom},   {"sent", Label::kSent},          {"date", Label::kSent},
    {"gesendet", Label::kSent},     {"datum", Label::kSent},         {"envoyé", Label::kSent},
    {"enviado", Label::kSent},      {"enviado el", Label::kSent},    {"inviato", Label::kSent},
    {"data", Label::kSent},         {"verzonden", Label::kSent},     {"skickat", Label::kSent},
    {"sendt", Label::kSent},        {"lähetetty", Label::kSent},     {"wysłano", Label::kSent},
    {"odesláno", Label::kSent},     {"отправлено", Label::kSent},    {"надіслано", Label::kSent},
    {"gönderildi", Label::kSent},   {"tarih", Label::kSent},         {"送信日時", Label::kSent},
    {"日付", Label::kSent},         {"发送时间", Label::kSent},      {"日期", Label::kSent},
    {"寄件日期", Label::kSent},     {"보낸 날짜", Label::kSent},     {"elküldve", Label::kSent},
    {"dátum", Label::kSent},        {"στάλθηκε", Label::kSent},      {"ημερομηνία", Label::kSent},
    {"trimis", Label::kSent},       {"sent at", Label::kSent},       {"fecha", Label::kSent},
    {"to", Label::kTo},             {"an", Label::kTo},              {"à", Label::kTo},
    {"a", Label::kTo},              {"para", Label::kTo},            {"aan", Label::kTo},
    {"till", Label::kTo},           {"til", Label::kTo},             {"vastaanottaja", Label::kTo},
    {"do", Label::kTo},             {"кому", Label::kTo},            {"kime", Label::kTo},
    {"宛先", Label::kTo},           {"收件人", Label::kTo},          {"받는 사람", Label::kTo},
    {"címzett", Label::kTo},        {"προς", Label::kTo},            {"către", Label::kTo},
    {"pour", Label::kTo},           {"komu", Label::kTo},            {"subject", Label::kSubject},
    {"betreff", Label::kSubject},   {"objet", Label::kSubject},      {"asunto", Label::kSubject},
    {"assunto", Label::kSubject},   {"oggetto", Label::kSubject},    {"onderwerp", Label::kSubject},
    {"ämne", Label::kSubject},      {"emne", Label::kSubject},       {"aihe", Label::kSubject},
    {"temat", Label::kSubject},     {"předmět", Label::kSubject},    {"тема", Label::kSubject},
    {"konu", Label::kSubject},      {"件名", Label::kSubject},       {"主题", Label::kSubject},
    {"主旨", Label::kSubject},      {"제목", Label::kSubject},       {"tárgy", Label::kSubject},
    {"θέμα", Label::kSubject},      {"subiect", Label::kSubject},    {"sujet", Label::kSubject},
    {"cc", Label::kCc},             {"kopie", Label::kCc},           {"copie à", Label::kCc},
};

// The label a line starts with ("From:", "*Von:*", "De :", "发件人："), and where its value
// begins; kNone when it starts with none.
Label label_of(std::string_view line, size_t* value_at = nullptr) {
  std::string_view s = line;
  size_t skipped = 0;
  while (!s.empty() && (s.front() == '*' || s.front() == ' ')) {
    s.remove_prefix(1);
    ++skipped;
  }
  size_t colon = s.find(':');
  size_t wide = s.find("\xEF\xBC\x9A");
  size_t width = 1;
  if (wide != std::string_view::npos && (colon == std::string_view::npos || wide < colon)) {
    colon = wide;
    width = 3;
  }
  if (colon == std::string_view::npos || colon == 0 || colon > 24) return Label::kNone;
  std::string_view name = s.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '*')) name.remove_suffix(1);
  // Folded for case in every script: "От:" and "Από:" start with capitals.
  std::string low = fold_case(name);
  for (const auto& l : kLabels) {
    if (low == l.name) {
      if (value_at) {
        size_t v = skipped + colon + width;
        while (v < line.size() && (line[v] == '*' || line[v] == ' ')) ++v;
        *value_at = v;
      }
      return l.label;
    }
  }
  return Label::kNone;
}

// Whether a header block starts at lines[i]: a From (or Date/Sent) line with another of the
// labels within the next five lines, or all of them on one line.
bool header_block_at(const std::vector<std::string_view>& lines, size_t i) {
  std::string_view first = clean(lines[i]);
  size_t value = 0;
  Label l = label_of(first, &value);
  if (l != Label::kFrom && l != Label::kSent) return false;
  // "From: Sam <sam@…> Sent: Tuesday … To: … Subject: …" on one line.
  if (l == Label::kFrom) {
    std::string_view rest = first.substr(value);
    for (std::string_view other : {" Sent:", " Date:", " Gesendet:", " Envoyé :", " Enviado:",
                                   " To:", " Subject:"}) {
      if (contains(rest, other)) return true;
    }
  }
  bool from = l == Label::kFrom;
  bool other = false;
  for (size_t k = i + 1; k < lines.size() && k <= i + 5; ++k) {
    std::string_view next = clean(lines[k]);
    if (next.empty()) continue;
    Label n = label_of(next);
    if (n == Label::kNone) return false;
    from |= n == Label::kFrom;
    other |= n != Label::kFrom;
    if (from && other) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Dividers above a quoted or forwarded message.

enum class Divider { kNone, kQuote, kForward };

constexpr std::string_view kForwardWords[] = {
    "forward",   "weitergeleitet", "transféré", "reenviado", "reencaminhad", "inoltrat",
    "doorgestuurd", "vidarebefordra", "videresend", "välitetty", "przekazan",  "přeposlan",
    "пересылаем", "переслан",    "转发",      "轉寄",      "転送",         "전달",
    "továbbított", "redirecționat",
};
constexpr std::string_view kMessageWords[] = {
    "original",  "message",  "nachricht", "mensaje",   "mensagem",  "messaggio", "bericht",
    "meddelande", "melding", "meddelelse", "viesti",  "wiadomość", "zpráva",    "сообщение",
    "повідомлення", "ileti", "邮件",      "郵件",      "メッセージ", "메시지",    "üzenet",
    "μήνυμα",    "mesaj",
};

bool has_any(const std::string& low, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (contains(low, w)) return true;
  }
  return false;
}

bool has_forward_word(const std::string& low) {
  for (std::string_view w : kForwardWords) {
    if (contains(low, w)) return true;
  }
  return false;
}

bool has_message_word(const std::string& low) {
  for (std::string_view w : kMessageWords) {
    if (contains(low, w)) return true;
  }
  return false;
}

Divider divider_at(const std::vector<std::string_view>& lines, size_t i) {
  std::string_view line = clean(lines[i]);
  if (line.size() < 5 || line.size() > 120) return Divider::kNone;
  // Outlook's and Mailman's rules of underscores.
  if (line.find_first_not_of('_') == std::string_view::npos && line.size() >= 10) {
    return Divider::kQuote;
  }
  const bool dashed = line.rfind("---", 0) == 0;
  if (!dashed && !ends_with_colon(line)) return Divider::kNone;
  std::string low = lower(line);
  // "Begin forwarded message:" and its translations.
  if (ends_with_colon(line) && has_forward_word(low) && line.size() < 60 &&
      (has_message_word(low) || has_any(low, {"begin", "anfang", "début", "inicio", "início",
                                               "inizio", "begin"}))) {
    return Divider::kForward;
  }
  // "-----Original Message-----", "---------- Forwarded message ---------", "-------- Message
  // transféré --------": words between runs of dashes.
  if (dashed) {
    std::string_view words = without_dashes(line);
    if (words.empty() || words.size() > 60) return Divider::kNone;
    std::string w = lower(words);
    if (has_forward_word(w)) return Divider::kForward;
    if (has_message_word(w)) return Divider::kQuote;
    // Other words between dashes: a divider when a header block follows.
    for (size_t k = i + 1; k < lines.size() && k <= i + 2; ++k) {
      if (label_of(clean(lines[k])) != Label::kNone) return Divider::kQuote;
    }
  }
  return Divider::kNone;
}

// ---------------------------------------------------------------------------------------
// The end of a reply: footers, signatures, sign-offs.

// The lines a mail program adds at the end: "Sent from my iPhone" and its relatives. Only a
// short line at the end of what the person wrote is taken for one.
constexpr std::string_view kFooterStarts[] = {
    "Sent from my ",     "Sent from ",           "Sent with ",          "Sent via ",
    "Sent using ",       "Get Outlook for ",     "Envoyé de mon ",      "Envoyé depuis ",
    "Envoyé à partir de ", "Von meinem ",       "Gesendet von ",       "Gesendet mit ",
    "Enviado desde mi ", "Enviado desde ",       "Enviado do meu ",     "Enviado de meu ",
    "Enviado com ",      "Inviato da ",          "Inviato dal mio ",    "Verstuurd vanaf mijn ",
    "Verzonden vanaf mijn ", "Verzonden met ",  "Skickat från min ",   "Skickat från ",
    "Sendt fra min ",    "Sendt fra ",           "Lähetetty ",          "Wysłane z ",
    "Wysłano z ",        "Odesláno z ",          "Odoslané z ",         "Отправлено с ",
    "Отправлено из ",    "Надіслано з ",         "发自我的",            "從我的 ",
    "iPhoneから送信",    "Diese Nachricht wurde von meinem ", "Trimis de pe ",
    "Αποστολή από ",     "Gönderen: iPhone",     "iPhone'umdan gönderildi",
};

bool is_footer(std::string_view line) {
  if (line.empty() || line.size() > 160) return false;
  bool starts = false;
  for (std::string_view f : kFooterStarts) {
    if (line.rfind(f, 0) == 0) {
      starts = true;
      break;
    }
  }
  // Suffix forms: "iPadから送信", "iPhone에서 보냄", "Von meinem iPhone gesendet".
  if (!starts) {
    starts = ends_with(line, "から送信") || ends_with(line, "에서 보냄") ||
             ends_with(line, "gesendet") || ends_with(line, "gesendet.");
    if (!starts) return false;
  }
  // Short, as a footer is: a link in angle brackets does not count.
  std::string_view words = line.substr(0, line.find('<'));
  int count = 0;
  bool in_word = false;
  for (char c : words) {
    bool space = c == ' ' || c == '\t';
    if (!space && !in_word) ++count;
    in_word = !space;
  }
  return count <= 16 && !contains(words, "?");
}

// The closing words of a sign-off, lower-case, without their punctuation.
constexpr std::string_view kClosings[] = {
    "best",             "best wishes",        "best regards",       "all the best",
    "all best",         "regards",            "kind regards",       "warm regards",
    "warmest regards",  "warmly",             "warm wishes",        "cheers",
    "thanks",           "thank you",          "thanks so much",     "thank you so much",
    "many thanks",      "thanks again",       "thanks a lot",       "thx",
    "ta",               "love",               "lots of love",       "much love",
    "take care",        "sincerely",          "yours",              "yours truly",
    "yours sincerely",  "cordially",          "respectfully",       "greetings",
    "peace",            "hugs",               "xx",                 "xxx",
    "xo",               "xoxo",               "x",                  "with gratitude",   "much appreciated",   "appreciated",        "with thanks",
    "thanks in advance", "thank you again",   "best of luck",       "stay well",
    "keep well",        "kind wishes",        "have a great day",   "have a good one",
    "gratefully",       "blessings",          "talk soon",          "speak soon",
    "see you",          "ciao",               "viele grüße",        "liebe grüße",
    "beste grüße",      "herzliche grüße",    "freundliche grüße",  "mit freundlichen grüßen",
    "lg",               "vg",                 "grüße",              "gruß",
    "danke",            "vielen dank",        "bis bald",           "cordialement",
    "bien à vous",      "bien cordialement",  "amitiés",            "bises",
    "merci",            "merci beaucoup",     "à bientôt",          "salutations",
    "bonne journée",    "saludos",            "un saludo",          "un abrazo",
    "abrazos",          "atentamente",        "gracias",            "muchas gracias",
    "besos",            "saludos cordiales",  "abraços",            "abraço",
    "obrigado",         "obrigada",           "atenciosamente",     "beijos",
    "cumprimentos",     "grazie",             "grazie mille",       "cordiali saluti",
    "saluti",           "un saluto",          "a presto",           "groeten",
    "met vriendelijke groet", "hartelijke groet", "groetjes",       "bedankt",
    "hälsningar",       "med vänliga hälsningar", "vänliga hälsningar", "mvh",
    "tack",             "med venlig hilsen",  "venlig hilsen",      "hilsen",
    "tak",              "terveisin",          "ystävällisin terveisin", "kiitos",
    "pozdrawiam",       "z poważaniem",       "dzięki",             "s pozdravem",
    "díky",             "с уважением",        "спасибо",            "всего доброго",
    "с наилучшими пожеланиями", "よろしくお願いします", "よろしくお願いいたします",
    "谢谢",             "祝好",               "此致",               "감사합니다",
};

bool is_closing(std::string_view line) {
  std::string_view s = line;
  for (;;) {
    if (!s.empty() && (s.back() == ',' || s.back() == '!' || s.back() == '.' ||
                       s.back() == ' ' || s.back() == ';')) {
      s.remove_suffix(1);
    } else if (ends_with(s, "\xE3\x80\x82") || ends_with(s, "\xEF\xBC\x81") ||
               ends_with(s, "\xEF\xBC\x8C") || ends_with(s, "\xE3\x80\x81")) {
      s.remove_suffix(3);  // 。！，、
    } else {
      break;
    }
  }
  if (s.empty() || s.size() > 60) return false;
  // Folded for case in every script ("С уважением", "VIELE GRÜSSE").
  static const std::vector<std::string> kFolded = [] {
    std::vector<std::string> all;
    for (std::string_view c : kClosings) all.push_back(fold_case(c));
    return all;
  }();
  std::string low = fold_case(s);
  return std::find(kFolded.begin(), kFolded.end(), low) != kFolded.end();
}

// A name, or a short line of a signature block (a title, a place): few words, no sentence.
bool is_name_like(std::string_view line, size_t max_words) {
  if (line.empty() || line.size() > 60) return false;
  char last = line.back();
  if (last == '?' || last == '!' || last == ':') return false;
  // A postscript is the person's words.
  if (istarts_with(line, "p.s") || istarts_with(line, "ps:") || istarts_with(line, "ps ")) {
    return false;
  }
  // A question or a request without its mark is still one.
  std::string first = lower(line.substr(0, line.find(' ')));
  for (std::string_view w : {"could", "would", "can", "what", "how", "why", "when", "where",
                             "do", "is", "are", "will", "please", "i", "we", "my"}) {
    if (first == w) return false;
  }
  size_t words = 1;
  for (char c : line) words += c == ' ';
  // "M." is an initial; "We did it." is a sentence.
  if (last == '.' && words > 2) return false;
  return words <= max_words;
}

// "-Greta", "– Hiro", "~Tom": a dash and a name (capitalised: "- green manure" is a list).
bool is_dash_name(std::string_view line) {
  std::string_view s = line;
  for (std::string_view dash : {"-", "\xE2\x80\x93", "\xE2\x80\x94", "~"}) {
    if (s.rfind(dash, 0) == 0) {
      s.remove_prefix(dash.size());
      s = clean(s);
      if (s.empty() || s[0] == '-' || !is_name_like(s, 3) || has_digit(s)) return false;
      unsigned char c = static_cast<unsigned char>(s[0]);
      return (c >= 'A' && c <= 'Z') || c >= 0x80;
    }
  }
  return false;
}

bool is_list_item(std::string_view line) {
  return line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0 || line.rfind("\xE2\x80\xA2", 0) == 0;
}

// Drops the end of `kept` that is not the person's words: footers, sign-offs, separators.
// Never empties it: a reply of one "Thanks!" keeps it.
void trim_end(std::vector<std::string_view>& kept) {
  auto last_text = [&]() -> std::optional<size_t> {
    for (size_t i = kept.size(); i-- > 0;) {
      if (!clean(kept[i]).empty()) return i;
    }
    return std::nullopt;
  };
  // Whether more than one line holds text (counting stops at two).
  auto text_lines = [&]() {
    size_t n = 0;
    for (size_t i = kept.size(); i-- > 0 && n < 2;) n += !clean(kept[i]).empty();
    return n;
  };
  for (int round = 0; round < 6; ++round) {
    auto last = last_text();
    if (!last) return;
    kept.resize(*last + 1);
    std::string_view line = clean(kept[*last]);
    // Separators an HTML rule or a signature leaves behind.
    if (line.find_first_not_of("-_=*~") == std::string_view::npos) {
      kept.pop_back();
      continue;
    }
    if (is_footer(line) && text_lines() > 1) {
      kept.pop_back();
      continue;
    }
    if (is_dash_name(line) && text_lines() > 1) {
      // Not the last item of a list.
      bool list = false;
      for (size_t i = *last; i-- > 0;) {
        std::string_view before = clean(kept[i]);
        if (before.empty()) continue;
        list = is_list_item(before);
        break;
      }
      if (!list) {
        kept.pop_back();
        continue;
      }
    }
    // "Best regards, Emeka".
    if (size_t comma = line.find(','); comma != std::string_view::npos && text_lines() > 1 &&
                                       is_closing(line.substr(0, comma)) &&
                                       is_name_like(clean(line.substr(comma + 1)), 3)) {
      kept.pop_back();
      continue;
    }
    // A closing line, then up to three short lines: a name, a title, a place.
    bool cut = false;
    size_t seen = 0;
    for (size_t i = *last + 1; i-- > 0 && seen <= 5;) {
      std::string_view l = clean(kept[i]);
      if (l.empty()) continue;
      if (is_closing(l)) {
        bool before = false;
        for (size_t k = i; k-- > 0 && !before;) before = !clean(kept[k]).empty();
        if (!before) break;  // only "Thanks!" and a name: that is the reply
        kept.resize(i);
        cut = true;
        break;
      }
      if (!is_name_like(l, 6)) break;
      ++seen;
    }
    if (cut) continue;
    return;
  }
}

// Folds runs of blank lines to one and drops trailing spaces; trims the whole.
std::string join(const std::vector<std::string_view>& lines) {
  std::string out;
  int blank = 0;
  for (std::string_view l : lines) {
    std::string_view t = l;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    while (t.size() >= 2 && t.substr(t.size() - 2) == "\xC2\xA0") t.remove_suffix(2);
    if (clean(t).empty()) {
      if (out.empty() || ++blank > 1) continue;
      out += '\n';
      continue;
    }
    blank = 0;
    out.append(t);
    out += '\n';
  }
  return std::string(trim(out));
}

bool is_signature_separator(std::string_view raw, std::string_view line) {
  return raw == "-- " || raw == "--" || line == "--" || line == "\xE2\x80\x94" ||
         line == "\xE2\x80\x93" || line == "-- ";
}

bool is_list_footer(std::string_view line) {
  return line.rfind("-=-=-=-=-=-=", 0) == 0 ||  // groups.io
         line.rfind("You received this message because you are subscribed to the Google Groups",
                    0) == 0 ||
         line.rfind("To unsubscribe from this group and stop receiving emails from it", 0) == 0;
}

// The text of a forwarded message: what follows the divider's header block.
std::string forwarded_text(const std::vector<std::string_view>& lines, size_t divider) {
  size_t i = divider + 1;
  while (i < lines.size()) {
    std::string_view l = clean(lines[i]);
    if (l.empty() || label_of(l) != Label::kNone) {
      ++i;
      continue;
    }
    break;
  }
  std::vector<std::string_view> rest(lines.begin() + static_cast<std::ptrdiff_t>(i), lines.end());
  return join(rest);
}

}  // namespace

namespace {

// The reply of `body`; `forwarded` is set when the words are those of a forwarded message
// (they are read once more, never again: the depth does not depend on the input).
std::string extract(std::string_view body, bool forwarded) {
  std::vector<std::string_view> lines = line_views(body);
  std::vector<std::string_view> kept;
  std::optional<size_t> forward;  // a forwarding divider, for a message that only forwards
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = clean(lines[i]);
    if (line.empty()) {
      kept.push_back(lines[i]);
      continue;
    }
    if (is_quoted(line)) continue;
    if (size_t n = attribution_at(lines, i)) {
      // Quoted lines below it: the person may answer between and below them (their lines are
      // kept, the quotes dropped). Anything else below it is the earlier message.
      size_t next = i + n;
      while (next < lines.size() && clean(lines[next]).empty()) ++next;
      if (next < lines.size() && is_quoted(clean(lines[next]))) {
        i = next - 1;
        continue;
      }
      break;
    }
    if (Divider d = divider_at(lines, i); d != Divider::kNone) {
      if (d == Divider::kForward) forward = i;
      break;
    }
    if (header_block_at(lines, i)) break;
    if (is_signature_separator(lines[i], line) || is_list_footer(line)) break;
    kept.push_back(lines[i]);
  }
  trim_end(kept);
  std::string result = join(kept);
  if (!result.empty()) return result;
  if (forward && !forwarded) {
    std::string text = forwarded_text(lines, *forward);
    if (!text.empty()) return extract(text, true);
  }
  return std::string(trim(body));
}

}  // namespace

std::string extract_reply(std::string_view body) { return extract(body, false); }

}  // namespace rapport::pipeline
