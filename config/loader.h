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
};

// Reads the file at `path`.
Loaded read_file(const std::string& path);
// Reads `toml` as if it were the file at `path` (relative paths are read from its folder).
Loaded read_text(std::string_view toml, const std::string& path);

}  // namespace rapport::config
