// Link: which episode or issue a message answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/model.h"
#include "core/text.h"

namespace rapport::pipeline {

// The episode `message` answers, or nullopt. In order of evidence: it answers a newsletter
// the creator sent (In-Reply-To or References names its Message-ID); the source named the
// episode (a per-episode comment feed); a comment's permalink is under the episode's page; the
// stripped subject is an
// episode's title; the subject contains a title; the subject names an episode number
// ("Ep. 41", "Episode 41", "#41"); the body links to an episode's page.
std::optional<std::int64_t> link_episode(const Message& message,
                                         const std::vector<Episode>& episodes);

// The episodes prepared once for matching many messages (titles folded, newsletter ids
// hashed): link_episode for a whole batch. Refers to `episodes`, which must outlive it.
class EpisodeIndex {
 public:
  // Keeps a reference to `episodes`: they must outlive the index (a temporary is refused).
  explicit EpisodeIndex(const std::vector<Episode>& episodes);
  explicit EpisodeIndex(std::vector<Episode>&&) = delete;
  std::optional<std::int64_t> link(const Message& message) const;

 private:
  const std::vector<Episode>& episodes_;
  std::vector<std::string> folded_;  // each title, folded
  std::vector<std::string> bare_;    // each title without its "Ep. 9:" numbering, folded
  std::unordered_map<std::string, std::int64_t> newsletters_;  // Message-ID -> episode
};

// Whether the creator's outgoing `message` went to the list rather than to a person: it
// carries list headers (List-Unsubscribe, List-Id, Precedence: bulk or list), is addressed
// to no one but the sender or "undisclosed-recipients" (the list in Bcc), or to many.
bool is_newsletter(const Message& message);

}  // namespace rapport::pipeline
