// The command that prints an OAuth2 access token (XOAUTH2 for SMTP, IMAP and POP3).
#pragma once

#include <string>

#include "core/result.h"

namespace rapport {

// Runs `command` with /bin/sh and returns what it printed, trimmed (at most 16 KB).
// Fails with kConfig when it cannot run, exits non-zero or prints more than one line;
// `setting` names the config key in the hint ("[smtp] token_command"). The token is never
// part of an error.
Result<std::string> run_token_command(const std::string& command, const std::string& setting);

}  // namespace rapport
