// rapport digest: show today's digest, or deliver it now.
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "notify/digest_render.h"
#include "pipeline/run_once.h"

namespace rapport::app {

int digest_command(const Invocation& inv) {
  bool preview = inv.has("--preview");
  bool send = inv.has("--send");
  if (preview == send) {
    std::cerr << "rapport: give --preview or --send (hint: run `rapport digest --help`)\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return exit_status(store.error());
  }
  if (!cfg->digest.timezone.empty()) {
    setenv("TZ", cfg->digest.timezone.c_str(), 1);
    tzset();
  }
  SystemClock clock;
  auto settings = digest_settings(*cfg);
  auto digest = pipeline::build_digest(**store, settings, clock.now());
  if (!digest) {
    print_error(digest.error());
    return kFailure;
  }
  notify::RenderOptions render{cfg->creator.name, cfg->digest.excerpt_chars,
                               settings.reply_subject};
  if (preview) {
    if (inv.has("--html")) {
      std::ofstream out(inv.get("--html"), std::ios::binary | std::ios::trunc);
      out << notify::render_html(*digest, render);
      if (!out) {
        print_error(make_error(ErrorCode::kIo, "cannot write the HTML", inv.get("--html")));
        return kFailure;
      }
    }
    if (inv.has("--json")) {
      JsonWriter j;
      write_digest(j, *digest, *cfg, std::nullopt);
      std::cout << j.str() << "\n";
    } else {
      std::cout << notify::render_text(*digest, render);
    }
    return kOk;
  }
  auto mailer = make_mailer(*cfg);
  if (!mailer) {
    print_error(mailer.error());
    return kUsage;
  }
  auto sent = pipeline::deliver_digest(**store, *digest, settings, **mailer, clock.now());
  if (!sent) {
    print_error(sent.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    write_digest(j, *digest, *cfg, sent->delivered);
    std::cout << j.str() << "\n";
  } else if (!inv.has("--quiet")) {
    std::cout << "digest for " << long_date_of_day(digest->slot) << " "
              << (sent->delivered.rfind("file ", 0) == 0 ? "written to " + sent->delivered.substr(5)
                                                          : "sent: " + sent->delivered)
              << " (" << count_of(static_cast<std::int64_t>(digest->items.size()), "person", "people")
              << ")\n";
  }
  return kOk;
}

}  // namespace rapport::app
