#include "tests/support/dovecot_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/support/smtp_server.h"

namespace rapport::testing {
namespace {

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

DovecotTestServer::DovecotTestServer(const std::string& user, const std::string& password)
    : user_(user), password_(password) {
  namespace fs = std::filesystem;
  const std::string d = dir_.str();
  // Dovecot's mail processes run as the dovecot user and must reach the mail below this folder.
  chmod(d.c_str(), 0755);
  if (!make_test_certificate(dir_.path())) return;
  dir_.write("users", user + ":{PLAIN}" + password + "\n");
  fs::create_directories(dir_.path() / "mail");
  fs::create_directories(dir_.path() / "state");
  std::system(("chown -R dovecot:dovecot " + d + "/mail").c_str());
  // A port found free can be taken by another test before Dovecot binds it (tests run in
  // parallel, each with its servers); Dovecot then stops at once, and starts again on others.
  for (int attempt = 0; attempt < 3 && !ready_; ++attempt) start();
}

void DovecotTestServer::start() {
  const std::string d = dir_.str();
  imap_ = closed_port();
  do imaps_ = closed_port(); while (imaps_ == imap_);
  do pop3_ = closed_port(); while (pop3_ == imap_ || pop3_ == imaps_);
  do pop3s_ = closed_port(); while (pop3s_ == imap_ || pop3s_ == imaps_ || pop3s_ == pop3_);
  std::string conf =
      "base_dir = " + d + "/run\n" + "state_dir = " + d + "/state\n" + "log_path = " + d +
      "/dovecot.log\n" + "protocols = imap pop3\n" + "listen = 127.0.0.1\n" + "ssl = yes\n" +
      "ssl_cert = <" + d + "/cert.pem\n" + "ssl_key = <" + d + "/key.pem\n" +
      "disable_plaintext_auth = no\n" + "auth_failure_delay = 0\n" +
      "auth_mechanisms = plain login xoauth2\n" + "mail_location = maildir:" + d + "/mail/%u\n" +
      "first_valid_uid = 1\n" +
      "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " + d +
      "/users\n}\n" + "userdb {\n  driver = static\n" +
      "  args = uid=dovecot gid=dovecot home=" + d + "/mail/%u\n}\n" +
      "service imap-login {\n  chroot =\n" +
      "  inet_listener imap {\n    address = 127.0.0.1\n    port = " + std::to_string(imap_) +
      "\n  }\n" +
      "  inet_listener imaps {\n    address = 127.0.0.1\n    port = " + std::to_string(imaps_) +
      "\n    ssl = yes\n  }\n}\n" + "service pop3-login {\n  chroot =\n" +
      "  inet_listener pop3 {\n    address = 127.0.0.1\n    port = " + std::to_string(pop3_) +
      "\n  }\n" +
      "  inet_listener pop3s {\n    address = 127.0.0.1\n    port = " + std::to_string(pop3s_) +
      "\n    ssl = yes\n  }\n}\n" + "service anvil {\n  chroot =\n}\n" +
      "service auth {\n  user = root\n}\n";
  dir_.write("dovecot.conf", conf);
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);  // its own process group, so the test can stop all of Dovecot at once
    freopen((d + "/stdout.log").c_str(), "w", stdout);
    freopen((d + "/stdout.log").c_str(), "a", stderr);
    execl("/usr/sbin/dovecot", "dovecot", "-F", "-c", (d + "/dovecot.conf").c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (accepts(imap_) && accepts(imaps_) && accepts(pop3_) && accepts(pop3s_)) {
      // Dovecot binds every listener before it serves any; one that failed stops it within
      // moments, and what accepted may have been another test's server.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ready_ = true;
      break;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (!ready_ && pid_ > 0) {  // never came up in 5 s: stopped, so the next attempt is alone
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

DovecotTestServer::~DovecotTestServer() {
  if (pid_ <= 0) return;
  // Nothing of this server's state outlives the test, so there is nothing to shut down
  // gracefully (a SIGTERM makes Dovecot wait for its clients for seconds).
  kill(-pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string DovecotTestServer::why_not_ready() const {
  return read_file(dir_.path() / "stdout.log") + read_file(dir_.path() / "dovecot.log");
}

std::string DovecotTestServer::ca_file() const { return (dir_.path() / "cert.pem").string(); }

std::string DovecotTestServer::doveadm(const std::string& args, const std::string& input) {
  std::string in = dir_.write("doveadm-input", input).string();
  std::string cmd = "/usr/bin/doveadm -c " + dir_.str() + "/dovecot.conf " + args + " <" + in +
                    " 2>>" + dir_.str() + "/doveadm.log; echo \"exit=$?\"";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

bool DovecotTestServer::save(const std::string& raw, const std::string& folder) {
  if (folder != "INBOX") doveadm("mailbox create -u " + quote(user_) + " " + quote(folder));
  return doveadm("save -u " + quote(user_) + " -m " + quote(folder), raw).ends_with("exit=0\n");
}

long DovecotTestServer::seed_inbox(const std::string& cur) {
  namespace fs = std::filesystem;
  const fs::path inbox = dir_.path() / "mail" / user_;
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(inbox / sub);
  long n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(cur, ec)) {
    if (!e.is_regular_file()) continue;
    const fs::path to = inbox / "cur" / e.path().filename();
    fs::create_hard_link(e.path(), to, ec);
    if (ec && !fs::copy_file(e.path(), to, ec)) return -1;
    ++n;
  }
  if (ec) return -1;
  std::system(("chown -R dovecot:dovecot " + (dir_.path() / "mail").string()).c_str());
  if (!doveadm("index -u " + quote(user_) + " INBOX").ends_with("exit=0\n")) return -1;
  return n;
}

std::string DovecotTestServer::flags(const std::string& folder) {
  std::string out = doveadm("-f flow fetch -u " + quote(user_) + " 'uid flags' mailbox " +
                            quote(folder) + " all");
  return out.substr(0, out.rfind("exit="));
}

bool DovecotTestServer::set_uidvalidity(const std::string& folder, unsigned value) {
  return doveadm("mailbox update -u " + quote(user_) + " --uid-validity " + std::to_string(value) +
                 " " + quote(folder))
      .ends_with("exit=0\n");
}

bool DovecotTestServer::expunge_all(const std::string& folder) {
  return doveadm("expunge -u " + quote(user_) + " mailbox " + quote(folder) + " all")
      .ends_with("exit=0\n");
}

bool DovecotTestServer::append(const std::string& raw, const std::string& internal_date,
                               const std::string& folder) {
  dir_.write("append.eml", raw);
  std::string script =
      "import imaplib, sys\n"
      "c = imaplib.IMAP4('127.0.0.1', " +
      std::to_string(imap_) +
      ")\n"
      "c.login(sys.argv[1], sys.argv[2])\n"
      "c.create(sys.argv[3])\n"
      "data = open(sys.argv[4], 'rb').read()\n"
      "t, _ = c.append(sys.argv[3], None, '\"' + sys.argv[5] + '\"', data)\n"
      "c.logout()\n"
      "sys.exit(0 if t == 'OK' else 1)\n";
  std::string py = dir_.write("append.py", script).string();
  std::string cmd = "python3 " + py + " " + quote(user_) + " " + quote(password_) + " " +
                    quote(folder) + " " + dir_.str() + "/append.eml " + quote(internal_date) +
                    " >>" + dir_.str() + "/append.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

struct CuttingProxy::State {
  int listener = -1;
  int target = 0;
  std::atomic<size_t> cut_after{0};
  std::atomic<bool> stop{false};
  std::thread thread;
};

CuttingProxy::CuttingProxy(int target_port, size_t cut_after) : state_(new State) {
  state_->target = target_port;
  state_->cut_after = cut_after;
  state_->listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(state_->listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(state_->listener, 4);
  socklen_t len = sizeof addr;
  getsockname(state_->listener, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  state_->thread = std::thread([s = state_] {
    while (!s->stop) {
      pollfd lp{s->listener, POLLIN, 0};
      if (poll(&lp, 1, 50) <= 0) continue;
      int client = accept(s->listener, nullptr, nullptr);
      if (client < 0) continue;
      int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      to.sin_port = htons(static_cast<uint16_t>(s->target));
      if (connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        close(client);
        close(server);
        continue;
      }
      size_t passed = 0;
      const size_t cut_after = s->cut_after;
      char buf[4096];
      while (!s->stop) {
        pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
        if (poll(p, 2, 50) <= 0) continue;
        if (p[0].revents) {
          ssize_t n = read(client, buf, sizeof buf);
          if (n <= 0 || write(server, buf, static_cast<size_t>(n)) != n) break;
        }
        if (p[1].revents) {
          size_t room = cut_after - passed;
          ssize_t n = read(server, buf, std::min(sizeof buf, room));
          if (n <= 0 || write(client, buf, static_cast<size_t>(n)) != n) break;
          passed += static_cast<size_t>(n);
          if (passed >= cut_after) break;  // the cut
        }
      }
      close(client);
      close(server);
    }
  });
}

void CuttingProxy::set_cut_after(size_t bytes) { state_->cut_after = bytes; }

CuttingProxy::~CuttingProxy() {
  state_->stop = true;
  state_->thread.join();
  close(state_->listener);
  delete state_;
}

}  // namespace rapport::testing
