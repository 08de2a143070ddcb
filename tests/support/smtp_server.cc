#include "tests/support/smtp_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace rapport::testing {

SmtpTestServer::SmtpTestServer(const std::string& user, const std::string& password, Mode mode) {
  std::string cert = (dir_.path() / "cert.pem").string();
  std::string key = (dir_.path() / "key.pem").string();
  if (!make_test_certificate(dir_.path())) return;
  std::string spool = (dir_.path() / "spool").string();
  std::filesystem::create_directories(spool);
  std::string script = std::string(RAPPORT_SOURCE_DIR) + "/tests/support/smtp_server.py";
  pid_ = fork();
  if (pid_ == 0) {
    std::string log = (dir_.path() / "server.log").string();
    freopen(log.c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    if (mode == Mode::kTls) {
      execl("/usr/bin/python3", "python3", script.c_str(), spool.c_str(), cert.c_str(), key.c_str(),
            user.c_str(), password.c_str(), "--smtps", nullptr);
    } else {
      execl("/usr/bin/python3", "python3", script.c_str(), spool.c_str(), cert.c_str(), key.c_str(),
            user.c_str(), password.c_str(), nullptr);
    }
    _exit(127);
  }
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::string p = read_file(std::filesystem::path(spool) / "port");
    if (!p.empty()) port_ = std::atoi(p.c_str());
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

SmtpTestServer::~SmtpTestServer() {
  if (pid_ <= 0) return;
  dir_.write("spool/stop", "");
  for (int i = 0; i < 60; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string SmtpTestServer::ca_file() const { return (dir_.path() / "cert.pem").string(); }

std::vector<std::string> SmtpTestServer::messages() const {
  std::vector<std::string> out;
  for (int n = 1;; ++n) {
    auto p = dir_.path() / "spool" / (std::to_string(n) + ".eml");
    if (!std::filesystem::exists(p)) break;
    out.push_back(read_file(p));
  }
  return out;
}

std::string SmtpTestServer::envelope(int n) const {
  return read_file(dir_.path() / "spool" / (std::to_string(n) + ".rcpt"));
}

bool make_test_certificate(const std::filesystem::path& dir) {
  std::string d = dir.string();
  std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -keyout " +
      d + "/key.pem -out " + d +
      "/cert.pem -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace rapport::testing
