#include "pipeline/extract.h"

#include <vector>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "On Tue, 3 Nov 2026, Sam wrote:" and its translations. `line` is trimmed; `next` is the
// following line, for headers a client wrapped in two.
bool is_attribution(std::string_view line, std::string_view next) {
  struct Form {
    const char* start;
    const char* end;
  };
  static constexpr Form kForms[] = {
      {"On ", "wrote:"},   {"Am ", "schrieb"},   {"Am ", ":"},         {"Le ", "a écrit :"},
      {"Le ", "a écrit:"}, {"El ", "escribió:"}, {"Em ", "escreveu:"}, {"Il ", "ha scritto:"},
      {"Op ", "schreef"},  {"Op ", ":"},         {"Den ", "skrev:"},   {"Den ", ":"},
  };
  // Every form starts with one of these capitals: most lines are rejected here.
  if (line.size() < 3 || std::string_view("OALEID").find(line[0]) == std::string_view::npos) {
    return false;
  }
  for (const auto& f : kForms) {
    if (line.rfind(f.start, 0) != 0) continue;
    std::string_view tail = f.end;
    // The single-colon forms need the verb too, to stay clear of ordinary sentences.
    if (tail == ":") {
      std::string joined = std::string(line) + " " + std::string(next);
      bool verb = joined.find("schrieb") != std::string::npos ||
                  joined.find("schreef") != std::string::npos ||
                  joined.find("skrev") != std::string::npos;
      if (verb && (ends_with(line, ":") || ends_with(next, ":"))) return true;
      continue;
    }
    if (line.find(tail) != std::string_view::npos && ends_with(line, ":")) return true;
    if (next.find(tail) != std::string_view::npos && ends_with(next, ":") && line.size() < 200) {
      return true;
    }
  }
  return false;
}

bool is_header_line(std::string_view line, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (istarts_with(line, n)) return true;
  }
  return false;
}

bool is_divider(std::string_view line) {
  if (line.find("Original Message") != std::string_view::npos && line.rfind("--", 0) == 0) {
    return true;
  }
  for (const char* d : {"-----Ursprüngliche Nachricht-----", "-----Message d'origine-----",
                        "-----Mensaje original-----", "-----Mensagem original-----",
                        "-----Messaggio originale-----", "-----Oorspronkelijk bericht-----",
                        "-----Ursprungligt meddelande-----", "________________________________",
                        "Begin forwarded message:", "---------- Forwarded message ---------"}) {
    if (line.rfind(d, 0) == 0) return true;
  }
  return false;
}

// The first line of a footer a mailing list adds below the message (Mailman's underscores are
// a divider already; Google Groups puts "-- " before its own).
bool is_list_footer(std::string_view line) {
  return line.rfind("-=-=-=-=-=-=", 0) == 0 ||  // groups.io
         line.rfind("You received this message because you are subscribed to the Google Groups",
                    0) == 0 ||
         line.rfind("To unsubscribe from this group and stop receiving emails from it", 0) == 0;
}

bool is_signoff(std::string_view line) {
  for (const char* s :
       {"Sent from my ", "Sent from Mail for Windows", "Get Outlook for ", "Sent from Yahoo Mail",
        "Sent with Proton Mail", "Von meinem iPhone gesendet", "Envoyé de mon ",
        "Enviado desde mi ", "Enviado do meu ", "Inviato da ", "Verstuurd vanaf mijn ",
        "Skickat från min "}) {
    if (line.rfind(s, 0) == 0) return true;
  }
  return false;
}

// The lines of `s` as views into it, without their line ends.
std::vector<std::string_view> line_views(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= s.size()) {
    size_t nl = s.find('\n', start);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    std::string_view line = s.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

}  // namespace

std::string extract_reply(std::string_view body) {
  std::vector<std::string_view> lines = line_views(body);
  std::vector<std::string_view> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = trim(lines[i]);
    std::string_view next = i + 1 < lines.size() ? trim(lines[i + 1]) : std::string_view();
    if (is_attribution(line, next) || is_divider(line)) break;
    // Outlook's plain header block: From: on one line, Sent:/Date: and To: soon after.
    if (is_header_line(line, {"From:", "Von:", "De:", "Da:", "Van:", "Från:"})) {
      bool block = false;
      for (size_t k = i + 1; k < lines.size() && k <= i + 4; ++k) {
        if (is_header_line(trim(lines[k]), {"Sent:", "Date:", "Gesendet:", "Envoyé :", "Envoyé:",
                                            "Enviado:", "Inviato:", "Verzonden:", "Skickat:", "To:",
                                            "An:", "À :", "Para:", "A:", "Aan:", "Till:"})) {
          block = true;
          break;
        }
      }
      if (block) break;
    }
    if (lines[i] == "-- " || line == "--" || line == "—") break;  // signature separator
    if (is_signoff(line) || is_list_footer(line)) break;
    if (!line.empty() && line[0] == '>') continue;
    kept.push_back(lines[i]);
  }
  std::string out;
  for (std::string_view l : kept) {
    // Trailing spaces carry nothing once flowed text has been joined.
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    out.append(l);
    out += '\n';
  }
  std::string result(trim(out));
  if (result.empty()) return std::string(trim(body));
  // Fold runs of blank lines to one.
  std::string folded;
  int blank = 0;
  for (std::string_view l : line_views(result)) {
    if (trim(l).empty()) {
      if (++blank > 1) continue;
    } else {
      blank = 0;
    }
    folded += l;
    folded += '\n';
  }
  if (!folded.empty()) folded.pop_back();
  return folded;
}

}  // namespace rapport::pipeline
