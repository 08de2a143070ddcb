#include "core/http.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace rapport {

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

// RFC 9110 tchar: the characters of a method or a header name.
bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A byte a header value may hold: visible ASCII, space, tab, or obs-text (0x80 and above).
bool is_field_byte(unsigned char c) { return c == '\t' || c == ' ' || (c > 0x20 && c != 0x7F); }

std::string_view ows_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a comma-separated header value into trimmed elements (empty ones dropped).
std::vector<std::string_view> list_elements(std::string_view v) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string_view e = ows_trim(
        v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!e.empty()) out.push_back(e);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

constexpr std::size_t kMaxChunkLine = 4096;

}  // namespace

void RequestParser::reset() {
  state_ = State::kHead;
  error_status_ = 0;
  error_reason_.clear();
  request_ = HttpRequest{};
  head_.clear();
  scanned_ = 0;
  started_ = false;
  expects_continue_ = false;
  keep_alive_ = true;
  chunked_ = false;
  remaining_ = 0;
  chunk_ = Chunk::kSize;
  line_.clear();
  chunk_left_ = 0;
  trailer_bytes_ = 0;
}

void RequestParser::fail(int status, std::string reason) {
  state_ = State::kError;
  error_status_ = status;
  error_reason_ = std::move(reason);
  keep_alive_ = false;
}

std::size_t RequestParser::feed(std::string_view in) {
  std::size_t used = 0;
  while (used < in.size() && (state_ == State::kHead || state_ == State::kBody)) {
    std::size_t n =
        state_ == State::kHead ? feed_head(in.substr(used)) : feed_body(in.substr(used));
    used += n;
    if (n == 0 && state_ != State::kDone) break;
  }
  return used;
}

