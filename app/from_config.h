// FromConfig: the pieces the commands and the daemon build from the config alike.
#pragma once

#include <memory>

#include "config/config.h"
#include "ingest/inbound.h"
#include "notify/mailer.h"
#include "pipeline/run_once.h"
#include "store/result.h"

namespace rapport::app {

// How the digest is delivered: SMTP when [smtp] is set, else an .eml file. Resolves the SMTP
// password now (fails with kConfig when it cannot be read).
Result<std::unique_ptr<notify::Mailer>> make_mailer(const config::Config& cfg);

// The adapter settings of an [[inbox]].
ingest::Inbox inbox_of(const config::InboxConfig& inbox);

// What the digest needs from [creator] and [digest].
pipeline::DigestSettings digest_settings(const config::Config& cfg);

}  // namespace rapport::app
