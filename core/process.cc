#include "core/process.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace rapport {
namespace {

std::string host_name() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

constexpr std::string_view kPid = " pid ";

}  // namespace

std::string process_label() { return host_name() + std::string(kPid) + std::to_string(::getpid()); }

bool process_label_gone(std::string_view label) {
  const size_t at = label.rfind(kPid);
  if (at == std::string_view::npos || label.substr(0, at) != host_name()) return false;
  std::string_view digits = label.substr(at + kPid.size());
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace rapport
