// The first IMAP sync, the wait a creator feels (not a test):
//
//   rapport_imap_bench CUR_DIR RAPPORT [ROUND_TRIP_MS...]     (default: 0 50)
//
// Starts a real Dovecot from a temporary folder (tests/support/dovecot_server.h), puts every
// message of the Maildir folder CUR_DIR into its INBOX and has it indexed, then for each round
// trip: mbsync (Debian's isync, `FSync no`: SQLite in WAL mode does not sync each commit
// either) copies the folder into a new Maildir, and `RAPPORT run` reads it into a new database
// with the default config (TLS from the start on the IMAPS port, as `security = "tls"`, the
// default, reads; mbsync the same; one certificate). A round trip above 0 puts a
// relay written here between client and server that holds every chunk for half of it in each
// direction, as a distant server does; it reads as fast as it is sent, so it adds latency
// without limiting throughput. Wall time and peak memory of each whole process.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/dovecot_server.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// One direction of a relayed connection: what is read from `from` is written to `to` `delay`
// later, in order.
void pump(int from, int to, std::chrono::milliseconds delay) {
  struct Queue {
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::pair<Clock::time_point, std::string>> chunks;
    bool closed = false;
  };
  auto q = std::make_shared<Queue>();
  std::thread writer([q, to] {
    for (;;) {
      std::pair<Clock::time_point, std::string> c;
      {
        std::unique_lock lock(q->m);
        q->cv.wait(lock, [&] { return !q->chunks.empty() || q->closed; });
        if (q->chunks.empty()) break;
        c = std::move(q->chunks.front());
        q->chunks.pop_front();
      }
      std::this_thread::sleep_until(c.first);
      for (size_t off = 0; off < c.second.size();) {
        ssize_t n = ::send(to, c.second.data() + off, c.second.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
      }
    }
    ::shutdown(to, SHUT_WR);
  });
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::recv(from, buf, sizeof buf, 0);
    std::lock_guard lock(q->m);
    if (n <= 0) {
      q->closed = true;
      q->cv.notify_all();
      break;
    }
    q->chunks.emplace_back(Clock::now() + delay, std::string(buf, static_cast<size_t>(n)));
    q->cv.notify_all();
  }
  writer.join();
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A relay on 127.0.0.1 to `target` adding `one_way` each way. Lives until the process ends.
int start_relay(int target, std::chrono::milliseconds one_way) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return -1;
  }
  std::thread([listener, target, one_way] {
    for (;;) {
      int client = ::accept(listener, nullptr, nullptr);
      if (client < 0) return;
      int server = connect_to(target);
      if (server < 0) {
        ::close(client);
        continue;
      }
      std::thread([client, server, one_way] {
        std::thread up([=] { pump(client, server, one_way); });
        pump(server, client, one_way);
        up.join();
        ::close(client);
        ::close(server);
      }).detach();
    }
  }).detach();
  return ntohs(a.sin_port);
}

struct Run {
  double seconds = 0;
  double cpu = 0;  // user + system seconds of the process
  long peak_kb = 0;
  int status = -1;
};