std::size_t RequestParser::feed_head(std::string_view in) {
  std::size_t used = 0;
  if (head_.empty()) {
    // Empty lines before a request line are ignored (RFC 9112 section 2.2).
    while (used < in.size() && (in[used] == '\r' || in[used] == '\n')) ++used;
    if (used == in.size()) return used;
  }
  started_ = true;
  // Take no more than the limit allows, plus the blank line's four bytes.
  std::size_t room =
      limits_.max_header_bytes + 4 > head_.size() ? limits_.max_header_bytes + 4 - head_.size() : 0;
  std::size_t take = std::min(room, in.size() - used);
  std::size_t before = head_.size();
  head_.append(in.substr(used, take));
  // Search only what was not searched before: the head is scanned once, whatever the chunking.
  std::size_t i = scanned_;
  for (; i < head_.size(); ++i) {
    char c = head_[i];
    if (c == '\n') {
      if (i == 0 || head_[i - 1] != '\r') {
        fail(400, "a line of the request ends with a bare LF; lines end with CRLF");
        return used + take;
      }
      if (i >= 3 && head_[i - 2] == '\n' && head_[i - 3] == '\r') {
        // The blank line: the head ends here; what follows belongs to the body.
        std::size_t head_end = i + 1;
        std::size_t consumed = used + (head_end - before);
        head_.resize(head_end);
        if (parse_head()) {
          if (state_ != State::kError)
            state_ = (remaining_ > 0 || chunked_) ? State::kBody : State::kDone;
        }
        return consumed;
      }
    } else if (i > 0 && head_[i - 1] == '\r') {
      fail(400, "a CR in the request is not followed by LF");
      return used + take;
    }
  }
  scanned_ = i;
  if (head_.size() > limits_.max_header_bytes) {
    fail(431,
         "the request head is larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return used + take;
}

bool RequestParser::parse_head() {
  std::string_view head(head_);
  head.remove_suffix(4);  // the blank line
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // request-line = method SP request-target SP HTTP-version
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp1 == 0 ||
      sp2 == sp1 + 1 || line.find(' ', sp2 + 1) != std::string_view::npos) {
    fail(400, "the request line is not METHOD TARGET VERSION");
    return false;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (unsigned char c : method) {
    if (!is_tchar(c)) {
      fail(400, "the method is not a token");
      return false;
    }
  }
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7F) {
      fail(400, "the request target holds a space, a control or a non-ASCII byte");
      return false;
    }
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    fail(400, "the request line has no HTTP version");
    return false;
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    return false;
  }
  request_.method = std::string(method);
  request_.version = std::string(version);
  request_.target = std::string(target);
  std::string_view origin = target;
  // absolute-form (a proxy may send it): the path and query are what follow the authority.
  if (origin.substr(0, 7) == "http://" || origin.substr(0, 8) == "https://") {
    size_t slash = origin.find('/', origin.find("//") + 2);
    origin = slash == std::string_view::npos ? std::string_view("/") : origin.substr(slash);
  }
  if (origin.empty() || (origin[0] != '/' && origin != "*")) {
    fail(400, "the request target is not a path");
    return false;
  }
  size_t q = origin.find('?');
  request_.path = std::string(origin.substr(0, q));
  if (q != std::string_view::npos) request_.query = std::string(origin.substr(q + 1));

  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view field = head.substr(pos, end - pos);
    pos = end + 2;
    if (field.front() == ' ' || field.front() == '\t') {
      fail(400, "a header line is folded (obs-fold); write each header on one line");
      return false;
    }
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail(400, "a header line has no name");
      return false;
    }
    std::string_view name = field.substr(0, colon);
    for (unsigned char c : name) {
      if (!is_tchar(c)) {
        fail(400, "a header name holds whitespace or a character names cannot hold");
        return false;
      }
    }
    std::string_view value = ows_trim(field.substr(colon + 1));
    for (unsigned char c : value) {
      if (!is_field_byte(c)) {
        fail(400, "the header " + printable(name, 64) + " holds a control character");
        return false;
      }
    }
    if (request_.headers.size() >= limits_.max_headers) {
      fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
      return false;
    }
    request_.headers.emplace_back(ascii_lower(name), std::string(value));
  }

  // Framing: exactly one way to know where the body ends.
  bool has_length = false;
  bool has_te = false;
  std::int64_t length = 0;
  std::vector<std::string_view> codings;
  int hosts = 0;
  for (const auto& [k, v] : request_.headers) {
    if (k == "content-length") {
      for (std::string_view e : list_elements(v)) {
        if (e.empty() || e.size() > 15 ||
            !std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          fail(400, "Content-Length is not a number");
          return false;
        }
        std::int64_t n = std::stoll(std::string(e));
        if (has_length && n != length) {
          fail(400, "two different Content-Length values");
          return false;
        }
        has_length = true;
        length = n;
      }
      if (list_elements(v).empty()) {
        fail(400, "Content-Length is empty");
        return false;
      }
    } else if (k == "transfer-encoding") {
      has_te = true;
      for (std::string_view e : list_elements(v)) codings.push_back(e);
    } else if (k == "host") {
      ++hosts;
    } else if (k == "connection") {
      for (std::string_view e : list_elements(v)) {
        if (iequals(e, "close")) keep_alive_ = false;
      }
    } else if (k == "expect") {
      if (iequals(ows_trim(v), "100-continue")) expects_continue_ = true;
    }
  }
  if (version == "HTTP/1.0") keep_alive_ = false;
  if (version == "HTTP/1.1" && hosts != 1) {
    fail(400, hosts == 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header");
    return false;
  }
  if (has_te) {
    if (has_length) {
      fail(400, "both Content-Length and Transfer-Encoding; send one");
      return false;
    }
    if (version == "HTTP/1.0") {
      fail(400, "Transfer-Encoding in an HTTP/1.0 request");
      return false;
    }
    if (codings.empty() || !iequals(codings.back(), "chunked")) {
      fail(400, "the body's length cannot be known: Transfer-Encoding does not end in chunked");
      return false;
    }
    if (codings.size() > 1) {
      fail(501, "only Transfer-Encoding: chunked is served");
      return false;
    }
    chunked_ = true;
  } else if (has_length) {
    if (length > limits_.max_body_bytes) {
      fail(413, "the body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
      return false;
    }
    remaining_ = length;
  }
  if (!chunked_ && remaining_ == 0) expects_continue_ = false;
  return true;
}

std::size_t RequestParser::feed_body(std::string_view in) {
  if (chunked_) return feed_chunked(in);
  std::size_t take = static_cast<std::size_t>(
      std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(in.size())));
  request_.body.append(in.substr(0, take));
  remaining_ -= static_cast<std::int64_t>(take);
  if (remaining_ == 0) state_ = State::kDone;
  return take;
}

