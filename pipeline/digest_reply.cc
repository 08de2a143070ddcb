#include "pipeline/digest_reply.h"

#include <sstream>

#include "core/text.h"

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
    std::istringstream words(ascii_lower(line));
    std::string verb, number, duration, extra;
    words >> verb >> number >> duration >> extra;
    if (!extra.empty() || number.empty() || number.size() > 3 ||
        number.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    DigestCommand c;
    c.position = std::stoi(number);
    c.line = line;
    if ((verb == "done" || verb == "answered") && duration.empty()) {
      c.verb = DigestCommand::Verb::kDone;
    } else if (verb == "snooze") {
      auto seconds = parse_span(duration.empty() ? "7d" : duration);
      if (!seconds) continue;
      c.verb = DigestCommand::Verb::kSnooze;
      c.snooze_seconds = *seconds;
    } else {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

Result<int> apply_digest_replies(Store& store, const std::vector<Message>& messages, UnixTime now) {
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
        if (c.position < 1 || c.position > static_cast<int>(listing->size())) {
          result = "\xE2\x80\x9C" + c.line + "\xE2\x80\x9D: the digest had no number " +
                   std::to_string(c.position);
        } else {
          std::int64_t contact = (*listing)[static_cast<size_t>(c.position - 1)];
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
                     format_rfc3339_utc(m.received_at + c.snooze_seconds).substr(0, 10) + ": " +
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
