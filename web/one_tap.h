// One-tap links: single-purpose URLs in the digest email that act on one person ("done",
// "snooze a week") without a login, because each is signed: an HMAC-SHA256 of the action, the
// person, the digest and the expiry, with a key kept in the data folder. A link opens a
// confirmation page (GET does nothing, so a mail scanner that fetches every link acts on no
// one); the button on it POSTs to the same URL. Valid for 14 days; a second use changes
// nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace rapport::web {

inline constexpr std::int64_t kTapValidSeconds = 14 * 86400;

enum class TapAction { kDone, kSnoozeWeek };

struct Tap {
  TapAction action = TapAction::kDone;
  std::int64_t contact_id = 0;
  std::string digest_slot;  // YYYY-MM-DD
  UnixTime expires = 0;
  UnixTime issued() const { return expires - kTapValidSeconds; }
};

std::string_view tap_word(TapAction a);  // "done", "snooze-week"

class TapSigner {
 public:
  // `key`: the secret bytes (see load_or_create_tap_key).
  explicit TapSigner(std::string key) : key_(std::move(key)) {}

  // "/tap/done/12/2026-11-29/1797000000/<64 hex>"
  std::string path(const Tap& tap) const;
  // The tap a path names when its signature is right (whether or not it has expired);
  // nullopt for anything else.
  std::optional<Tap> verify(std::string_view path) const;

 private:
  std::string sign(const Tap& tap) const;
  std::string key_;
};

// The key in `file`, made (32 random bytes, readable by the owner only) when it does not
// exist yet. kIo when it cannot be read or written.
Result<std::string> load_or_create_tap_key(const std::filesystem::path& file);

}  // namespace rapport::web
