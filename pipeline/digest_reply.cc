#include "pipeline/digest_reply.h"

#include <sstream>

#include "core/text.h"
#include "pipeline/who.h"

namespace rapport::pipeline {

std::optional<std::int64_t> parse_span(std::string_view word_view) {
  std::string word(word_view);
  if (word.size() < 2 || word.size() > 6) return std::nullopt;
  std::string digits = word.substr(0, word.size() - 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::int64_t n = std::stoll(digits);
  switch (word.back()) {
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    case 'w':
      return n * 7 * 86400;
    default:
      return std::nullopt;
  }
}

std::vector<DigestCommand> parse_digest_commands(std::string_view reply_text) {
  std::vector<DigestCommand> out;
  int lines = 0;
  for (const std::string& raw : split_lines(reply_text)) {
    if (++lines > 50) break;
    std::string line(trim(raw));
    if (line.size() > 200) continue;
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;) words.push_back(w);
    if (words.size() < 2 || words.size() > 7) continue;
    std::string verb = ascii_lower(words[0]);
    DigestCommand c;
    c.line = line;
    if (verb == "done" || verb == "answered") {
      c.verb = DigestCommand::Verb::kDone;
    } else if (verb == "snooze") {
      c.verb = DigestCommand::Verb::kSnooze;
      c.snooze_seconds = 7 * 86400;  // a week when no time is given
    } else {
      continue;
    }
    bool numbered = words[1].size() <= 3 &&
                    words[1].find_first_not_of("0123456789") == std::string::npos;
    if (numbered) {
      // "done 3", "snooze 2 7d": the number the digest gave the person.
      c.position = std::stoi(words[1]);
      if (words.size() > 3 || (words.size() == 3 && c.verb == DigestCommand::Verb::kDone)) {
        continue;
      }
      if (words.size() == 3) {
        auto seconds = parse_span(ascii_lower(words[2]));
        if (!seconds) continue;
        c.snooze_seconds = *seconds;
      }
    } else {
      // The person named as every command names them: an address, a phone, #id, a name; the
      // last word of a snooze may be its time.
      if (c.verb == DigestCommand::Verb::kSnooze && words.size() > 2) {
        if (auto seconds = parse_span(ascii_lower(words.back()))) {
          c.snooze_seconds = *seconds;
          words.pop_back();
        }
      }
      if (words.size() > 5) continue;  // a sentence, not a command
      for (size_t i = 1; i < words.size(); ++i) c.who += (i > 1 ? " " : "") + words[i];
    }
    out.push_back(c);
  }
  return out;
}

Result<int> apply_digest_replies(Store& store, const std::vector<Message>& messages, UnixTime now,
                                 const IdentityRules& rules) {
  int applied = 0;
  for (const Message& m : messages) {
    if (!m.outgoing) continue;
    std::vector<std::string> ids = m.references;
    if (!m.in_reply_to.empty()) ids.insert(ids.begin(), m.in_reply_to);
    for (const std::string& id : ids) {
      if (id.rfind("rapport-digest-", 0) != 0) continue;
      auto listing = store.digest_listing(id);
      if (!listing) return listing.error();
      if (listing->empty()) continue;
      for (const DigestCommand& c : parse_digest_commands(m.reply_text)) {
        std::string result;
        std::int64_t contact = 0;
        const std::string quoted = "\xE2\x80\x9C" + c.line + "\xE2\x80\x9D: ";
        if (!c.who.empty()) {
          auto found = find_person(store, c.who, rules);
          if (found) {
            contact = *found;
          } else {
            result = quoted + found.error().what;
          }
        } else if (c.position < 1 || c.position > static_cast<int>(listing->size())) {
          result = quoted + "the digest had no number " + std::to_string(c.position);
        } else {
          contact = (*listing)[static_cast<size_t>(c.position - 1)];
        }
        if (contact != 0) {
          auto who = store.contact_label(contact);
          std::string name = who ? *who : "contact " + std::to_string(contact);
          Status done;
          if (c.verb == DigestCommand::Verb::kDone) {
            done = store.record_answer(contact, m.received_at, "digest_reply",
                                       m.natural_key + " " + c.line);
            result = "answered: " + name;
          } else {
            done = store.snooze(contact, m.received_at + c.snooze_seconds);
            result = "snoozed until " +
                     local_date(m.received_at + c.snooze_seconds) + ": " +
                     name;
          }
          if (!done) return done.error();
        }
        auto fresh = store.record_digest_command(m.natural_key, c.line, result, now);
        if (!fresh) return fresh.error();
        if (*fresh) ++applied;
      }
      break;  // one digest per reply
    }
  }
  return applied;
}

}  // namespace rapport::pipeline
