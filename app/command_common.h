// What the subcommands share: exit statuses, printing an error, loading the config, finding
// the person a command names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/cli.h"
#include "config/config.h"
#include "core/json_writer.h"
#include "core/model.h"
#include "core/result.h"
#include "store/sql_store.h"

namespace rapport::app {

constexpr int kOk = 0;
constexpr int kFailure = 1;  // a runtime failure
constexpr int kUsage = 2;    // a usage or config error

// "rapport: where: what (hint: …)" on stderr: one line, control characters escaped.
void print_error(const Error& e);

// The exit status for a command that failed with `e`: kUsage for a usage or config error
// (kUsage, kConfig: running it again as it is cannot help), else kFailure.
int exit_status(const Error& e);

// The config file the command reads: --config, else the default.
std::string config_path(const Invocation& inv);

// Loads the config; prints the problem and returns nullopt when it is invalid.
std::optional<config::Config> load_config(const Invocation& inv);

// The stored counts as a JSON object.
void write_counts(JsonWriter& j, const Counts& c);

// A digest as a JSON object: its day, subject, whether and where it was delivered (null when
// not), the people listed with their reasons, words and reply link, who waits but is not
// listed and when they return, what needs a look, and the counts. Times in RFC 3339, local.
void write_digest(JsonWriter& j, const Digest& d, const config::Config& cfg,
                  const std::optional<std::string>& delivered);

// Opens the database and finds the person `who` names. Prints the problem and returns the
// exit status when it cannot; kOk otherwise.
int find_person(const Invocation& inv, const std::string& who, std::unique_ptr<SqlStore>& store,
                std::int64_t& id);

}  // namespace rapport::app
