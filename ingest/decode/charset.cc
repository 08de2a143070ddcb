#include "ingest/decode/charset.h"

#include <iconv.h>
#include <uchardet.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>

#include "core/text.h"

namespace rapport::ingest {
namespace {

// Owns an iconv_t; closes it on scope exit.
class Iconv {
 public:
  Iconv(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
  ~Iconv() {
    if (ok()) iconv_close(cd_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

std::string canonical(std::string_view charset) {
  std::string c = ascii_lower(trim(charset));
  if (c.size() >= 2 && c.front() == '"' && c.back() == '"') c = c.substr(1, c.size() - 2);
  if (c.empty() || c == "utf8" || c == "utf-8" || c == "unicode-1-1-utf-8") return "utf-8";
  if (c == "us-ascii" || c == "ascii" || c == "iso-8859-1" || c == "iso8859-1" || c == "latin1" ||
      c == "latin-1" || c == "cp1252" || c == "windows-1252" || c == "x-user-defined" ||
      c == "ansi_x3.4-1968") {
    return "windows-1252";
  }
  if (c == "gb2312" || c == "gbk" || c == "x-gbk") return "gb18030";
  if (c == "ks_c_5601-1987") return "cp949";
  if (c == "unicode-1-1-utf-7" || c == "utf7" || c == "x-unicode-2-0-utf-7") return "utf-7";
  return c;
}

// Converts `in`; a sequence iconv cannot read becomes U+FFFD and `unit` bytes are skipped (two
// in UTF-16, four in UTF-32: skipping one would misread everything after it).
std::string convert(const Iconv& cd, std::string_view in, bool& lossy, size_t unit = 1) {
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t used = 0;
  while (src_left > 0) {
    char* dst = out.data() + used;
    size_t dst_left = out.size() - used;
    size_t rc = iconv(cd.get(), &src, &src_left, &dst, &dst_left);
    used = out.size() - dst_left;
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else {
      // EILSEQ or EINVAL: an unconvertible or truncated sequence. Replace one unit and go on.
      lossy = true;
      if (out.size() - used < 3) out.resize(out.size() * 2);
      out.replace(used, 3, "\xEF\xBF\xBD");
      used += 3;
      size_t skip = std::min(unit, src_left);
      src += skip;
      src_left -= skip;
      iconv(cd.get(), nullptr, nullptr, nullptr, nullptr);
    }
  }
  // Flush any shift state (ISO-2022-JP).
  while (true) {
    if (out.size() - used < 16) out.resize(out.size() + 16);
    char* dst = out.data() + used;
    size_t dst_left = out.size() - used;
    size_t rc = iconv(cd.get(), nullptr, nullptr, &dst, &dst_left);
    used = out.size() - dst_left;
    if (rc != static_cast<size_t>(-1) || errno != E2BIG) break;
  }
  out.resize(used);
  return out;
}

// The converter from `charset` to UTF-8, opened once per thread and kept (opening one loads
// and links a gconv module: far dearer than converting a message). Null when iconv does not
// know the charset.
const Iconv* converter(const std::string& charset) {
  thread_local std::map<std::string, std::unique_ptr<Iconv>> open;
  auto it = open.find(charset);
  if (it == open.end()) {
    if (open.size() >= 64) open.clear();  // a bound against mail naming endless charsets
    auto cd = std::make_unique<Iconv>("UTF-8", charset.c_str());
    it = open.emplace(charset, cd->ok() ? std::move(cd) : nullptr).first;
  }
  if (it->second) iconv(it->second->get(), nullptr, nullptr, nullptr, nullptr);  // initial state
  return it->second.get();
}

}  // namespace

Converted to_utf8(std::string_view bytes, std::string_view charset) {
  Converted r;
  std::string cs = canonical(charset);
  if (cs == "utf-8") {
    r.text = valid_utf8(bytes);
    r.lossy = r.text != bytes;
    return r;
  }
  // Pure ASCII reads the same in every ASCII-compatible charset; skip iconv.
  bool ascii = true;
  for (unsigned char c : bytes) {
    if (c >= 0x80 || c == 0x1B) {
      ascii = false;
      break;
    }
  }
  // UTF-7 and HZ write non-ASCII text in ASCII bytes ("+AOk-", "~{"): always through iconv.
  bool ascii_is_text = cs.rfind("utf-16", 0) != 0 && cs.rfind("utf-32", 0) != 0 &&
                       cs != "utf-7" && cs.rfind("hz", 0) != 0;
  if (ascii && ascii_is_text) {
    r.text = std::string(bytes);
    return r;
  }
  const Iconv* cd = converter(cs);
  if (!cd) {
    r.unknown = true;
    r.text = convert(*converter("windows-1252"), bytes, r.lossy);
    return r;
  }
  // iconv's own output is not always valid UTF-8 (glibc's UCS-4 reader writes values above
  // U+10FFFF as old five- and six-byte sequences): checked once more, replaced where broken.
  auto guard = [&r] {
    if (!is_valid_utf8(r.text)) {
      r.text = valid_utf8(r.text);
      r.lossy = true;
    }
  };
  size_t unit = cs.rfind("utf-16", 0) == 0 || cs.rfind("ucs-2", 0) == 0   ? 2
                : cs.rfind("utf-32", 0) == 0 || cs.rfind("ucs-4", 0) == 0 ? 4
                                                                          : 1;
  r.text = convert(*cd, bytes, r.lossy, unit);
  guard();
  return r;
}

std::string detect_charset(std::string_view bytes) {
  constexpr size_t kSample = 256 * 1024;
  std::string_view sample = bytes.substr(0, kSample);
  uchardet_t detector = uchardet_new();
  if (!detector) return {};
  std::string found;
  if (uchardet_handle_data(detector, sample.data(), sample.size()) == 0) {
    uchardet_data_end(detector);
    found = ascii_lower(uchardet_get_charset(detector));
  }
  uchardet_delete(detector);
  if (found == "ascii" || found == "utf-8") return {};
  // Its name for the superset iconv reads, where the detector names the older subset.
  if (found == "gb2312" || found == "hz-gb-2312") found = found == "gb2312" ? "gb18030" : found;
  if (found == "shift_jis") found = "cp932";
  if (found == "euc-kr") found = "cp949";
  return found;
}

std::optional<Detected> read_undeclared(std::string_view bytes) {
  std::string guess = detect_charset(bytes);
  if (guess.empty()) return std::nullopt;
  Converted c = to_utf8(bytes, guess);
  if (c.lossy || c.unknown) return std::nullopt;
  return Detected{std::move(guess), std::move(c.text)};
}

std::string utf8_or_windows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  size_t i = 0;
  size_t legacy = 0;  // where the current run of non-UTF-8 bytes began
  auto flush = [&](size_t end) {
    if (end > legacy) out += to_utf8(bytes.substr(legacy, end - legacy), "windows-1252").text;
  };
  while (i < bytes.size()) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    size_t len = c < 0x80                ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len > 0 && i + len <= bytes.size() && is_valid_utf8(bytes.substr(i, len))) {
      flush(i);
      out.append(bytes.substr(i, len));
      i += len;
      legacy = i;
      continue;
    }
    ++i;
  }
  flush(bytes.size());
  return out;
}

}  // namespace rapport::ingest
