// Listener-message benchmarks (not a test):
//
//   rapport_listener_bench webhook [MESSAGES] [CONNECTIONS]
//       posts MESSAGES signed JSON messages over CONNECTIONS keep-alive connections to a
//       listener on 127.0.0.1 backed by a SQLite file; reports committed messages per second.
//       Bounded: stops after MESSAGES or 60 seconds.
//   rapport_listener_bench csv [ROWS]
//       writes a CSV export of ROWS rows and imports it as `rapport import` does.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/listener.h"
#include "ingest/feed/http_client.h"
#include "ingest/inbound/import_source.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"

namespace fs = std::filesystem;
using Wall = std::chrono::steady_clock;
using namespace rapport;

namespace {

double since(Wall::time_point t) { return std::chrono::duration<double>(Wall::now() - t).count(); }

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

int webhook(int messages, int connections) {
  fs::path dir = fs::temp_directory_path() / "rapport-bench-listener";
  fs::remove_all(dir);
  auto store = SqlStore::open((dir / "bench.db").string());
  if (!store) return 1;
  SystemClock clock;
  app::ServedInbox site;
  site.inbox = {"site", ingest::InboxKind::kGeneric, {}};
  site.token = "bench-token";
  app::ListenerOptions options;
  options.port = 0;
  options.threads = 8;
  app::Listener listener(options, {site}, **store, clock);
  if (!listener.start()) return 1;
  std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/v1/messages/site";

  CURLM* multi = curl_multi_init();
  struct Conn {
    CURL* easy = nullptr;
    std::string body;
    curl_slist* headers = nullptr;
  };
  std::vector<Conn> conns(static_cast<size_t>(connections));
  int next = 0;
  int done = 0;
  int failed = 0;
  auto submit = [&](Conn& c) {
    c.body = R"({"name": "Listener )" + std::to_string(next) + R"(", "email": "listener)" +
             std::to_string(next % 5000) + R"(@example.org", "text": "Message number )" +
             std::to_string(next) + R"( about the meadow episode, with a question?", "episode": 10,
             "idempotency_key": "bench-)" +
             std::to_string(next) + "\"}";
    ++next;
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, c.body.c_str());
    curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(c.body.size()));
    curl_multi_add_handle(multi, c.easy);
  };
  for (auto& c : conns) {
    c.easy = curl_easy_init();
    c.headers = curl_slist_append(nullptr, "Authorization: Bearer bench-token");
    c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
    c.headers = curl_slist_append(c.headers, "Expect:");
    curl_easy_setopt(c.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c.easy, CURLOPT_PRIVATE, &c);
    curl_easy_setopt(c.easy, CURLOPT_TIMEOUT, 10L);
    if (next < messages) submit(c);
  }
  auto start = Wall::now();
  int running = 1;
  while ((running || done + failed < next) && since(start) < 60) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      Conn* c = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &c);
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      (m->data.result == CURLE_OK && status == 201 ? done : failed) += 1;
      curl_multi_remove_handle(multi, m->easy_handle);
      if (next < messages) submit(*c);
    }
    if (done + failed >= messages) break;
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  double seconds = since(start);
  for (auto& c : conns) {
    curl_multi_remove_handle(multi, c.easy);
    curl_easy_cleanup(c.easy);
    curl_slist_free_all(c.headers);
  }
  curl_multi_cleanup(multi);
  listener.stop();
  std::int64_t in_db = (*store)->counts()->messages;
  std::printf(
      "rapport webhook %.0f committed messages/s (%d posted over %d connections in %.2f s, "
      "%d answered 201, %d failed, %lld in the database)\n",
      done / seconds, done + failed, connections, seconds, done, failed,
      static_cast<long long>(in_db));
  fs::remove_all(dir);
  return failed == 0 && in_db == done ? 0 : 1;
}

int csv(int rows) {
  fs::path dir = fs::temp_directory_path() / "rapport-bench-csv";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "export.csv");
    out << "\xEF\xBB\xBF#,Your name,Your email,Your message,Which episode?,Submit Date (UTC)\n";
    for (int i = 0; i < rows; ++i) {
      out << "r" << i << ",\"Listener " << i << "\",listener" << (i % 20000) << "@example.org,"
          << "\"Hello Sam, row " << i << ": I loved the episode, \"\"truly\"\".\nA second line.\","
          << (i % 10 + 1) << ",2026-11-" << (10 + i % 15) << " 12:" << (10 + i % 50) << ":00\n";
    }
  }
  auto store = SqlStore::open((dir / "bench.db").string());
  if (!store) return 1;
  ingest::Inbox inbox{"form",
                      ingest::InboxKind::kCsv,
                      {{"id", "#"},
                       {"name", "Your name"},
                       {"email", "Your email"},
                       {"text", "Your message"},
                       {"episode", "Which episode?"},
                       {"received_at", "Submit Date (UTC)"}}};
  auto start = Wall::now();
  auto file = ingest::import_file(dir / "export.csv", inbox, 1795600000);
  if (!file) {
    std::cerr << file.error().to_string() << "\n";
    return 1;
  }
  double read_s = since(start);
  auto src = (*store)->source("import", "form", "bench", 1795600000);
  Batch batch;
  batch.messages = std::move(file->messages);
  for (auto& m : batch.messages) pipeline::process_message(m, {});
  auto stored = (*store)->commit_batch(src->id, batch, 1795600000);
  double total_s = since(start);
  std::printf(
      "rapport csv-import %d rows in %.2f s (%.2f s reading, %.0f rows/s; %d stored, %d people)\n",
      rows, total_s, read_s, rows / total_s, stored ? stored->messages_added : -1,
      stored ? stored->contacts_added : -1);
  fs::remove_all(dir);
  return stored ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  ingest::global_http_init();
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "webhook") {
    return webhook(argc > 2 ? std::atoi(argv[2]) : 20000, argc > 3 ? std::atoi(argv[3]) : 8);
  }
  if (cmd == "csv") return csv(argc > 2 ? std::atoi(argv[2]) : 100000);
  std::cerr << "usage: rapport_listener_bench webhook [MESSAGES] [CONNECTIONS] | csv [ROWS]\n";
  return 2;
}
