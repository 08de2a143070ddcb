// Audit: what a valid config will still fail on when it runs — a Maildir that is not there, a
// password file that cannot be read, an environment variable that is not set — found before
// it runs, each at the FILE:LINE:COL of its key. Used by `rapport check` (the loader itself
// stays quiet about them: at run time a missing Maildir is one failing source, not a reason to
// stop the others).
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/config.h"

namespace rapport::config {

// Adds to `errors` what will fail, and to `warnings` what may: an environment variable a
// service sets later is not set here. `root` is the parsed file `cfg` was read from.
void audit(const toml::table& root, const Config& cfg, const std::string& path,
           std::vector<Error>& errors, std::vector<Error>& warnings);

}  // namespace rapport::config
