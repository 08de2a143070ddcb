// rapport import: a CSV or JSON-lines export through a csv/jsonl inbox, a batch at a time.
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "ingest/inbound/import_source.h"
#include "pipeline/run_once.h"

namespace rapport::app {

int import_command(const Invocation& inv) {
  if (inv.arguments.size() != 1 || !inv.has("--source")) {
    std::cerr << "rapport: usage: rapport import FILE --source NAME (hint: run `rapport import "
                 "--help`)\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  const config::InboxConfig* inbox = nullptr;
  std::vector<std::string> names;
  for (const auto& in : cfg->inboxes) {
    if (in.kind == "csv" || in.kind == "jsonl") names.push_back(in.name);
    if (in.name == inv.get("--source")) inbox = &in;
  }
  if (!inbox || (inbox->kind != "csv" && inbox->kind != "jsonl")) {
    std::string near = config::nearest(inv.get("--source"), names);
    print_error(make_error(
        ErrorCode::kUsage, "no csv or jsonl [[inbox]] called \"" + inv.get("--source") + "\"",
        cfg->path, near.empty() ? "add one to the config" : "did you mean \"" + near + "\"?"));
    return kUsage;
  }
  SystemClock clock;
  std::string file = inv.arguments.front();
  auto reader = ingest::TableReader::open(file, inbox_of(*inbox), clock.now());
  if (!reader) {
    print_error(reader.error());
    return kFailure;
  }
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return exit_status(store.error());
  }
  auto src = (*store)->source("import", inbox->name,
                              inbox->path.empty() ? "rapport import" : inbox->path, clock.now());
  if (!src) {
    print_error(src.error());
    return kFailure;
  }
  auto stored_episodes = (*store)->episodes();
  const std::vector<Episode> episodes =
      stored_episodes ? std::move(*stored_episodes) : std::vector<Episode>{};
  const pipeline::EpisodeIndex index(episodes);
  const pipeline::IdentityRules rules = identity_rules(*cfg);
  // A batch at a time, each committed: an export of any size takes the memory of one batch,
  // and an interrupted import keeps what it committed (reading it again adds nothing).
  BatchResult total;
  std::int64_t rows = 0;
  std::vector<std::string> refused;  // for --json: the first ones, and a count of the rest
  std::size_t refused_count = 0;
  constexpr std::size_t kMaxListed = 1000;
  while (!(*reader)->done()) {
    ingest::ImportedFile part = (*reader)->next(ingest::kImportBatchRows);
    rows += part.rows;
    for (const auto& p : part.problems) {
      ++refused_count;
      if (inv.has("--json")) {
        if (refused.size() < kMaxListed) refused.push_back(p);
      } else {
        std::cerr << "rapport: " << printable(file, 1000) << ": " << printable(p, 1000) << "\n";
      }
    }
    Batch batch;
    batch.cursor = src->cursor;  // a manual import does not move the inbox's own cursor
    batch.warnings = std::move(part.problems);
    batch.messages = std::move(part.messages);
    for (auto& m : batch.messages) pipeline::process_message(m, index, rules);
    auto stored = (*store)->commit_batch(src->id, batch, clock.now());
    if (!stored) {
      print_error(stored.error());
      return kFailure;
    }
    total += *stored;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object()
        .key("file")
        .value(file)
        .key("rows")
        .value(rows)
        .key("imported")
        .value(total.messages_added)
        .key("already_stored")
        .value(total.messages_known)
        .key("people_added")
        .value(total.contacts_added)
        .key("refused_count")
        .value(static_cast<std::int64_t>(refused_count))
        .key("refused")
        .begin_array();
    for (const auto& p : refused) j.value(p);
    j.end_array().end_object();
    std::cout << j.str() << "\n";
  } else {
    std::cout << file << ": " << rows << " rows: " << total.messages_added << " imported, "
              << total.messages_known << " already stored, " << refused_count << " refused; "
              << total.contacts_added << " new people\n";
  }
  return refused_count == 0 ? kOk : kFailure;
}

}  // namespace rapport::app
