#include "pipeline/resolve.h"

#include <algorithm>

#include "core/text.h"

namespace rapport::pipeline {
namespace {

// A claimed identity in its normal form: phones to E.164 where the number can be read so,
// else the digits as given (a leading + kept), so spacing never makes two identities.
Identity normal_form(const Identity& claimed, const IdentityRules& rules) {
  if (claimed.kind == "phone") {
    std::string number = e164(claimed.value, rules.default_country);
    if (number.empty()) {
      for (char c : claimed.value) {
        if ((c >= '0' && c <= '9') || (c == '+' && number.empty())) number += c;
      }
    }
    return Identity{"phone", number};
  }
  if (claimed.kind == "email") return email_identity(claimed.value, rules);
  if (claimed.kind == "handle") {
    size_t colon = claimed.value.find(':');
    if (colon != std::string::npos) {
      Identity h = handle_identity(claimed.value.substr(0, colon), claimed.value.substr(colon + 1));
      if (!h.empty()) return h;
    }
  }
  return claimed;
}

// The same, remembering how the person wrote it.
Identity normalised(const Identity& claimed, const IdentityRules& rules) {
  Identity n = normal_form(claimed, rules);
  // A source may say how the person writes it ("@ana.bsky.social" for a Bluesky DID).
  n.written = std::string(trim(claimed.written.empty() ? claimed.value : claimed.written));
  return n;
}

}  // namespace

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
  return nfc(name);
}

void resolve(Message& m, const IdentityRules& rules) {
  m.also.clear();
  if (m.message_class == MessageClass::kBounce || m.message_class == MessageClass::kList ||
      m.message_class == MessageClass::kComplaint) {
    m.identity = {};
    m.display_name.clear();
    return;
  }
  m.identity = email_identity(m.from.address, rules);
  if (!m.identity.empty()) m.identity.written = std::string(trim(m.from.address));
  std::string name = display_name(m.from);
  std::vector<Identity> claims;
  if (!m.claimed.empty()) claims.push_back(normalised(m.claimed, rules));
  for (const Identity& c : m.claims) claims.push_back(normalised(c, rules));
  for (Identity& c : claims) {
    if (c.empty()) continue;
    if (m.identity.empty()) {
      m.identity = c;
    } else if (!(c.kind == m.identity.kind && c.value == m.identity.value) &&
               std::none_of(m.also.begin(), m.also.end(), [&](const Identity& a) {
                 return a.kind == c.kind && a.value == c.value;
               })) {
      m.also.push_back(std::move(c));
    }
  }
  if (m.identity.empty() && m.kind == MessageKind::kComment) {
    if (!m.author_url.empty()) m.identity = website_identity(m.author_url);
    if (m.identity.empty() && !name.empty()) {
      // Only a name: the same name on the same site is taken to be the same person there.
      Identity site = website_identity(m.url);
      std::string host = site.value.substr(0, site.value.find('/'));
      if (!host.empty()) m.identity = Identity{"name", fold_name(name) + " @ " + host};
    }
  }
  if (m.identity.empty() && m.kind == MessageKind::kEmail && !m.outgoing) {
    // A sender whose address cannot be read ("ola@@broken", or no address at all) is still
    // someone who wrote: an unknown sender, kept with the text as it came, never no one. The
    // same broken address again is the same unknown sender.
    std::string raw(trim(m.from.address));
    if (raw.empty()) raw = std::string(trim(m.from.name));
    raw = printable(raw, 200);
    if (raw.empty()) {
      m.identity = Identity{"unknown", "message " + m.natural_key, "(no sender)"};
    } else {
      m.identity = Identity{"unknown", ascii_lower(raw), raw};
    }
  }
  m.display_name = m.identity.empty() ? std::string() : name;
}

}  // namespace rapport::pipeline
