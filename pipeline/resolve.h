// Resolve: which person a message is from. The pure part: normalised identities and the
// display name to show. The store keeps the identity -> contact mapping, and joins the
// contacts of identities one message carries together.
#pragma once

#include <string>
#include <string_view>

#include "core/model.h"
#include "pipeline/identity.h"

namespace rapport::pipeline {

// The name to show for a sender: the display name unless it is empty, an address, or a
// system mailbox name (MAILER-DAEMON, postmaster, no-reply); surrounding quotes dropped; NFC.
std::string display_name(const Address& from);

// Fills message.identity (who can be answered: the address, else what the channel vouches
// for), message.also (every other identity the message carries: a form's phone and handle
// beside its email) and message.display_name, all normalised by `rules`. Bounces and list
// mail carry no person. A comment without an address is known by the commenter's website,
// else by their name on the site it was left on.
void resolve(Message& message, const IdentityRules& rules = {});

}  // namespace rapport::pipeline
