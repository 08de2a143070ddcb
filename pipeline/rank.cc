#include "pipeline/rank.h"

#include <algorithm>

#include "store/text.h"

namespace rapport::pipeline {

std::string ordinal(int n) {
  int tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(n) + suffix;
}

std::vector<std::string> reasons_for(const DigestCandidate& c, UnixTime now) {
  std::vector<std::string> r;
  bool never_answered = !c.last_answered_at.has_value();
  if (c.total_human_messages == 1 && never_answered) {
    r.push_back("first time writing");
  } else if (never_answered) {
    r.push_back(ordinal(c.total_human_messages) + " message, never answered");
  } else if (c.unanswered_messages > 1) {
    r.push_back(std::to_string(c.unanswered_messages) + " messages since your last answer");
  }
  if (c.reply_text.find('?') != std::string::npos) r.push_back("asked a question");
  std::int64_t days = (now - c.waiting_since) / 86400;
  if (days >= 1) r.push_back("waiting " + std::to_string(days) + (days == 1 ? " day" : " days"));
  if (!c.episode_title.empty()) {
    // Most shows number their titles already ("Ep. 41: …"); add the number only when not.
    std::string title = c.episode_title;
    bool numbered = istarts_with(title, "ep") || title.find('#') != std::string::npos;
    if (c.episode_number && !numbered) {
      r.push_back("replied to Ep. " + std::to_string(*c.episode_number) + ": " + title);
    } else if (numbered) {
      r.push_back("replied to " + title);
    } else {
      r.push_back("replied to \xE2\x80\x9C" + title + "\xE2\x80\x9D");
    }
  }
  return r;
}

std::vector<DigestItem> rank(std::vector<DigestCandidate> candidates, UnixTime now,
                             int max_people) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const DigestCandidate& a, const DigestCandidate& b) {
                     if (a.first_seen_at != b.first_seen_at)
                       return a.first_seen_at > b.first_seen_at;
                     return a.contact_id > b.contact_id;
                   });
  std::vector<DigestItem> items;
  for (auto& c : candidates) {
    if (static_cast<int>(items.size()) >= max_people) break;
    DigestItem item;
    // Newer relationships score higher: 1.0 for someone first seen today, falling with age.
    double age_days =
        static_cast<double>(std::max<std::int64_t>(0, now - c.first_seen_at)) / 86400.0;
    item.score = 1.0 / (1.0 + age_days);
    item.reasons = reasons_for(c, now);
    item.who = std::move(c);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace rapport::pipeline
