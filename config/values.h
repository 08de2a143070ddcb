// Values of rapport.toml in their own formats: days of the week, a calendar day, paths with ~,
// and where data goes by default.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/clock.h"

namespace rapport::config {

// "2026-01-31" as midnight UTC; nullopt when it is not such a day.
std::optional<UnixTime> parse_day(const std::string& text);
// "daily", "weekdays", "weekends", "mon-fri", "sat,sun", "mon,wed-fri" into a Sunday-first set.
std::optional<std::array<bool, 7>> parse_days(const std::string& text);
// "~/x" with the home folder; anything else as it is.
std::string expand_home(const std::string& p);
// $XDG_DATA_HOME, or ~/.local/share.
std::string data_home();

}  // namespace rapport::config
