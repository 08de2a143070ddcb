#include "web/one_tap.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/secret.h"

namespace rapport::web {
namespace {

constexpr std::string_view kPrefix = "/tap/";
constexpr size_t kKeyBytes = 32;

bool parse_int(std::string_view s, std::int64_t& v) {
  if (s.empty() || s.size() > 18) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && v > 0;
}

bool slot_like(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

}  // namespace

std::string_view tap_word(TapAction a) {
  return a == TapAction::kDone ? "done" : "snooze-week";
}

std::string TapSigner::sign(const Tap& t) const {
  std::string message = std::string(tap_word(t.action)) + "\n" + std::to_string(t.contact_id) +
                        "\n" + t.digest_slot + "\n" + std::to_string(t.expires);
  return hmac_sha256_hex(key_, message);
}

std::string TapSigner::path(const Tap& t) const {
  return std::string(kPrefix) + std::string(tap_word(t.action)) + "/" +
         std::to_string(t.contact_id) + "/" + t.digest_slot + "/" + std::to_string(t.expires) +
         "/" + sign(t);
}

std::optional<Tap> TapSigner::verify(std::string_view path) const {
  if (path.substr(0, kPrefix.size()) != kPrefix || path.size() > 200) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  std::vector<std::string_view> parts;
  while (parts.size() < 6) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (parts.size() != 5) return std::nullopt;
  Tap t;
  if (parts[0] == "done") {
    t.action = TapAction::kDone;
  } else if (parts[0] == "snooze-week") {
    t.action = TapAction::kSnoozeWeek;
  } else {
    return std::nullopt;
  }
  if (!parse_int(parts[1], t.contact_id) || !slot_like(parts[2]) ||
      !parse_int(parts[3], t.expires)) {
    return std::nullopt;
  }
  t.digest_slot = std::string(parts[2]);
  if (!equal_secrets(parts[4], sign(t))) return std::nullopt;
  return t;
}

namespace {

Result<std::string> load_or_create(const std::filesystem::path& file, bool retried) {
  {
    std::ifstream in(file, std::ios::binary);
    if (in) {
      std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (key.size() == kKeyBytes) return key;
      return make_error(ErrorCode::kIo, "the one-tap link key is damaged (not 32 bytes)",
                        file.string(), "delete it: a new one is made, and older links stop working");
    }
  }
  std::string key(kKeyBytes, '\0');
  size_t got = 0;
  while (got < key.size()) {
    ssize_t n = getrandom(key.data() + got, key.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  // Made readable by the owner alone, and only if no one made it meanwhile.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST && !retried) return load_or_create(file, true);
    return make_error(ErrorCode::kIo, "cannot create the one-tap link key", file.string(),
                      "the database's folder must be writable");
  }
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(file.c_str());
    return make_error(ErrorCode::kIo, "cannot write the one-tap link key", file.string(), "");
  }
  return key;
}

}  // namespace

Result<std::string> load_or_create_tap_key(const std::filesystem::path& file) {
  return load_or_create(file, false);
}

}  // namespace rapport::web
