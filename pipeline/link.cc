#include "pipeline/link.h"

#include <cctype>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// Lower-cased, with runs of spaces and punctuation folded into one space, for comparing
// titles as people retype them.
std::string fold(std::string_view s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (c < 0x80 && !std::isalnum(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  }
  return out;
}

// "Ep. 9: Saving Seed" -> "Saving Seed"; titles without numbering come back unchanged.
std::string_view without_numbering(std::string_view title) {
  size_t colon = title.find(':');
  if (colon == std::string_view::npos || colon > 16) return title;
  std::string head = ascii_lower(title.substr(0, colon));
  bool numbered = head.find_first_of("0123456789") != std::string::npos &&
                  (head.rfind("ep", 0) == 0 || head.rfind("#", 0) == 0 ||
                   head.rfind("no", 0) == 0 || head.rfind("issue", 0) == 0);
  return numbered ? trim(title.substr(colon + 1)) : title;
}

// Whether `url` is the page `link` or a page under it: ".../ep-1" is not under ".../ep-10".
bool under_link(std::string_view url, std::string_view link) {
  if (link.empty() || url.rfind(link, 0) != 0) return false;
  if (url.size() == link.size() || link.back() == '/') return true;
  char next = url[link.size()];
  return next == '/' || next == '?' || next == '#';
}

// Whether `text` holds `link` as a whole URL (".../1" is not in ".../12").
bool holds_link(std::string_view text, std::string_view link) {
  for (size_t at = text.find(link); at != std::string_view::npos;
       at = text.find(link, at + 1)) {
    size_t end = at + link.size();
    if (end == text.size() || link.back() == '/') return true;
    unsigned char next = static_cast<unsigned char>(text[end]);
    if (!std::isalnum(next) && next != '-' && next != '_' && next != '.' && next != '%') {
      return true;
    }
    if (next == '.' && (end + 1 == text.size() ||
                        std::isspace(static_cast<unsigned char>(text[end + 1])))) {
      return true;  // a link ending a sentence
    }
  }
  return false;
}

std::optional<int> episode_number_in(std::string_view subject) {
  std::string s = ascii_lower(subject);
  for (const char* marker : {"episode ", "episode", "ep. ", "ep.", "ep ", "#"}) {
    size_t pos = 0;
    while ((pos = s.find(marker, pos)) != std::string::npos) {
      // The marker must start a word: "deep 4" is not "ep 4".
      bool word_start = pos == 0 || !std::isalnum(static_cast<unsigned char>(s[pos - 1]));
      size_t d = pos + std::string_view(marker).size();
      size_t end = d;
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end])) && end - d < 6)
        ++end;
      if (word_start && end > d) return std::stoi(s.substr(d, end - d));
      pos = d;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> link_episode(const Message& m, const std::vector<Episode>& episodes) {
  if (episodes.empty()) return std::nullopt;
  return EpisodeIndex(episodes).link(m);
}

EpisodeIndex::EpisodeIndex(const std::vector<Episode>& episodes) : episodes_(episodes) {
  folded_.reserve(episodes.size());
  bare_.reserve(episodes.size());
  for (const auto& e : episodes) {
    folded_.push_back(fold(e.title));
    bare_.push_back(fold(without_numbering(e.title)));
    for (const auto& id : e.newsletter_ids) newsletters_.emplace(id, e.id);
  }
}

std::optional<std::int64_t> EpisodeIndex::link(const Message& m) const {
  const std::vector<Episode>& episodes = episodes_;
  if (episodes.empty()) return std::nullopt;
  // A reply to a newsletter the creator sent: its In-Reply-To or References names it.
  if (!newsletters_.empty()) {
    if (auto it = newsletters_.find(m.in_reply_to); it != newsletters_.end()) return it->second;
    for (const auto& ref : m.references) {
      if (auto it = newsletters_.find(ref); it != newsletters_.end()) return it->second;
    }
  }
  // The source knows: a comment from an episode's own comment feed.
  if (!m.episode_guid.empty()) {
    for (const auto& e : episodes) {
      if (e.guid == m.episode_guid) return e.id;
    }
  }
  // A listener message that names its episode: by guid, page URL or number.
  if (!m.episode_ref.empty()) {
    const std::string& ref = m.episode_ref;
    for (const auto& e : episodes) {
      if (e.guid == ref || under_link(ref, e.link)) {
        return e.id;
      }
    }
    bool digits = ref.find_first_not_of("0123456789") == std::string::npos;
    std::optional<int> n =
        digits && ref.size() < 7 ? std::optional<int>(std::stoi(ref)) : episode_number_in(ref);
    for (const auto& e : episodes) {
      if (n && e.number == n) return e.id;
    }
  }
  // A comment's permalink lives under the episode's page ("…/ep-10/#comment-5").
  if (!m.url.empty()) {
    const Episode* best = nullptr;
    for (const auto& e : episodes) {
      if (e.link.size() > 12 && under_link(m.url, e.link) &&
          (!best || e.link.size() > best->link.size())) {
        best = &e;
      }
    }
    if (best) return best->id;
  }
  std::string subject = fold(strip_reply_prefixes(m.subject));
  if (!subject.empty()) {
    for (size_t i = 0; i < episodes.size(); ++i) {
      if (!episodes[i].title.empty() && folded_[i] == subject) return episodes[i].id;
    }
    // The longest title the subject contains, with or without its "Ep. 9:" numbering;
    // short titles match too easily.
    const Episode* best = nullptr;
    size_t best_len = 0;
    for (size_t i = 0; i < episodes.size(); ++i) {
      for (const std::string* t : {&folded_[i], &bare_[i]}) {
        if (t->size() >= 12 && t->size() > best_len && subject.find(*t) != std::string::npos) {
          best = &episodes[i];
          best_len = t->size();
        }
      }
    }
    if (best) return best->id;
    if (auto n = episode_number_in(strip_reply_prefixes(m.subject))) {
      for (const auto& e : episodes) {
        if (e.number && *e.number == *n) return e.id;
      }
    }
  }
  // A link to the episode's page in what they wrote.
  for (const auto& e : episodes) {
    if (e.link.size() > 12 && holds_link(m.text, e.link)) return e.id;
  }
  return std::nullopt;
}

bool is_newsletter(const Message& m) {
  for (const char* h : {"List-Unsubscribe", "List-Id"}) {
    if (const std::string* v = m.header(h); v && !trim(*v).empty()) return true;
  }
  if (const std::string* p = m.header("Precedence")) {
    std::string v = ascii_lower(trim(*p));
    if (v == "bulk" || v == "list") return true;
  }
  if (m.to.size() >= 10) return true;
  std::string self = ascii_lower(trim(m.from.address));
  for (const Address& a : m.to) {
    std::string to = ascii_lower(trim(a.address));
    bool nobody = to.empty() || to == self || istarts_with(to, "undisclosed-recipients") ||
                  istarts_with(a.name, "undisclosed-recipients");
    if (!nobody) return false;
  }
  return true;
}

}  // namespace rapport::pipeline
