#include "pipeline/rank.h"

#include <algorithm>

#include "core/text.h"

namespace rapport::pipeline {

namespace {

constexpr std::int64_t kDay = 86400;


bool first_time(const DigestCandidate& c) {
  return c.total_human_messages == 1 && !c.last_answered_at.has_value();
}

bool asked(const DigestCandidate& c) {
  return c.asks_question || c.reply_text.find('?') != std::string::npos;
}

std::int64_t words_size(const DigestCandidate& c) {
  return std::max(c.reply_chars, static_cast<std::int64_t>(c.reply_text.size()));
}

bool recent_episode(const DigestCandidate& c, UnixTime now) {
  return c.episode_published_at && now - *c.episode_published_at <= 14 * kDay;
}

}  // namespace

void apply_weights(const std::map<std::string, double>& named, RankWeights& w) {
  const std::pair<const char*, double*> slots[] = {
      {"first_time", &w.first_time}, {"question", &w.question},
      {"effort", &w.effort},         {"waiting_day", &w.waiting_day},
      {"unanswered", &w.unanswered}, {"since_answer_month", &w.since_answer_month},
      {"supporter", &w.supporter},   {"recent_episode", &w.recent_episode}};
  for (const auto& [name, slot] : slots) {
    if (auto it = named.find(name); it != named.end()) *slot = it->second;
  }
}

double score(const DigestCandidate& c, UnixTime now, const RankWeights& w) {
  double s = 0;
  if (first_time(c)) s += w.first_time;
  if (asked(c)) s += w.question;
  s += w.effort * std::min(3.0, static_cast<double>(words_size(c)) / 500.0);
  s += w.waiting_day *
       std::min(14.0, static_cast<double>(std::max<std::int64_t>(0, now - c.waiting_since)) / kDay);
  s += w.unanswered * std::min(5, std::max(0, c.unanswered_messages - 1));
  if (c.last_answered_at) {
    s += w.since_answer_month *
         std::min(6.0, static_cast<double>(std::max<std::int64_t>(0, now - *c.last_answered_at)) /
                           (30.0 * kDay));
  }
  if (c.boost_sats > 0 || c.supporter) s += w.supporter;
  if (recent_episode(c, now)) s += w.recent_episode;
  return s;
}

std::vector<std::string> reasons_for(const DigestCandidate& c, UnixTime now) {
  std::vector<std::string> r;
  bool never_answered = !c.last_answered_at.has_value();
  if (first_time(c)) {
    r.push_back("first time writing");
  } else if (never_answered) {
    r.push_back(ordinal(c.total_human_messages) + " message, never answered");
  } else if (c.unanswered_messages > 1) {
    r.push_back(std::to_string(c.unanswered_messages) + " messages since your last answer");
  }
  if (asked(c)) r.push_back("asked a question");
  std::int64_t days = (now - c.waiting_since) / kDay;
  if (days >= 1) r.push_back("waiting " + std::to_string(days) + (days == 1 ? " day" : " days"));
  if (c.last_answered_at) {
    std::int64_t months = (now - *c.last_answered_at) / (30 * kDay);
    if (months >= 2) r.push_back("last answered " + std::to_string(months) + " months ago");
  }
  if (c.boost_sats > 0) {
    r.push_back("boosted " + grouped(c.boost_sats) + (c.boost_sats == 1 ? " sat" : " sats"));
  } else if (c.supporter) {
    r.push_back("a supporter");
  }
  if (c.identity_kind == "unknown") r.push_back("unknown sender: no address to answer");
  if (!c.episode_title.empty()) {
    // Most shows number their titles already ("Ep. 41: …"); add the number only when not.
    std::string title = c.episode_title;
    bool numbered = istarts_with(title, "ep") || title.find('#') != std::string::npos;
    std::string replied;
    if (c.episode_number && !numbered) {
      replied = "replied to Ep. " + std::to_string(*c.episode_number) + ": " + title;
    } else if (numbered) {
      replied = "replied to " + title;
    } else {
      replied = "replied to \xE2\x80\x9C" + title + "\xE2\x80\x9D";
    }
    r.push_back(replied);
  }
  return r;
}

std::vector<DigestItem> rank(std::vector<DigestCandidate> candidates, UnixTime now, int max_people,
                             const RankWeights& weights) {
  // Scores are sorted, not the candidates: a show with 20,000 people waiting moves 20,000
  // small keys, and only the people listed become items (with their reasons).
  struct Key {
    double score;
    size_t at;
  };
  std::vector<Key> keys;
  keys.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) keys.push_back({score(candidates[i], now, weights), i});
  size_t n = std::min(keys.size(), static_cast<size_t>(std::max(max_people, 0)));
  auto before = [&](const Key& a, const Key& b) {
    if (a.score != b.score) return a.score > b.score;
    const DigestCandidate& x = candidates[a.at];
    const DigestCandidate& y = candidates[b.at];
    if (x.first_seen_at != y.first_seen_at) return x.first_seen_at > y.first_seen_at;
    if (x.contact_id != y.contact_id) return x.contact_id > y.contact_id;
    return a.at < b.at;  // as given, for equal keys
  };
  std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n), keys.end(),
                    before);
  std::vector<DigestItem> items;
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    DigestCandidate& c = candidates[keys[i].at];
    DigestItem item;
    item.score = keys[i].score;
    item.reasons = reasons_for(c, now);
    item.who = std::move(c);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace rapport::pipeline
