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

Identity website_identity(std::string_view url) {
  std::string_view u = trim(url);
  size_t scheme = u.find("://");
  if (scheme != std::string_view::npos) {
    std::string s = ascii_lower(u.substr(0, scheme));
    if (s != "http" && s != "https") return {};
    u.remove_prefix(scheme + 3);
  }
  size_t slash = u.find('/');
  std::string host = ascii_lower(u.substr(0, slash));
  std::string path(slash == std::string_view::npos ? std::string_view() : u.substr(slash));
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  if (size_t q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (host.empty() || host.find('.') == std::string::npos ||
      host.find_first_of(" @<>\"") != std::string::npos) {
    return {};
  }
  return Identity{"website", host + path};
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
  std::string name = display_name(m.from);
  if (m.identity.empty() && !m.claimed.empty()) m.identity = m.claimed;
  if (m.identity.empty() && m.kind == MessageKind::kComment) {
    if (!m.author_url.empty()) m.identity = website_identity(m.author_url);
    if (m.identity.empty() && !name.empty()) {
      // Only a name: the same name on the same site is taken to be the same person there.
      Identity site = website_identity(m.url);
      std::string host = site.value.substr(0, site.value.find('/'));
      if (!host.empty()) m.identity = Identity{"name", ascii_lower(name) + " @ " + host};
    }
  }
  m.display_name = m.identity.empty() ? std::string() : name;
}

}  // namespace rapport::pipeline
