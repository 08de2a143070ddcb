// Secret: comparing and signing with secrets — a bearer token, a webhook's HMAC, a one-tap
// link's signature — the same way everywhere (libsodium underneath).
#pragma once

#include <string>
#include <string_view>

namespace rapport {

// Whether `a` and `b` are equal, in a time that does not depend on where they differ (only
// on their length), so an attacker cannot guess a secret byte by byte from timing.
bool equal_secrets(std::string_view a, std::string_view b);

// The HMAC-SHA256 of `message` with `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// `bytes` random bytes from the system's generator, as 2 × `bytes` lower-case hex digits.
std::string random_hex(std::size_t bytes);

}  // namespace rapport
