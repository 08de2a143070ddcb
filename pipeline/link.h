// Link: which episode or issue a message answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/model.h"
#include "store/text.h"

namespace rapport::pipeline {

// The episode `message` answers, or nullopt. In order of evidence: the source named the
// episode (a per-episode comment feed); a comment's permalink is under the episode's page; the
// stripped subject is an
// episode's title; the subject contains a title; the subject names an episode number
// ("Ep. 41", "Episode 41", "#41"); the body links to an episode's page.
std::optional<std::int64_t> link_episode(const Message& message,
                                         const std::vector<Episode>& episodes);

}  // namespace rapport::pipeline
