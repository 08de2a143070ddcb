// rapport web passwd: the web inbox's password, kept as an argon2id hash.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "app/command_common.h"
#include "app/commands.h"
#include "web/login.h"

namespace rapport::app {
namespace {

// One line from standard input; without echo when it is a terminal.
std::string read_secret(const char* prompt, bool terminal) {
  std::string line;
  if (!terminal) {
    std::getline(std::cin, line);
    return line;
  }
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

}  // namespace

int web_command(const Invocation& inv) {
  if (inv.arguments.size() != 1 || inv.arguments[0] != "passwd") {
    std::cerr << "rapport: usage: rapport web passwd [--config FILE]\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  if (cfg->web.password_file.empty()) {
    print_error(make_error(ErrorCode::kConfig, "[web] names no password_file", cfg->path,
                           "add password_file = \"web-password\" to [web]"));
    return kUsage;
  }
  const bool terminal = isatty(STDIN_FILENO);
  std::string password = read_secret("New password for the web inbox: ", terminal);
  if (password.size() < web::kMinPasswordBytes) {
    std::cerr << "rapport: the password is shorter than " << web::kMinPasswordBytes
              << " characters (hint: a few words make a long one that is easy to type)\n";
    return kUsage;
  }
  if (terminal && read_secret("The same again: ", true) != password) {
    std::cerr << "rapport: the two passwords differ; nothing was changed\n";
    return kUsage;
  }
  auto hash = web::hash_password(password);
  if (!hash) {
    print_error(hash.error());
    return kFailure;
  }
  // Written beside and moved over, readable by its owner alone.
  std::string temp = cfg->web.password_file + ".new";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string line = *hash + "\n";
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = fd >= 0 && ::fsync(fd) == 0 && ok;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), cfg->web.password_file.c_str()) != 0) {
    ::unlink(temp.c_str());
    print_error(make_error(ErrorCode::kIo, "cannot write the password file",
                           cfg->web.password_file, "its folder must be writable"));
    return kFailure;
  }
  std::cout << "password set in " << cfg->web.password_file
            << " (a running daemon uses it after SIGHUP; rapport serve after a restart)\n";
  return kOk;
}

}  // namespace rapport::app
