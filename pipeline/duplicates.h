// Duplicates: people who are probably one person, suggested with their evidence and a score,
// never merged on their own (the creator merges with `rapport contacts merge`).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/model.h"

namespace rapport::pipeline {

// The score below which `rapport contacts suggest` does not show a suggestion by default.
constexpr double kDefaultMinScore = 0.8;

struct DuplicateSuggestion {
  std::int64_t a = 0;  // the lower contact id
  std::int64_t b = 0;
  double score = 0;                   // 0..1: the evidence taken together
  std::vector<std::string> evidence;  // in words, strongest first
};

// Likely duplicates among `contacts`, best first. Pairs are only ever compared within a
// block that shares a key — a folded name, an address's local part, a handle — so the work
// grows with the people, not with their pairs; a key shared by more than `max_block` people
// says too little to compare them all and is left out. Pairs in `apart` (a merge the creator
// undid) are never suggested. Rules:
//   - the same name (NFC, diacritics folded) with different addresses;
//   - the same name at the same domain that is not a public mail provider;
//   - very similar names (Jaro-Winkler >= 0.88) with the same address local part;
//   - the same handle on two platforms, with similar or missing names.
std::vector<DuplicateSuggestion> suggest_duplicates(
    const std::vector<ContactRecord>& contacts,
    const std::set<std::pair<std::int64_t, std::int64_t>>& apart = {}, size_t max_block = 64);

}  // namespace rapport::pipeline
