// Rank: who to answer, in what order, and the reasons in plain words.
//
// This first cut orders by relationship: the newest relationship (first seen most recently)
// first, so new people are never buried under regulars. Deterministic: the same candidates
// give the same list.
#pragma once

#include <string>
#include <vector>

#include "store/model.h"

namespace rapport::pipeline {

// The reasons shown for one person, most telling first: "first time writing",
// "3rd message, never answered", "asked a question", "waiting 6 days", "replied to Ep. 41".
std::vector<std::string> reasons_for(const DigestCandidate& who, UnixTime now);

// At most max_people items, in digest order.
std::vector<DigestItem> rank(std::vector<DigestCandidate> candidates, UnixTime now, int max_people);

// "1st", "2nd", "3rd", "4th", "11th", "22nd".
std::string ordinal(int n);

}  // namespace rapport::pipeline
