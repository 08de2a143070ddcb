// Classify: did a person write this, or a machine? Only human messages can put someone on
// the digest; the rest are kept, marked, and counted.
#pragma once

#include <string>

#include "core/model.h"

namespace rapport::pipeline {

struct Classification {
  MessageClass cls = MessageClass::kHuman;
  std::string reason;  // the evidence, in words ("Auto-Submitted: auto-replied")
};

// Decides from headers first (RFC 3834 Auto-Submitted, X-Autoreply, Precedence, List-Id,
// multipart/report), then from the sender and the subject. Pure; linear in the headers.
Classification classify(const Message& message);

}  // namespace rapport::pipeline
