// Rank: who to answer, in what order, and the reasons in plain words.
//
// Each person gets a score from relationship signals, each with a weight the creator can
// change: writing for the first time, asking a question, the effort of their message, how
// long they have waited, how many times they have written without an answer, how long since
// the creator last answered them, supporting the show (boosts, a "supporter" tag), and
// answering a recent episode. Deterministic: the same data gives the same list.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/text.h"

namespace rapport::pipeline {

struct RankWeights {
  double first_time = 3.0;          // never written before
  double question = 2.0;            // asked something
  double effort = 1.0;              // per 500 characters of their own words (up to 3)
  double waiting_day = 0.25;        // per day since their oldest unanswered message (up to 14)
  double unanswered = 0.75;         // per unanswered message beyond the first (up to 5)
  double since_answer_month = 0.5;  // per 30 days since your last answer to them (up to 6)
  double supporter = 2.0;           // has boosted the show or is tagged "supporter"
  double recent_episode = 1.0;      // answered an episode published in the last 14 days
};

// Sets the weights named in `named` ("first_time" = 3.0 …); unknown names are ignored (the
// config loader refuses them).
void apply_weights(const std::map<std::string, double>& named, RankWeights& weights);

// The reasons shown for one person, most telling first: "first time writing",
// "3rd message, never answered", "asked a question", "waiting 6 days", "boosted 2,100 sats",
// "replied to Ep. 41".
std::vector<std::string> reasons_for(const DigestCandidate& who, UnixTime now);

// The score of one person; higher is more worth answering today.
double score(const DigestCandidate& who, UnixTime now, const RankWeights& weights);

// At most max_people items, highest score first (ties: the newer relationship, then id).
std::vector<DigestItem> rank(std::vector<DigestCandidate> candidates, UnixTime now, int max_people,
                             const RankWeights& weights = {});

// ordinal() ("1st", "2nd") is in core/text.h.
using rapport::ordinal;

}  // namespace rapport::pipeline
