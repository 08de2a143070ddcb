// RunOnce: one pass of everything: poll each source, process and store what it returned,
// then build, record and deliver the digest. No I/O of its own beyond the interfaces it is
// given (Source, Store, Mailer, Clock).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ingest/source.h"
#include "notify/mailer.h"
#include "store/clock.h"
#include "store/store.h"

namespace rapport::pipeline {

// Fills the pipeline's fields of a message from a source: class, reply text, episode,
// identity and display name.
void process_message(Message& message, const std::vector<Episode>& episodes);

struct SourceOutcome {
  std::string name;
  std::string kind;
  std::optional<Error> error;  // set when the poll or the commit failed; nothing was stored
  BatchResult stored;
  std::vector<std::string> warnings;
};

// Polls every source, feeds first (so mail can be linked to their episodes), and commits each
// batch with its cursor in one transaction. A failing source is recorded on its row and the
// others go on. Never throws.
std::vector<SourceOutcome> poll_sources(Store& store,
                                        std::span<const std::unique_ptr<ingest::Source>> sources,
                                        const Clock& clock);

struct DigestSettings {
  std::string creator_name;
  std::string creator_email;
  std::string show;
  std::string to;
  int max_people = 10;
  int excerpt_chars = 280;
};

// Selects and ranks the people to answer now. Fails only when the store does.
Result<Digest> build_digest(Store& store, const DigestSettings& settings, UnixTime now);

struct DigestDelivery {
  std::string text;  // the plain-text digest as sent
  std::string html;
  std::string email;      // the whole message
  std::string delivered;  // where it went, in words
};

// Records the digest for its slot, delivers it through `mailer`, and marks it delivered only
// after the mailer succeeded.
Result<DigestDelivery> deliver_digest(Store& store, const Digest& digest,
                                      const DigestSettings& settings, notify::Mailer& mailer,
                                      UnixTime now);

}  // namespace rapport::pipeline
