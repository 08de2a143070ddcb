// Html: a page built so that listener text can only ever be text. Markup comes from string
// literals (lit), written by Rapport; everything else goes through text(), attr() or
// linked_text(), which escape it. There is no way to put a runtime string into the page
// unescaped, so a name like "<script>" or a "javascript:" address comes out inert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rapport::web {

class Html {
 public:
  // Markup: a string literal of Rapport's own.
  template <std::size_t N>
  Html& lit(const char (&markup)[N]) {
    out_.append(markup, N - 1);
    return *this;
  }
  // One of two literals.
  template <std::size_t N, std::size_t M>
  Html& either(bool first, const char (&a)[N], const char (&b)[M]) {
    return first ? lit(a) : lit(b);
  }
  // Text, escaped (& < > " '), invalid UTF-8 replaced, control characters other than line
  // breaks and tabs dropped. Safe inside elements and quoted attributes alike.
  Html& text(std::string_view s);
  Html& attr(std::string_view s) { return text(s); }
  Html& number(std::int64_t n);
  // Text with its http and https addresses as links that open without telling the site where
  // they came from (rel="noopener noreferrer nofollow").
  Html& linked_text(std::string_view s);
  // An href: the URL when it is http or https, else "#" (no javascript:, data: or mailto:
  // from listener text).
  Html& web_url(std::string_view url);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace rapport::web
