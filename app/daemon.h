// Daemon: `rapport daemon`. Polls every source on its own schedule, sends the digest on the
// configured days and time, runs the listener in the same process, and runs unattended:
// one daemon per database, SIGHUP reloads the config, SIGTERM and SIGINT stop it within
// 10 seconds.
#pragma once

#include "app/cli.h"

namespace rapport::app {

int daemon_command(const Invocation& inv);

}  // namespace rapport::app
