// rapport serve: the listener and the web inbox, without polling, until Ctrl-C or SIGTERM.
#include <signal.h>

#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "app/listener.h"
#include "app/web_server.h"
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
  if (served.empty() && !cfg->web.enabled) {
    print_error(make_error(ErrorCode::kConfig, "nothing to serve", cfg->path,
                           "add an [[inbox]] of kind generic, voicemail, boostagram or form, "
                           "or a [web] table for the inbox in a browser"));
    return kUsage;
  }
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return exit_status(store.error());
  }
  SystemClock clock;
  std::unique_ptr<Listener> listener;
  if (!served.empty()) {
    ListenerOptions options;
    options.address = cfg->listener.address;
    options.port = cfg->listener.port;
    options.max_body_bytes = cfg->listener.max_body_bytes;
    options.trusted_proxy = cfg->listener.trusted_proxy;
    options.identity_rules = identity_rules(*cfg);
    listener = std::make_unique<Listener>(options, std::move(served), **store, clock);
    if (auto s = listener->start(); !s) {
      print_error(s.error());
      return kFailure;
    }
    log::info("listening on http://" + options.address + ":" + std::to_string(listener->port()));
  }
  std::unique_ptr<WebServer> web;
  if (cfg->web.enabled) {
    auto w = WebServer::start(*cfg, clock);
    if (!w) {
      print_error(w.error());
      if (listener) listener->stop();
      return kFailure;
    }
    web = std::move(*w);
    log::info("the inbox is at " + web->url());
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::info(std::string("stopping (") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  if (web) web->stop();
  if (listener) listener->stop();
  return kOk;
}

}  // namespace rapport::app
