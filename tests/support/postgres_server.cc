#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "tests/support/smtp_server.h"

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kBin[] = "/usr/lib/postgresql/15/bin/";

bool as_root() { return geteuid() == 0; }

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through the shell; its output (stdout and stderr) and exit status.
int shell(const std::string& command, std::string* output = nullptr) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (output) *output = out;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// `command` as the user the server runs as: `postgres` when the tests run as root.
std::string server_user(const std::string& command) {
  return as_root() ? "runuser -u postgres -- sh -c " + quote(command) : command;
}

void give_to_server_user(const fs::path& path) {
  if (as_root()) shell("chown -R postgres:postgres " + quote(path.string()));
}

// A cluster made by initdb once for every test on this machine: its data folder.
fs::path template_cluster(std::string* log) {
  const fs::path base =
      fs::temp_directory_path() / ("rapport-pg15-template-" + std::to_string(geteuid()));
  const fs::path data = base / "data";
  if (fs::exists(base / "ready")) return data;
  std::string lock_path = base.string() + ".lock";
  int lock = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0) return {};
  flock(lock, LOCK_EX);
  if (!fs::exists(base / "ready")) {
    std::error_code ec;
    fs::remove_all(base, ec);
    fs::create_directories(base);
    chmod(base.c_str(), 0755);
    {
      FILE* f = std::fopen((base / "pw").c_str(), "w");
      if (f) {
        std::fputs(PostgresTestServer::password().c_str(), f);
        std::fclose(f);
      }
    }
    give_to_server_user(base);
    int rc = shell(server_user(std::string(kBin) + "initdb -D " + quote(data.string()) +
                               " -N -A scram-sha-256 -U " + PostgresTestServer::user() +
                               " --pwfile=" + quote((base / "pw").string()) +
                               " -E UTF8 --locale=C.UTF-8 --no-instructions"),
                   log);
    fs::remove(base / "pw", ec);
    if (rc == 0) {
      FILE* f = std::fopen((base / "ready").c_str(), "w");
      if (f) std::fclose(f);
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return fs::exists(base / "ready") ? data : fs::path();
}

}  // namespace

PostgresTestServer::PostgresTestServer() {
  chmod(dir_.str().c_str(), 0755);  // the server's user reaches its folder below this one
  fs::create_directories(dir_.path() / "pg");
  std::string log;
  fs::path cluster = template_cluster(&log);
  if (cluster.empty()) {
    dir_.write("pg/initdb.log", log);
    return;
  }
  const std::string pg = (dir_.path() / "pg").string();
  if (shell("cp -a " + quote(cluster.string()) + " " + quote(pg + "/data"), &log) != 0) {
    dir_.write("pg/initdb.log", log);
    return;
  }
  if (!make_test_certificate(dir_.path() / "pg")) return;
  chmod((pg + "/key.pem").c_str(), 0600);
  give_to_server_user(dir_.path() / "pg");
  // A port found free can be taken by another test before the server binds it (tests run in
  // parallel); the server then fails to start, and starts again on another.
  for (int attempt = 0; attempt < 3 && !ready_; ++attempt) ready_ = start();
}

bool PostgresTestServer::restart() {
  kill_now();
  const int port = port_;
  return start(port);
}

bool PostgresTestServer::start(int port) {
  const std::string pg = (dir_.path() / "pg").string();
  port_ = port > 0 ? port : closed_port();
  std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + pg +
                        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                        " -c ssl=on -c ssl_cert_file=" +
                        pg + "/cert.pem -c ssl_key_file=" + pg + "/key.pem";
  std::string out;
  int rc = shell(server_user(std::string(kBin) + "pg_ctl -D " + pg + "/data -w -t 30 -l " + pg +
                             "/server.log -o " + quote(options) + " start"),
                 &out);
  running_ = rc == 0;
  if (!running_)
    shell(server_user(std::string(kBin) + "pg_ctl -D " + pg + "/data -m immediate stop"));
  return running_;
}

PostgresTestServer::~PostgresTestServer() { kill_now(); }

void PostgresTestServer::kill_now() {
  if (!running_) return;
  const std::string pg = (dir_.path() / "pg").string();
  shell(server_user(std::string(kBin) + "pg_ctl -D " + pg + "/data -m immediate -w stop"));
  running_ = false;
}

std::string PostgresTestServer::why_not_ready() const {
  return read_file(dir_.path() / "pg/initdb.log") + read_file(dir_.path() / "pg/server.log");
}

std::string PostgresTestServer::url(const std::string& database) const {
  return "postgresql://" + user() + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresTestServer::ca_file() const { return (dir_.path() / "pg/cert.pem").string(); }

std::string PostgresTestServer::psql(const std::string& sql, const std::string& database) {
  std::string out;
  shell("PGPASSWORD=" + quote(password()) + " psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
            std::to_string(port_) + " -U " + user() + " -d " + quote(database) + " -c " +
            quote(sql),
        &out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool PostgresTestServer::create_database(const std::string& name) {
  return psql("CREATE DATABASE \"" + name + "\"", "postgres").empty();
}

}  // namespace rapport::testing
