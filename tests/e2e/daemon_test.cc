// `rapport daemon` as a process: what a user running it for months relies on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/http_post.h"
#include "tests/support/raw_socket.h"
#include "tests/support/temp_dir.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;

// A running `rapport daemon`, started with fork/exec so the test owns its pid.
class DaemonProcess {
 public:
  DaemonProcess(const fs::path& config, const fs::path& log) : log_(log) {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 2);
      int null = ::open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      execl(RAPPORT_BINARY, RAPPORT_BINARY, "daemon", "--config", config.c_str(), nullptr);
      _exit(127);
    }
  }
  ~DaemonProcess() {
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  bool running() {
    if (exited_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return !exited_;
  }
  // Waits up to `seconds` for the log to contain `text`.
  bool wait_for_log(const std::string& text, double seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      if (log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Waits up to `seconds` for the process to exit; returns its exit code or -2.
  int wait_exit(double seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      if (!running()) return exit_code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -2;
  }
  std::string log() const { return read_file(log_); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

std::int64_t count(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

std::string text(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return {};
  sqlite3_stmt* st = nullptr;
  std::string v;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

std::string config_text(const fs::path& maildir, const std::string& extra = "") {
  return "[creator]\nname = \"Sam Rivera\"\nemail = \"sam@slowgarden.example\"\n"
         "[store]\npath = \"state/rapport.db\"\n"
         "[[mailbox]]\nname = \"replies\"\nkind = \"maildir\"\npath = \"" +
         maildir.string() +
         "\"\n"
         "[digest]\noutput_dir = \"state/digests\"\nat = \"00:00\"\ndays = \"daily\"\n" +
         extra;
}

TEST(Daemon, PollsSendsTheDigestReloadsAndStops) {
  TempDir dir;
  fs::path maildir = fs::path(RAPPORT_SOURCE_DIR) / "config/demo/Maildir";
  fs::path config = dir.write("rapport.toml", config_text(maildir));
  DaemonProcess daemon(config, dir.path() / "daemon.log");
  ASSERT_TRUE(daemon.wait_for_log("replies (maildir): 0 new episodes, 30 new messages", 15))
      << daemon.log();
  ASSERT_TRUE(daemon.wait_for_log("delivered: file ", 10)) << daemon.log();
  EXPECT_EQ(count(dir.path() / "state/rapport.db", "SELECT COUNT(*) FROM messages"), 30);
  EXPECT_EQ(count(dir.path() / "state/rapport.db",
                  "SELECT COUNT(*) FROM digests WHERE delivered_at IS NOT NULL"),
            1);

  // A second daemon on the same database is refused, naming the first.
  TempDir other;
  DaemonProcess second(config, other.path() / "second.log");
  EXPECT_EQ(second.wait_exit(10), 2);
  EXPECT_NE(second.log().find("another rapport daemon (pid " + std::to_string(daemon.pid()) + ")"),
            std::string::npos)
      << second.log();

  // SIGHUP with a changed config: a form export is added and read.
  dir.write("form.csv", "email,text\nkwame@example.org,Hello from the form\n");
  dir.write(
      "rapport.toml",
      config_text(maildir, "[[inbox]]\nname = \"form\"\nkind = \"csv\"\npath = \"form.csv\"\n"));
  kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("reloaded", 10)) << daemon.log();
  ASSERT_TRUE(daemon.wait_for_log("form (import): 0 new episodes, 1 new messages", 10))
      << daemon.log();

  // SIGHUP with a broken config: reported, the running one kept.
  dir.write("rapport.toml", config_text(maildir, "[digest]\nat = \"25:99\"\n"));
  kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("the new config is not valid, the running one is kept", 10))
      << daemon.log();
  EXPECT_TRUE(daemon.running());

  auto start = std::chrono::steady_clock::now();
  kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10), 0) << daemon.log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(daemon.log().find("SIGTERM: stopping"), std::string::npos);
}

// A daemon with nothing due sleeps until the next poll or digest is due (it ticked every
// second, querying the database each time); a source marked due in its inbox wakes it.
TEST(Daemon, AnIdleDaemonSleepsAndASourceMarkedDueInTheInboxIsReadAtOnce) {
  TempDir dir;
  fs::path maildir = fs::path(RAPPORT_SOURCE_DIR) / "config/demo/Maildir";
  fs::path config = dir.write("rapport.toml", config_text(maildir, "[web]\nport = 0\n"));
  DaemonProcess daemon(config, dir.path() / "daemon.log");
  ASSERT_TRUE(daemon.wait_for_log("replies (maildir): 0 new episodes, 30 new messages", 15))
      << daemon.log();
  ASSERT_TRUE(daemon.wait_for_log("delivered: file ", 10)) << daemon.log();
  std::string log = daemon.log();
  size_t at = log.find("the inbox is at http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string base = "http://127.0.0.1:" + std::to_string(std::atoi(log.c_str() + at + 33));

  // Idle: the maildir is due again in five minutes, the digest tomorrow.
  std::this_thread::sleep_for(std::chrono::seconds(7));

  auto sources = testing::http_request("GET", base + "/sources", "");
  ASSERT_EQ(sources.status, 200) << sources.body;
  const std::string field = "name=\"csrf\" value=\"";
  size_t c = sources.body.find(field);
  ASSERT_NE(c, std::string::npos);
  std::string csrf = sources.body.substr(c + field.size(), 64);
  auto read = testing::http_request("POST", base + "/sources/read",
                                    "csrf=" + csrf + "&name=replies",
                                    {"Content-Type: application/x-www-form-urlencoded"});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("within a few seconds"), std::string::npos);
  ASSERT_TRUE(daemon.wait_for_log("replies (maildir): 0 new episodes, 0 new messages", 3))
      << daemon.log();

  kill(daemon.pid(), SIGTERM);
  ASSERT_EQ(daemon.wait_exit(10), 0) << daemon.log();
  log = daemon.log();
  at = log.find("stopped (woke ");
  ASSERT_NE(at, std::string::npos) << log;
  int passes = 0, seconds = 0;
  ASSERT_EQ(std::sscanf(log.c_str() + at, "stopped (woke %d times in %d s)", &passes, &seconds), 2)
      << log.substr(at);
  // The first pass, the end of the first poll (the digest), the inbox's request, the end of
  // that poll; a few more at most, however long it slept.
  EXPECT_GE(seconds, 7);
  EXPECT_LE(passes, 6) << log;
}

TEST(Daemon, SigtermStopsWithinTenSecondsWhileClientsTrickleBytesToTheListener) {
  // It was still running 45 s after SIGTERM while one client sent a byte a second.
  TempDir dir;
  fs::path maildir = fs::path(RAPPORT_SOURCE_DIR) / "config/demo/Maildir";
  fs::path config =
      dir.write("rapport.toml", config_text(maildir,
                                            "[[inbox]]\nname = \"hook\"\nkind = \"generic\"\n"
                                            "token_env = \"RAPPORT_TEST_HOOK_TOKEN\"\n"
                                            "[listener]\nport = 0\n"));
  setenv("RAPPORT_TEST_HOOK_TOKEN", "t0ken", 1);
  DaemonProcess daemon(config, dir.path() / "daemon.log");
  ASSERT_TRUE(daemon.wait_for_log("listening on http://127.0.0.1:", 15)) << daemon.log();
  std::string log = daemon.log();
  size_t at = log.find("listening on http://127.0.0.1:") + 30;
  int port = std::atoi(log.c_str() + at);
  ASSERT_GT(port, 0);
  std::vector<std::unique_ptr<testing::RawClient>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<testing::RawClient>(port));
    slow.back()->send("POST /v1/messages/hook HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\n");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done) {
      for (auto& c : slow) c->send("{");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  auto start = std::chrono::steady_clock::now();
  kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(daemon.wait_exit(12), 0) << daemon.log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  done = true;
  trickle.join();
  for (auto& c : slow) EXPECT_TRUE(c->closed_by_server(1000));
}

TEST(Daemon, LogsOneJsonObjectPerLineWhenAsked) {
  TempDir dir;
  fs::path maildir = fs::path(RAPPORT_SOURCE_DIR) / "config/demo/Maildir";
  fs::path config = dir.write("rapport.toml", config_text(maildir));
  fs::path log = dir.path() / "daemon.log";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    execl(RAPPORT_BINARY, RAPPORT_BINARY, "daemon", "--log-format", "json", "--config",
          config.c_str(), nullptr);
    _exit(127);
  }
  std::string text;
  for (int i = 0; i < 200 && text.find("new messages") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = read_file(log);
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  text = read_file(log);
  ASSERT_FALSE(text.empty());
  size_t lines = 0;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl - start);
    EXPECT_EQ(line.rfind("{\"time\":\"2", 0), 0u) << line;
    EXPECT_NE(line.find("\",\"level\":\"info\",\"message\":\""), std::string::npos) << line;
    EXPECT_EQ(line.back(), '}') << line;
    ++lines;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  EXPECT_GE(lines, 3u);
  EXPECT_NE(text.find("\"message\":\"replies (maildir): 0 new episodes, 30 new messages"),
            std::string::npos)
      << text;
}

TEST(Daemon, SigtermDuringALargeIngestLeavesAConsistentDatabaseThatTheNextRunCompletes) {
  TempDir dir;
  fs::path maildir = dir.path() / "Maildir";
  fs::create_directories(maildir / "cur");
  fs::create_directories(maildir / "new");
  const int kMessages = 30000;
  for (int i = 0; i < kMessages; ++i) {
    std::ofstream(maildir / "cur" / ("17950000" + std::to_string(i) + ".M1.host:2,S"))
        << "From: Listener " << i << " <listener" << i % 3000 << "@example.org>\n"
        << "Subject: Re: Ep. 10\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
        << "Message-ID: <bulk-" << i << "@example.org>\n\nThank you for episode ten, number " << i
        << ".\n\nOn Tue, Sam wrote:\n> quoted\n";
  }
  fs::path config = dir.write("rapport.toml", config_text(maildir));
  fs::path db = dir.path() / "state/rapport.db";
  {
    DaemonProcess daemon(config, dir.path() / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("daemon started", 10)) << daemon.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // in the middle of reading
    auto start = std::chrono::steady_clock::now();
    kill(daemon.pid(), SIGTERM);
    EXPECT_EQ(daemon.wait_exit(10), 0) << daemon.log();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
  // Consistent: the batch and its cursor went in together or not at all.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
            1);
  // The folder is read in batches: what is stored is exactly what the cursor says was read
  // ("partial MTIME NAME HANDLED" during a scan, "WATERMARK COUNT" when it was finished).
  std::int64_t stored = count(db, "SELECT COUNT(*) FROM messages");
  std::string cursor = text(db, "SELECT COALESCE(MAX(cursor), '') FROM sources");
  std::int64_t read = 0;
  if (cursor.rfind("partial ", 0) == 0) {
    read = std::stoll(cursor.substr(cursor.rfind(' ') + 1));
  } else if (!cursor.empty()) {
    read = std::stoll(cursor.substr(cursor.find(' ') + 1));
  }
  EXPECT_EQ(stored, read) << "cursor \"" << cursor << "\"";
  EXPECT_LE(stored, kMessages);
  // The next run completes it, without duplicates.
  std::string cmd = std::string(RAPPORT_BINARY) + " run --all --quiet --config " + config.string() +
                    " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM messages"), kMessages);
  EXPECT_EQ(count(db, "SELECT COUNT(DISTINCT natural_key) FROM messages"), kMessages);
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM contacts"), 3000);
}

}  // namespace
}  // namespace rapport
