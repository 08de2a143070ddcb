#include "pipeline/excerpt.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters (code points) in UTF-8 text.
size_t chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` of at most `max` characters that ends at a word (or, for a text
// with no spaces in reach — CJK — at a character).
std::string_view cut_at_word(std::string_view s, size_t max) {
  size_t n = 0, i = 0;
  while (i < s.size() && n < max) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++n;
  }
  if (i >= s.size()) return s;
  size_t last_space = s.substr(0, i).find_last_of(" \n\t");
  if (last_space != std::string_view::npos && last_space > i / 2) i = last_space;
  return trim(s.substr(0, i));
}

// Words after which a '.' does not end a sentence.
bool abbreviation(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "etc", "eg", "ie", "e.g", "i.e",
      "approx", "no", "nr", "ca", "cf", "fig", "vol", "ep", "inc", "ltd", "co", "mt", "ft",
      "sra", "srta", "dra", "z.b", "bzw", "usw", "ggf", "evtl", "mme", "mlle", "sig", "ecc"};
  if (word.size() > 6) return false;
  char w[6];
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    w[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view lower(w, word.size());
  for (std::string_view k : kWords) {
    if (lower == k) return true;
  }
  return false;
}

// Whether `s` at `i` is a closing mark that belongs to the sentence before it (quotes,
// brackets, more terminators); its length in bytes, or 0.
size_t closing(std::string_view s, size_t i) {
  static constexpr std::string_view kMarks[] = {".", "!", "?", "\"", "'", ")", "]",
                                               "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB",
                                               "\xE3\x80\x8D", "\xE3\x80\x8F", "\xEF\xBC\x89"};
  for (std::string_view m : kMarks) {
    if (s.substr(i, m.size()) == m) return m.size();
  }
  return 0;
}

// A terminator that ends a sentence without a space after it (CJK), and its length.
size_t wide_terminator(std::string_view s, size_t i) {
  // 。！？ and the Arabic question mark ؟.
  static constexpr std::string_view kWide[] = {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F",
                                              "\xD8\x9F"};
  for (std::string_view m : kWide) {
    if (s.substr(i, m.size()) == m) return m.size();
  }
  return 0;
}

// Whether a line starting at `i` begins a list item ("- ", "* ", "• ", "2. ", "3) ").
bool list_item(std::string_view s, size_t i) {
  if (s.substr(i, 2) == "- " || s.substr(i, 2) == "* " || s.substr(i, 4) == "\xE2\x80\xA2 ") {
    return true;
  }
  size_t j = i;
  while (j < s.size() && j - i < 3 && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
  return j > i && j + 1 < s.size() && (s[j] == '.' || s[j] == ')') && s[j + 1] == ' ';
}

// The text with its ASCII letters lower-cased (other bytes as they are).
std::string ascii_folded(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ascii_letter(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

// How far into a sentence requests are looked for.
constexpr size_t kRequestReach = 2000;

// asks() on a trimmed sentence `s`, given `lower`: the same bytes, ASCII lower-cased.
bool asks_folded(std::string_view s, std::string_view lower);

// A salutation on its own ("Hi Sam,", "Hola Sam,", "Dear Sam!"): no context for anyone.
bool salutation(std::string_view sentence) {
  std::string_view s = trim(sentence);
  return !s.empty() && chars(s) <= 30 && (s.back() == ',' || s.back() == '!') &&
         s.find_first_of(".?") == std::string_view::npos;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> split_sentences(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t start = 0;
  auto emit = [&](size_t end) {
    while (start < end && space(text[start])) ++start;
    size_t e = end;
    while (e > start && space(text[e - 1])) --e;
    if (e > start) out.emplace_back(start, e);
    start = end;
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      // A blank line, or a list item, starts a new sentence.
      size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) ++j;
      if (j < text.size() && (text[j] == '\n' || list_item(text, j))) {
        emit(i);
        i = j;
        continue;
      }
      ++i;
      continue;
    }
    // The wide terminators (。！？ ؟) start with one of three bytes: look no further otherwise.
    const unsigned char lead = static_cast<unsigned char>(c);
    if (size_t w = lead == 0xE3 || lead == 0xEF || lead == 0xD8 ? wide_terminator(text, i) : 0) {
      size_t end = i + w;
      while (end < text.size()) {
        size_t more = closing(text, end) ? closing(text, end) : wide_terminator(text, end);
        if (!more) break;
        end += more;
      }
      emit(end);
      i = end;
      continue;
    }
    bool ellipsis = text.substr(i, 3) == "\xE2\x80\xA6";
    if (c == '.' || c == '!' || c == '?' || ellipsis) {
      size_t end = i + (ellipsis ? 3 : 1);
      while (end < text.size()) {
        size_t more = closing(text, end);
        if (!more) break;
        end += more;
      }
      // Only before white space or the end: "example.com", "3.5", "?id=1" go on.
      if (end < text.size() && !space(text[end])) {
        i = end;
        continue;
      }
      if (c == '.' && !ellipsis && end == i + 1) {
        // The word before the dot: an abbreviation or an initial does not end a sentence.
        size_t w = i;
        while (w > start && !space(text[w - 1])) --w;
        std::string_view word = text.substr(w, i - w);
        while (!word.empty() && (word.front() == '(' || word.front() == '"')) word.remove_prefix(1);
        bool initial = word.size() == 1 && std::isupper(static_cast<unsigned char>(word[0]));
        if (initial || abbreviation(word)) {
          i = end;
          continue;
        }
      }
      emit(end);
      i = end;
      continue;
    }
    ++i;
  }
  emit(text.size());
  return out;
}

bool asks(std::string_view sentence) {
  std::string_view s = trim(sentence);
  return asks_folded(s, ascii_folded(s.substr(0, kRequestReach)));
}

namespace {

bool asks_folded(std::string_view s, std::string_view lower) {
  if (s.empty()) return false;
  // A question: a question mark at its end (before closing marks), or a Spanish opening one.
  size_t e = s.size();
  while (e > 0) {
    unsigned char c = static_cast<unsigned char>(s[e - 1]);
    if (c == '"' || c == '\'' || c == ')' || c == ']' || c == ' ' || c == '!' || c == '.') {
      --e;
    } else if (c >= 0x80 && e >= 3 && (s.substr(e - 3, 3) == "\xE2\x80\x9D" ||
                                       s.substr(e - 3, 3) == "\xE2\x80\x99")) {
      e -= 3;
    } else {
      break;
    }
  }
  if (e > 0 && s[e - 1] == '?') return true;
  if (e >= 3 && s.substr(e - 3, 3) == "\xEF\xBC\x9F") return true;  // ？
  if (e >= 2 && s.substr(e - 2, 2) == "\xD8\x9F") return true;      // ؟
  if (s.find("\xC2\xBF") != std::string_view::npos) return true;     // ¿
  // A request, by how it starts: an imperative or a question without its mark.
  static constexpr std::string_view kStarts[] = {
      "could i", "can i", "may i", "tell me", "tell us", "send me", "do you", "are you",
      "have you", "maybe you could", "perhaps you could", "you should do", "do an episode",
      "talk about", "could we", "can we", "shall we", "share ", "recommend",
      // es, pt, fr, it, de, nl, pl, sv
      "puedes", "pode ", "est-ce que", "peux-tu", "kannst du", "kan du"};
  lower = lower.substr(0, kRequestReach);
  for (std::string_view k : kStarts) {
    if (lower.compare(0, k.size(), k) == 0) return true;
  }
  // A request anywhere in it: "could you", "I'd love to know", the word for "please" (ASCII
  // lower-cased; other scripts as written), in the languages the reply extractor reads.
  static constexpr std::string_view kAnywhere[] = {
      "could you", "would you", "can you", "will you", "would it be possible",
      "is it possible", "i was wondering", "i wonder if", "i'd love it if", "i would love it if",
      "love to know", "love to hear", "like to know", "it would be great if",
      "it'd be great if", "let me know", "let us know", "any chance", "any tips", "any advice",
      "please", "por favor", "podrías", "podría", "me gustaría", "você poderia", "poderia",
      "gostaria", "pourriez-vous", "pourriez vous", "pourrais-tu", "pouvez-vous", "j'aimerais",
      "s'il vous pla", "s'il te pla", "potresti", "potrebbe", "mi piacerebbe", "per favore",
      "könnten sie", "könntest du", "würdest du", "würden sie", "bitte", "zou je", "kun je",
      "kunt u", "zou u", "alsjeblieft", "czy mógłbyś", "czy mogłabyś", "czy możesz", "proszę",
      "prosze", "skulle du", "snälla", "пожалуйста", "не могли бы", "お願い", "ください",
      "でしょうか", "请", "請", "부탁", "주세요", "lütfen", "παρακαλώ", "prosím"};
  // One pass over the sentence, trying at each word's start only the phrases that begin with
  // its byte: a megabyte of sentences is read in tens of milliseconds, not hundreds.
  static const std::array<std::vector<std::string_view>, 256> kByFirst = [] {
    std::array<std::vector<std::string_view>, 256> t;
    for (std::string_view k : kAnywhere) t[static_cast<unsigned char>(k[0])].push_back(k);
    return t;
  }();
  for (size_t at = 0; at < lower.size(); ++at) {
    // A word's start, not the inside of another ("displeased").
    if (at > 0 && ascii_letter(lower[at - 1])) continue;
    for (std::string_view k : kByFirst[static_cast<unsigned char>(lower[at])]) {
      if (lower.compare(at, k.size(), k) != 0) continue;
      if (k == "please" && at + 6 < lower.size() && lower[at + 6] == 'd') continue;  // "pleased"
      return true;
    }
  }
  return false;
}

}  // namespace

bool asks_anything(std::string_view text) {
  // Lower-cased once for every sentence, not copied sentence by sentence.
  const std::string lower = ascii_folded(text);
  for (auto [b, e] : split_sentences(text)) {
    std::string_view sentence = text.substr(b, e - b);
    std::string_view s = trim(sentence);
    size_t from = b + static_cast<size_t>(s.data() - sentence.data());
    if (asks_folded(s, std::string_view(lower).substr(from, s.size()))) return true;
  }
  return false;
}

std::vector<ExcerptPart> excerpt_conversation(const std::vector<std::string_view>& messages,
                                              size_t budget) {
  // Each sentence taken costs its characters and three for what joins it (" " or " … "); what
  // a part may add at its ends ("… ", " …") is outside the budget: four characters a part.
  struct Pick {
    int message;
    size_t sentence;
    std::string_view text;
    bool ask;
  };
  std::vector<std::vector<std::pair<size_t, size_t>>> sentences;
  std::vector<size_t> lead;  // salutations at the start of each message ("Hi Sam,")
  std::vector<Pick> asked;
  for (size_t m = 0; m < messages.size(); ++m) {
    sentences.push_back(split_sentences(messages[m]));
    size_t n = 0;
    while (n < sentences.back().size() &&
           salutation(messages[m].substr(sentences.back()[n].first,
                                         sentences.back()[n].second - sentences.back()[n].first))) {
      ++n;
    }
    lead.push_back(n);
    for (size_t s = 0; s < sentences.back().size(); ++s) {
      auto [b, e] = sentences.back()[s];
      std::string_view t = messages[m].substr(b, e - b);
      if (asks(t)) asked.push_back({static_cast<int>(m), s, t, true});
    }
  }
  // The opening line for context: the first sentence of the oldest message that has one,
  // past a salutation ("Hi Sam,").
  std::vector<Pick> chosen;
  size_t used = 0;
  for (size_t m = 0; m < messages.size(); ++m) {
    size_t first = lead[m];
    if (first >= sentences[m].size()) continue;
    auto [b, e] = sentences[m][first];
    std::string_view t = messages[m].substr(b, e - b);
    bool opening_asks = !asked.empty() && asked.front().message == static_cast<int>(m) &&
                        asked.front().sentence == first;
    if (!opening_asks) {
      // At most a third of the budget when there are questions to show after it.
      size_t room = asked.empty() ? budget : std::max<size_t>(budget / 3, 40);
      std::string_view cut = cut_at_word(t, room);
      chosen.push_back({static_cast<int>(m), first, cut, false});
      used += chosen.back().text.size() == t.size() ? chars(t) : chars(cut) + 1;
    }
    break;
  }
  if (asked.empty()) {
    // Nothing asked: what they said, from the newest message's start, as far as the budget goes.
    int newest = static_cast<int>(messages.size()) - 1;
    for (size_t s = chosen.empty() || chosen[0].message != newest ? 0 : chosen[0].sentence + 1;
         newest >= 0 && s < sentences[static_cast<size_t>(newest)].size(); ++s) {
      auto [b, e] = sentences[static_cast<size_t>(newest)][s];
      std::string_view t = messages[static_cast<size_t>(newest)].substr(b, e - b);
      size_t n = chars(t);
      // A name alone on the last line is a sign-off, not something they said.
      bool sign_off = s + 1 == sentences[static_cast<size_t>(newest)].size() && n <= 24 &&
                      t.find_first_of(".?!") == std::string_view::npos &&
                      std::count(t.begin(), t.end(), ' ') <= 1;
      if (sign_off) break;
      if (used + n + 3 > budget) {
        if (used + 20 < budget) {
          chosen.push_back({newest, s, cut_at_word(t, budget - used - 4), false});
          used += chars(chosen.back().text) + 4;
        }
        break;
      }
      chosen.push_back({newest, s, t, false});
      used += n + 3;
    }
  }
  for (const Pick& a : asked) {
    size_t n = chars(a.text);
    if (used + n + 3 > budget) {
      // The first question is always shown, cut to what is left; later ones only whole.
      bool any_ask = std::any_of(chosen.begin(), chosen.end(), [](const Pick& p) { return p.ask; });
      if (!any_ask && used + 20 < budget) {
        chosen.push_back({a.message, a.sentence, cut_at_word(a.text, budget - used - 4), true});
        used += chars(chosen.back().text) + 4;  // what joins it and the "…" that ends it
      }
      continue;
    }
    chosen.push_back(a);
    used += n + 3;
  }
  // What is left of the budget goes to what leads up to each ask — the sentences just before it
  // say what the ask is about ("two colleagues of mine would talk", "our survey is at …") —
  // nearest first, two at most an ask, only whole sentences; a salutation or a sign-off never.
  auto taken = [&](int m, size_t s) {
    return std::any_of(chosen.begin(), chosen.end(),
                       [&](const Pick& p) { return p.message == m && p.sentence == s; });
  };
  const std::vector<Pick> asks_shown = [&] {
    std::vector<Pick> v;
    for (const Pick& p : chosen) {
      if (p.ask) v.push_back(p);
    }
    return v;
  }();
  // Contiguous only: a lead-up sentence that does not fit stops that ask's lead-up (no gap).
  std::vector<bool> stopped(asks_shown.size(), false);
  for (size_t back = 1; back <= 2; ++back) {
    for (size_t k = 0; k < asks_shown.size(); ++k) {
      const Pick& a = asks_shown[k];
      if (stopped[k] || a.sentence < back) continue;
      size_t s = a.sentence - back;
      size_t m = static_cast<size_t>(a.message);
      if (s < lead[m] || taken(a.message, s)) {
        stopped[k] = true;  // the opening, another ask, or a salutation: already said or nothing
        continue;
      }
      auto [b, e] = sentences[m][s];
      std::string_view t = messages[m].substr(b, e - b);
      size_t n = chars(t);
      if (used + n + 3 > budget) {
        stopped[k] = true;
        continue;
      }
      chosen.push_back({a.message, s, t, false});
      used += n + 3;
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(), [](const Pick& x, const Pick& y) {
    return x.message != y.message ? x.message < y.message : x.sentence < y.sentence;
  });
  // One part per message: sentences next to each other joined by a space, "…" for a gap, at
  // the start when the message's first sentence is left out, at the end when its last is, or
  // where a sentence was cut.
  std::vector<ExcerptPart> parts;
  const std::string kEllipsis = "\xE2\x80\xA6";
  for (size_t i = 0; i < chosen.size(); ++i) {
    const Pick& p = chosen[i];
    const auto& all = sentences[static_cast<size_t>(p.message)];
    auto [b, e] = all[p.sentence];
    bool whole = p.text.size() == e - b;
    if (parts.empty() || parts.back().message != p.message) {
      bool from_start = p.sentence <= lead[static_cast<size_t>(p.message)];
      parts.push_back({p.message, from_start ? "" : kEllipsis + " "});
    } else {
      const Pick& prev = chosen[i - 1];
      bool after_cut = parts.back().text.size() >= kEllipsis.size() &&
                       parts.back().text.compare(parts.back().text.size() - kEllipsis.size(),
                                                 kEllipsis.size(), kEllipsis) == 0;
      parts.back().text += p.sentence == prev.sentence + 1 || after_cut ? " " : " " + kEllipsis + " ";
    }
    parts.back().text += std::string(p.text);
    bool last_of_message = i + 1 == chosen.size() || chosen[i + 1].message != p.message;
    if (!whole) {
      parts.back().text += kEllipsis;
    } else if (last_of_message && p.sentence + 1 < all.size()) {
      parts.back().text += " " + kEllipsis;
    }
  }
  return parts;
}

}  // namespace rapport::pipeline
