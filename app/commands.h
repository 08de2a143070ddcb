// The subcommands of `rapport`. Each returns the process exit status: 0 success, 1 runtime
// failure, 2 usage or config error. Output goes to stdout; diagnostics to stderr.
#pragma once

#include "app/cli.h"

namespace rapport::app {

int run_command(const Invocation& inv);
int check_command(const Invocation& inv);
int init_command(const Invocation& inv);
int status_command(const Invocation& inv);
int inspect_command(const Invocation& inv);
int serve_command(const Invocation& inv);
int import_command(const Invocation& inv);
int digest_command(const Invocation& inv);
int answered_command(const Invocation& inv);
int snooze_command(const Invocation& inv);
int contacts_command(const Invocation& inv);
int sources_command(const Invocation& inv);
int message_command(const Invocation& inv);
int web_command(const Invocation& inv);
int store_command(const Invocation& inv);

}  // namespace rapport::app
