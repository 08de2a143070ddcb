#include "core/result.h"

#include <cstdio>
#include <cstdlib>

namespace rapport {

std::string Error::message() const {
  if (where.empty()) return what;
  return where + ": " + what;
}

std::string Error::to_string() const {
  std::string s = message();
  if (!hint.empty()) s += " (hint: " + hint + ")";
  return s;
}

Error make_error(ErrorCode code, std::string what, std::string where, std::string hint,
                 Retry retry) {
  return Error{code, std::move(what), std::move(where), std::move(hint), retry};
}

void value_of_error(const Error& error) {
  std::fprintf(stderr, "rapport: internal error: the value of an error was read: %s\n",
               error.to_string().c_str());
  std::abort();
}

}  // namespace rapport
