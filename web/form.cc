#include "web/form.h"

namespace rapport::web {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() &&
               hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Form Form::parse(std::string_view encoded) {
  Form f;
  size_t i = 0;
  while (i <= encoded.size() && f.fields_.size() < kMaxFields) {
    size_t amp = encoded.find('&', i);
    if (amp == std::string_view::npos) amp = encoded.size();
    std::string_view pair = encoded.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      f.fields_.emplace_back(url_decode(name), url_decode(value));
    }
    i = amp + 1;
  }
  return f;
}

const std::string& Form::get(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : fields_) {
    if (k == name) return v;
  }
  return kEmpty;
}

bool Form::has(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (k == name) return true;
  }
  return false;
}

}  // namespace rapport::web
