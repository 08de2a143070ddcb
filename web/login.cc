#include "web/login.h"

#include <sodium.h>

#include <fstream>

#include "core/secret.h"
#include "core/text.h"

namespace rapport::web {
namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (!sodium_ready()) return make_error(ErrorCode::kInternal, "libsodium could not start", "");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return make_error(ErrorCode::kInternal, "the password could not be hashed (out of memory)",
                      "");
  }
  return std::string(out);
}

Result<std::string> read_password_hash(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return make_error(ErrorCode::kConfig, "cannot read the web inbox's password file", path,
                      "make it with `rapport web passwd`");
  }
  std::string hash(trim(line));
  if (hash.rfind("$argon2id$", 0) != 0 || hash.size() >= crypto_pwhash_STRBYTES) {
    return make_error(ErrorCode::kConfig, "the web inbox's password file holds no argon2id hash",
                      path, "make it again with `rapport web passwd`");
  }
  return hash;
}

Login::Attempt Login::attempt(std::string_view address, std::string_view password,
                              UnixTime now) {
  Attempt a;
  {
    std::lock_guard lock(mutex_);
    // Bounded: addresses whose window has passed are forgotten once there are many.
    if (failures_.size() > kMaxTrackedAddresses) {
      for (auto it = failures_.begin(); it != failures_.end();) {
        it = now - it->second.first >= kFailureWindowSeconds ? failures_.erase(it) : std::next(it);
      }
    }
    Failures& f = failures_[std::string(address)];
    if (now - f.first >= kFailureWindowSeconds) f = Failures{0, now};
    if (f.count >= kMaxFailures) {
      a.outcome = Outcome::kLimited;
      a.retry_after = f.first + kFailureWindowSeconds - now;
      return a;
    }
  }
  // Outside the lock: argon2id takes a while on purpose, and other visitors need not wait.
  bool right = sodium_ready() &&
               crypto_pwhash_str_verify(hash_.c_str(), password.data(), password.size()) == 0;
  std::lock_guard lock(mutex_);
  if (!right) {
    Failures& f = failures_[std::string(address)];
    if (f.count == 0) f.first = now;
    ++f.count;
    a.outcome = Outcome::kWrong;
    return a;
  }
  failures_.erase(std::string(address));
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second <= now ? sessions_.erase(it) : std::next(it);
  }
  a.outcome = Outcome::kIn;
  a.session = random_hex(32);
  sessions_[a.session] = now + kSessionSeconds;
  return a;
}

bool Login::valid(std::string_view token, UnixTime now) {
  if (token.size() != 64) return false;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(token));
  if (it == sessions_.end()) return false;
  if (it->second <= now) {
    sessions_.erase(it);
    return false;
  }
  return true;
}

void Login::end(std::string_view token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::string(token));
}

std::string cookie_value(std::string_view header, std::string_view name) {
  size_t i = 0;
  while (i < header.size()) {
    size_t end = header.find(';', i);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = trim(header.substr(i, end - i));
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    i = end + 1;
  }
  return "";
}

}  // namespace rapport::web
