// Login: what lets the inbox listen beyond this machine. One password (the creator's), kept
// as an argon2id hash made by `rapport web passwd` (libsodium's crypto_pwhash_str); sessions
// are random tokens in an HttpOnly, Secure, SameSite=Strict cookie that expire after a week;
// wrong passwords are limited per address (5 in 15 minutes, then 429 with Retry-After).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace rapport::web {

inline constexpr std::int64_t kSessionSeconds = 7 * 86400;
inline constexpr int kMaxFailures = 5;
inline constexpr std::int64_t kFailureWindowSeconds = 15 * 60;
inline constexpr size_t kMinPasswordBytes = 10;
inline constexpr size_t kMaxTrackedAddresses = 10'000;

// An argon2id hash of `password` (libsodium's interactive limits), to keep in password_file.
Result<std::string> hash_password(std::string_view password);

// Reads password_file: one line, an argon2id hash. kConfig when it is missing or not one.
Result<std::string> read_password_hash(const std::string& path);

class Login {
 public:
  explicit Login(std::string password_hash) : hash_(std::move(password_hash)) {}

  enum class Outcome { kIn, kWrong, kLimited };
  struct Attempt {
    Outcome outcome = Outcome::kWrong;
    std::string session;          // kIn: the new session's token, for the cookie
    std::int64_t retry_after = 0;  // kLimited: seconds until the address may try again
  };
  // Checks `password` for a visitor at `address`. Slow on purpose (argon2id), and refused
  // without checking while the address has failed too often. Thread-safe.
  Attempt attempt(std::string_view address, std::string_view password, UnixTime now);

  // Whether `token` is a live session (expired ones are forgotten). Thread-safe.
  bool valid(std::string_view token, UnixTime now);
  void end(std::string_view token);

 private:
  std::string hash_;
  std::mutex mutex_;
  std::map<std::string, UnixTime> sessions_;  // token -> expiry
  struct Failures {
    int count = 0;
    UnixTime first = 0;
  };
  std::map<std::string, Failures> failures_;  // by address
};

// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace rapport::web
