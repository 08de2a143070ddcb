#include "core/token_command.h"

#include <sys/wait.h>

#include <cstdio>

#include "core/text.h"

namespace rapport {

Result<std::string> run_token_command(const std::string& command, const std::string& setting) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) {
    return make_error(ErrorCode::kConfig, "cannot run the token command", "", "check " + setting);
  }
  std::string out;
  char buf[4096];
  while (out.size() < 16 * 1024) {
    size_t n = std::fread(buf, 1, sizeof buf, p);
    if (n == 0) break;
    out.append(buf, n);
  }
  int status = pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error(ErrorCode::kConfig, "the token command failed", setting,
                      "run it by hand to see why; it must print an access token");
  }
  std::string token(trim(out));
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    return make_error(ErrorCode::kConfig, "the token command printed no single token", setting,
                      "it must print the access token alone");
  }
  return token;
}

}  // namespace rapport