std::size_t RequestParser::feed_chunked(std::string_view in) {
  std::size_t used = 0;
  while (used < in.size() && state_ == State::kBody) {
    if (chunk_ == Chunk::kData) {
      std::size_t take = static_cast<std::size_t>(
          std::min<std::int64_t>(chunk_left_, static_cast<std::int64_t>(in.size() - used)));
      request_.body.append(in.substr(used, take));
      used += take;
      chunk_left_ -= static_cast<std::int64_t>(take);
      if (chunk_left_ == 0) chunk_ = Chunk::kDataEnd;
      continue;
    }
    // A line: a chunk size, the CRLF after a chunk's data, or a trailer field.
    char c = in[used++];
    line_ += c;
    if (line_.size() > kMaxChunkLine) {
      fail(400, "a chunk-size or trailer line is longer than " + std::to_string(kMaxChunkLine) +
                    " bytes");
      return used;
    }
    if (c == '\n') {
      if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
        fail(400, "a line of the chunked body ends with a bare LF");
        return used;
      }
    } else if (line_.size() >= 2 && line_[line_.size() - 2] == '\r') {
      fail(400, "a CR in the chunked body is not followed by LF");
      return used;
    }
    if (c != '\n') {
      if (chunk_ == Chunk::kDataEnd && line_.size() == 1 && c != '\r') {
        fail(400, "a chunk is longer than its size says");
        return used;
      }
      continue;
    }
    std::string_view line(line_.data(), line_.size() - 2);
    if (chunk_ == Chunk::kDataEnd) {
      if (!line.empty()) {
        fail(400, "a chunk is longer than its size says");
        return used;
      }
      chunk_ = Chunk::kSize;
    } else if (chunk_ == Chunk::kSize) {
      size_t digits = 0;
      std::int64_t size = 0;
      while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
        if (digits >= 15) {
          fail(400, "a chunk size is too large");
          return used;
        }
        char h = line[digits];
        size = size * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        ++digits;
      }
      std::string_view rest = line.substr(digits);
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      bool ext_ok = rest.empty() || rest.front() == ';';
      for (unsigned char e : rest) ext_ok = ext_ok && is_field_byte(e);
      if (digits == 0 || !ext_ok) {
        fail(400, "a chunk size is not hexadecimal");
        return used;
      }
      if (static_cast<std::int64_t>(request_.body.size()) + size > limits_.max_body_bytes) {
        fail(413, "the body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
        return used;
      }
      chunk_left_ = size;
      chunk_ = size == 0 ? Chunk::kTrailer : Chunk::kData;
    } else {  // kTrailer
      if (line.empty()) {
        state_ = State::kDone;
      } else {
        trailer_bytes_ += line_.size();
        if (trailer_bytes_ > limits_.max_header_bytes) {
          fail(431, "the trailer fields are too large");
          return used;
        }
        if (line.front() == ' ' || line.front() == '\t' ||
            line.find(':') == std::string_view::npos) {
          fail(400, "a trailer field is malformed");
          return used;
        }
      }
    }
    line_.clear();
  }
  return used;
}

}  // namespace rapport
