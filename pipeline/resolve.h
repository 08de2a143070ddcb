// Resolve: which person a message is from. The pure part: normalised identities and the
// display name to show. The store keeps the identity -> contact mapping.
#pragma once

#include <string>
#include <string_view>

#include "store/model.h"

namespace rapport::pipeline {

// The email identity for an address: trimmed, angle brackets dropped, lower-cased (the
// domain always; the local part because no mainstream provider treats case as distinct).
// Empty when the text is not an address.
Identity email_identity(std::string_view address);

// A website identity: scheme, "www." and a trailing slash dropped, host lower-cased
// ("https://www.Example.org/blog/" -> "example.org/blog"). Empty when not a web address.
Identity website_identity(std::string_view url);

// The name to show for a sender: the display name unless it is empty, an address, or a
// system mailbox name (MAILER-DAEMON, postmaster, no-reply). Surrounding quotes dropped.
std::string display_name(const Address& from);

// Fills message.identity and message.display_name. Bounces and list mail carry no person.
// A comment without an address is known by the commenter's website, else by their name on
// the site it was left on.
void resolve(Message& message);

}  // namespace rapport::pipeline
