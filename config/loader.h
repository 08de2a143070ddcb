// The loader: reads rapport.toml into a Config, collecting every problem with its
// FILE:LINE:COL and a hint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace rapport::config {

struct Loaded {
  std::optional<Config> config;  // set when there is no problem
  std::vector<Error> problems;   // in file order
  std::vector<Error> warnings;   // with `audit` only: what may fail where rapport runs
};

// Reads the file at `path`; with `audit`, also what will fail at run time (config/audit.h).
Loaded read_file(const std::string& path, bool audit = false);
// Reads `toml` as if it were the file at `path` (relative paths are read from its folder).
Loaded read_text(std::string_view toml, const std::string& path);

}  // namespace rapport::config
