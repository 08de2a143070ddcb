// rapport: the command-line entry point. The one place an Error becomes an exit status.
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "app/cli.h"
#include "app/commands.h"
#include "app/daemon.h"
#include "core/clock.h"
#include "ingest/decode/date_parse.h"
#include "ingest/feed/http_client.h"
#include "rapport_commit.h"  // generated: RAPPORT_COMMIT

int main(int argc, char** argv) {
  using namespace rapport;
  // `serve` and `daemon` wait for these with sigwait(); blocked here, before any thread starts,
  // so every thread inherits the mask and a signal reaches only the waiting thread.
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "serve" || command == "daemon") {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (command == "daemon") sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  }
  ingest::global_http_init();
  auto inv = app::parse_command_line(argc, argv);
  if (!inv) {
    std::cerr << "rapport: " << inv.error().to_string() << "\n";
    return 2;
  }
  if (inv->version) {
    std::cout << "rapport " << RAPPORT_VERSION << " (commit " << RAPPORT_COMMIT << ")\n";
    return 0;
  }
  if (inv->command.empty()) {
    std::cout << app::general_help();
    return inv->help ? 0 : 2;
  }
  if (inv->help) {
    std::cout << app::command_help(*app::find_command(inv->command));
    return 0;
  }
  if (const char* fixed = std::getenv("RAPPORT_NOW"); fixed && *fixed) {
    auto at = ingest::parse_date(fixed);
    if (!at) {
      std::cerr << "rapport: RAPPORT_NOW: \"" << fixed
                << "\" is not a moment Rapport can read (hint: write it as "
                   "2026-11-30T08:00:00Z, or unset it to use the machine's clock)\n";
      return 2;
    }
    if (inv->command == "daemon") {
      std::cerr << "rapport: RAPPORT_NOW is set, and a daemon whose clock stands still would "
                   "read each source once and never again (hint: unset it for the daemon)\n";
      return 2;
    }
    fix_system_clock(*at);
  }
  try {
    if (inv->command == "run") return app::run_command(*inv);
    if (inv->command == "check") return app::check_command(*inv);
    if (inv->command == "init") return app::init_command(*inv);
    if (inv->command == "status") return app::status_command(*inv);
    if (inv->command == "inspect") return app::inspect_command(*inv);
    if (inv->command == "serve") return app::serve_command(*inv);
    if (inv->command == "import") return app::import_command(*inv);
    if (inv->command == "daemon") return app::daemon_command(*inv);
    if (inv->command == "digest") return app::digest_command(*inv);
    if (inv->command == "answered") return app::answered_command(*inv);
    if (inv->command == "snooze") return app::snooze_command(*inv);
    if (inv->command == "contacts") return app::contacts_command(*inv);
    if (inv->command == "sources") return app::sources_command(*inv);
    if (inv->command == "message") return app::message_command(*inv);
    if (inv->command == "web") return app::web_command(*inv);
    if (inv->command == "store") return app::store_command(*inv);
  } catch (const std::exception& e) {
    // Every library error is turned into an Error at its wrapper; reaching here is a bug.
    std::cerr << "rapport: internal error: " << e.what()
              << " (hint: please report this with the command you ran)\n";
    return 1;
  }
  std::cout << app::general_help();
  return 2;
}
