// How the digest is delivered, from the config: SMTP when [smtp] is set, else an .eml file.
#pragma once

#include <memory>

#include "config/config.h"
#include "notify/mailer.h"
#include "store/result.h"

namespace rapport::app {

// Resolves the SMTP password now (fails with kConfig when it cannot be read).
Result<std::unique_ptr<notify::Mailer>> make_mailer(const config::Config& cfg);

}  // namespace rapport::app
