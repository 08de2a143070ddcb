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
#include "store/sqlite_store.h"

namespace rapport::app {

constexpr int kOk = 0;
constexpr int kFailure = 1;  // a runtime failure
constexpr int kUsage = 2;    // a usage or config error

// "rapport: where: what (hint: …)" on stderr: one line, control characters escaped.
void print_error(const Error& e);

// The config file the command reads: --config, else the default.
std::string config_path(const Invocation& inv);

// Loads the config; prints the problem and returns nullopt when it is invalid.
std::optional<config::Config> load_config(const Invocation& inv);

// The stored counts as a JSON object.
void write_counts(JsonWriter& j, const Counts& c);

// Opens the database and finds the person `who` names. Prints the problem and returns the
// exit status when it cannot; kOk otherwise.
int find_person(const Invocation& inv, const std::string& who, std::unique_ptr<SqliteStore>& store,
                std::int64_t& id);

}  // namespace rapport::app
