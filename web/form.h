// Form: the fields of an application/x-www-form-urlencoded body or a URL's query.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport::web {

class Form {
 public:
  // Reads "a=1&b=x+y%21": '+' is a space, %XX a byte (a bad escape is kept as written).
  // Linear; at most kMaxFields fields are kept.
  static Form parse(std::string_view encoded);
  static constexpr std::size_t kMaxFields = 64;

  // The first value of `name`, or "" when absent.
  const std::string& get(std::string_view name) const;
  bool has(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// %XX-decodes `s` ('+' as a space).
std::string url_decode(std::string_view s);

}  // namespace rapport::web
