// rapport serve: the listener alone, until Ctrl-C or SIGTERM.
#include <signal.h>

#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "app/listener.h"
#include "core/log.h"

namespace rapport::app {

int serve_command(const Invocation& inv) {
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto inboxes = served_inboxes(*cfg);
  if (!inboxes) {
    print_error(inboxes.error());
    return kUsage;
  }
  std::vector<ServedInbox> served = std::move(*inboxes);
  if (served.empty()) {
    print_error(make_error(ErrorCode::kConfig, "no [[inbox]] to serve", cfg->path,
                           "add an [[inbox]] of kind generic, voicemail, boostagram or form"));
    return kUsage;
  }
  auto store = SqliteStore::open(cfg->store.path);
  if (!store) {
    print_error(store.error());
    return kFailure;
  }
  SystemClock clock;
  ListenerOptions options;
  options.address = cfg->listener.address;
  options.port = cfg->listener.port;
  options.max_body_bytes = cfg->listener.max_body_bytes;
  options.trusted_proxy = cfg->listener.trusted_proxy;
  options.identity_rules = identity_rules(*cfg);
  Listener listener(options, std::move(served), **store, clock);
  if (auto s = listener.start(); !s) {
    print_error(s.error());
    return kFailure;
  }
  log::info("listening on http://" + options.address + ":" + std::to_string(listener.port()));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::info(std::string("stopping (") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  listener.stop();
  return kOk;
}

}  // namespace rapport::app
