#include "pipeline/run_once.h"

#include <algorithm>
#include <exception>

#include "notify/digest_render.h"
#include "notify/mime_writer.h"
#include "pipeline/classify.h"
#include "pipeline/extract.h"
#include "pipeline/link.h"
#include "pipeline/rank.h"
#include "pipeline/resolve.h"
#include "store/log.h"
#include "store/text.h"

namespace rapport::pipeline {

void process_message(Message& m, const std::vector<Episode>& episodes) {
  Classification c = classify(m);
  m.message_class = c.cls;
  m.class_reason = c.reason;
  m.reply_text = extract_reply(m.text);
  m.episode_id = link_episode(m, episodes);
  resolve(m);
}

namespace {

SourceOutcome poll_one(Store& store, ingest::Source& source, const std::vector<Episode>& episodes,
                       const Clock& clock) {
  SourceOutcome out;
  out.name = source.name();
  out.kind = std::string(source.kind());
  auto state = store.source(source.kind(), source.name(), source.location(), clock.now());
  if (!state) {
    out.error = state.error();
    return out;
  }
  Result<Batch> batch = make_error(ErrorCode::kInternal, "not polled");
  try {
    batch = source.poll(state->cursor);
  } catch (const std::exception& e) {
    // A library threw past its wrapper: that is a bug, but one source must not stop the rest.
    batch = make_error(ErrorCode::kInternal, std::string("unexpected failure: ") + e.what(),
                       source.location());
  }
  if (!batch) {
    out.error = batch.error();
    if (auto s = store.record_failure(state->id, batch.error(), clock.now()); !s) {
      log::error("cannot record the failure of " + source.name() + ": " + s.error().to_string());
    }
    return out;
  }
  for (Message& m : batch->messages) {
    process_message(m, episodes);
  }
  auto stored = store.commit_batch(state->id, *batch, clock.now());
  if (!stored) {
    out.error = stored.error();
    (void)store.record_failure(state->id, stored.error(), clock.now());
    return out;
  }
  out.stored = *stored;
  out.warnings = std::move(batch->warnings);
  return out;
}

}  // namespace

std::vector<SourceOutcome> poll_sources(Store& store,
                                        std::span<const std::unique_ptr<ingest::Source>> sources,
                                        const Clock& clock) {
  std::vector<ingest::Source*> ordered;
  for (const auto& s : sources) ordered.push_back(s.get());
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const ingest::Source* s) { return s->kind() == "feed"; });
  std::vector<SourceOutcome> outcomes;
  std::vector<Episode> episodes;
  bool episodes_loaded = false;
  for (ingest::Source* source : ordered) {
    if (source->kind() != "feed" && !episodes_loaded) {
      auto e = store.episodes();
      if (e) {
        episodes = std::move(*e);
      } else {
        log::error("cannot read episodes: " + e.error().to_string());
      }
      episodes_loaded = true;
    }
    outcomes.push_back(poll_one(store, *source, episodes, clock));
  }
  return outcomes;
}

Result<Digest> build_digest(Store& store, const DigestSettings& settings, UnixTime now) {
  auto candidates = store.digest_candidates();
  if (!candidates) return candidates.error();
  auto counts = store.counts();
  if (!counts) return counts.error();
  Digest d;
  d.slot = local_date(now);
  d.generated_at = now;
  d.show = settings.show;
  d.waiting_total = static_cast<int>(candidates->size());
  d.items = rank(std::move(*candidates), now, settings.max_people);
  d.counts = *counts;
  return d;
}

Result<DigestDelivery> deliver_digest(Store& store, const Digest& digest,
                                      const DigestSettings& settings, notify::Mailer& mailer,
                                      UnixTime now) {
  auto id = store.record_digest(digest);
  if (!id) return id.error();
  DigestDelivery out;
  notify::RenderOptions options{settings.creator_name, settings.excerpt_chars};
  out.text = notify::render_text(digest, options);
  out.html = notify::render_html(digest, options);

  notify::OutgoingMessage msg;
  msg.from_name = "Rapport";
  msg.from_address = settings.creator_email;
  msg.to_name = settings.creator_name;
  msg.to_address = settings.to;
  msg.subject = notify::digest_subject(digest);
  std::string domain = settings.creator_email.substr(settings.creator_email.find('@') + 1);
  msg.message_id = "rapport-digest-" + digest.slot + "." + std::to_string(*id) + "@" + domain;
  msg.date = now;
  msg.text = out.text;
  msg.html = out.html;
  msg.extra_header_name = "X-Rapport-Digest";
  msg.extra_header_value = digest.slot;
  out.email = notify::compose(msg);

  notify::Envelope envelope{settings.creator_email, settings.to, "digest-" + digest.slot};
  auto sent = mailer.send(envelope, out.email);
  if (!sent) return sent.error();
  out.delivered = *sent;
  if (auto s = store.mark_digest_delivered(*id, *sent, msg.message_id, now); !s) return s.error();
  return out;
}

}  // namespace rapport::pipeline