// Runs `argv` with stdout and stderr to `log`; its wall time and peak resident memory.
Run run(const std::vector<std::string>& argv, const fs::path& log) {
  std::fflush(stdout);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.peak_kb = usage.ru_maxrss;
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  r.cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// One line of the table; a failed run's log follows it.
void report(int rtt, int attempt, const char* who, const Run& r, long messages,
            const fs::path& log) {
  std::printf("round trip %3d ms  #%d %-18s %7.2f s  cpu %6.2f s  peak %4ld MB  %ld messages%s\n",
              rtt, attempt, who, r.seconds, r.cpu, r.peak_kb / 1024, messages,
              r.status == 0 ? "" : "  (it failed: see its log)");
  if (r.status != 0) std::cerr << rapport::testing::read_file(log);
}

long count_rows(const fs::path& db, const char* sql) {
  sqlite3* h = nullptr;
  long v = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = static_cast<long>(sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return v;
}

long files_in(const fs::path& dir) {
  long n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    n += e.is_regular_file() && e.path().parent_path().filename() == "cur";
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: rapport_imap_bench CUR_DIR RAPPORT [ROUND_TRIP_MS...]\n";
    return 2;
  }
  const std::string cur = argv[1];
  const std::string rapport = fs::absolute(argv[2]).string();
  std::vector<int> round_trips;
  for (int i = 3; i < argc; ++i) round_trips.push_back(std::atoi(argv[i]));
  if (round_trips.empty()) round_trips = {0, 50};
  const bool have_mbsync = fs::exists("/usr/bin/mbsync") && !std::getenv("RAPPORT_BENCH_NO_MBSYNC");

  rapport::testing::DovecotTestServer server("bench", "bench-password");
  if (!server.ready()) {
    std::cerr << "Dovecot did not start: " << server.why_not_ready() << "\n";
    return 1;
  }
  auto seeded_at = Clock::now();
  long messages = server.seed_inbox(cur);
  if (messages <= 0) {
    std::cerr << "could not put the corpus into Dovecot\n";
    return 1;
  }
  std::printf("Dovecot holds %ld messages (indexed in %.1f s); %u cores\n", messages,
              std::chrono::duration<double>(Clock::now() - seeded_at).count(),
              std::thread::hardware_concurrency());
  rapport::testing::TempDir work;
  setenv("RAPPORT_BENCH_IMAP_PASSWORD", "bench-password", 1);

  // Each is run this many times, alternating, and the fastest kept (mbsync's time varies
  // with the kernel's writeback of the files it writes).
  const int runs =
      std::getenv("RAPPORT_BENCH_RUNS") ? std::atoi(std::getenv("RAPPORT_BENCH_RUNS")) : 3;
  for (int rtt : round_trips) {
    for (int attempt = 1; attempt <= runs; ++attempt) {
      int port = server.imaps_port();
      if (rtt > 0) port = start_relay(port, std::chrono::milliseconds(rtt / 2));
      ::sync();  // what the last run wrote is on disk before this one is timed
      if (port <= 0) {
        std::cerr << "the relay could not start\n";
        return 1;
      }
      if (have_mbsync) {
        // A new folder each time: nothing of a run is seen by the next.
        fs::path near =
            work.path() / ("mbsync-" + std::to_string(rtt) + "-" + std::to_string(attempt));
        fs::create_directories(near);
        fs::path rc = work.write("mbsyncrc",
                                 "FSync no\n"
                                 "IMAPAccount bench\nHost 127.0.0.1\nPort " +
                                     std::to_string(port) +
                                     "\nUser bench\nPass bench-password\nSSLType IMAPS\n"
                                     "CertificateFile " +
                                     server.ca_file() +
                                     "\n\n"
                                     "IMAPStore far\nAccount bench\n\n"
                                     "MaildirStore near\nPath " +
                                     near.string() + "/\nInbox " + near.string() +
                                     "/INBOX\n\n"
                                     "Channel bench\nFar :far:\nNear :near:\nPatterns INBOX\n"
                                     "Sync Pull\nCreate Near\n");
        // Its sync state goes to $HOME/.mbsync: a new home each time.
        fs::create_directories(near / "home");
        Run m = run({"/usr/bin/env", "HOME=" + (near / "home").string(),
                     std::getenv("RAPPORT_BENCH_MBSYNC") ? std::getenv("RAPPORT_BENCH_MBSYNC")
                                                         : "/usr/bin/mbsync",
                     "-c", rc.string(), "-q", "-a"},
                    work.path() / "mbsync.log");
        long copied = files_in(near);
        fs::remove_all(near);
        report(rtt, attempt, "mbsync (FSync no)", m, copied, work.path() / "mbsync.log");
      }
      ::sync();
      fs::path db = work.path() / "rapport.db";
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
      fs::path config = work.write(
          "rapport.toml",
          "[creator]\nname = \"Sam Rivera\"\nemail = \"sam@slowgarden.example\"\n"
          "[store]\npath = \"" +
              db.string() +
              "\"\n"
              "[[mailbox]]\nname = \"replies\"\nkind = \"imap\"\nhost = \"127.0.0.1\"\nport = " +
              std::to_string(port) +
              "\nusername = \"bench\"\n"
              "password_env = \"RAPPORT_BENCH_IMAP_PASSWORD\"\nca_file = \"" +
              server.ca_file() + "\"\n");
      Run r = run({rapport, "run", "--quiet", "--config", config.string()},
                  work.path() / "rapport.log");
      long stored = count_rows(db, "SELECT COUNT(*) FROM messages");
      report(rtt, attempt, "rapport run", r, stored, work.path() / "rapport.log");
    }
  }
  return 0;
}
