#include "pipeline/resolve.h"

#include "store/text.h"

namespace rapport::pipeline {

Identity email_identity(std::string_view address) {
  std::string_view a = trim(address);
  if (!a.empty() && a.front() == '<') a.remove_prefix(1);
  if (!a.empty() && a.back() == '>') a.remove_suffix(1);
  a = trim(a);
  if (a.rfind("mailto:", 0) == 0) a.remove_prefix(7);
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return {};
  if (a.find_first_of(" \t\r\n<>,;\"") != std::string_view::npos) return {};
  std::string_view domain = a.substr(at + 1);
  if (domain.find('.') == std::string_view::npos && domain != "localhost") return {};
  return Identity{"email", ascii_lower(a)};
}

std::string display_name(const Address& from) {
  std::string name(trim(from.name));
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') &&
      name.back() == name.front()) {
    name = std::string(trim(name.substr(1, name.size() - 2)));
  }
  if (name.empty() || name.find('@') != std::string::npos) return {};
  std::string lower = ascii_lower(name);
  for (const char* system : {"mailer-daemon", "mail delivery system", "mail delivery subsystem",
                             "postmaster", "no-reply", "noreply", "do-not-reply"}) {
    if (lower == system) return {};
  }
  return name;
}

void resolve(Message& m) {
  if (m.message_class == MessageClass::kBounce || m.message_class == MessageClass::kList) {
    m.identity = {};
    m.display_name.clear();
    return;
  }
  m.identity = email_identity(m.from.address);
  m.display_name = m.identity.empty() ? std::string() : display_name(m.from);
}

}  // namespace rapport::pipeline
