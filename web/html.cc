#include "web/html.h"

#include "core/text.h"
#include "notify/digest_render.h"

namespace rapport::web {

Html& Html::text(std::string_view s) {
  std::string valid = valid_utf8(s);
  out_.reserve(out_.size() + valid.size());
  for (char c : valid) {
    switch (c) {
      case '&': out_ += "&amp;"; break;
      case '<': out_ += "&lt;"; break;
      case '>': out_ += "&gt;"; break;
      case '"': out_ += "&quot;"; break;
      case '\'': out_ += "&#39;"; break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7F) break;
        out_ += c;
    }
  }
  return *this;
}

Html& Html::number(std::int64_t n) {
  out_ += std::to_string(n);
  return *this;
}

Html& Html::linked_text(std::string_view s) {
  std::string clean;
  clean.reserve(s.size());
  for (char c : s) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7F) continue;
    clean += c;
  }
  out_ += notify::linkify_html(clean, " rel=\"noopener noreferrer nofollow\"");
  return *this;
}

Html& Html::web_url(std::string_view url) {
  if (is_web_url(url)) return text(url);
  out_ += '#';
  return *this;
}

}  // namespace rapport::web
