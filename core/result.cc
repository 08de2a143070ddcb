#include "core/result.h"

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

}  // namespace rapport
