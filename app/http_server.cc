#include "app/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/json_writer.h"
#include "store/log.h"
#include "store/text.h"

namespace rapport::app {

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

// --- RequestParser ---

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
    std::string_view e =
        ows_trim(v.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                   : comma - start));
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
    std::size_t n = state_ == State::kHead ? feed_head(in.substr(used)) : feed_body(in.substr(used));
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
  std::size_t room = limits_.max_header_bytes + 4 > head_.size()
                         ? limits_.max_header_bytes + 4 - head_.size()
                         : 0;
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
          if (state_ != State::kError) state_ = (remaining_ > 0 || chunked_) ? State::kBody : State::kDone;
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
    fail(431, "the request head is larger than " + std::to_string(limits_.max_header_bytes) +
                  " bytes");
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
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[7]))) {
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
  std::size_t take = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(in.size())));
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
        if (line.front() == ' ' || line.front() == '\t' || line.find(':') == std::string_view::npos) {
          fail(400, "a trailer field is malformed");
          return used;
        }
      }
    }
    line_.clear();
  }
  return used;
}

// --- HttpServer ---

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

constexpr int kLingerMs = 2000;                    // reading after an error answer, then close
constexpr std::size_t kLingerBytes = 1024 * 1024;  // at most this much is read and dropped
constexpr int kStopWriteMs = 1000;                 // answers still owed when stopping

std::string serialise(const HttpResponse& r, bool head_only, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " ";
  out += reason_phrase(r.status);
  out += "\r\n";
  bool has_type = false;
  for (const auto& [k, v] : r.headers) {
    // A header value with a line break would end the head early: a handler bug, dropped.
    if (k.find_first_of("\r\n:") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    has_type |= iequals(k, "Content-Type");
    out += k + ": " + v + "\r\n";
  }
  if (!has_type && !r.body.empty()) out += "Content-Type: application/json\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

HttpResponse error_response(int status, const std::string& problem) {
  JsonWriter j;
  j.begin_object().key("error").begin_object().key("problem").value(problem).end_object().end_object();
  return {status, {}, j.str()};
}

std::string peer_address(const sockaddr_storage& a) {
  char host[NI_MAXHOST] = {0};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&a), sizeof a, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0) {
    return "?";
  }
  std::string h = host;
  if (h.rfind("::ffff:", 0) == 0) h = h.substr(7);  // an IPv4 client of an IPv6 socket
  return h;
}

}  // namespace

struct HttpServer::Impl {
  enum class St { kRead, kHandling, kWrite, kLinger };
  struct Conn {
    std::uint64_t id = 0;
    int fd = -1;
    std::string peer;
    St st = St::kRead;
    RequestParser parser;
    std::string in;   // read, not yet parsed (the rest of a pipelined request)
    std::string out;  // to write
    std::size_t out_off = 0;
    bool close_after = false;
    bool head_only = false;
    bool continue_sent = false;
    std::int64_t deadline = 0;
    std::int64_t head_started = 0;  // 0: no byte of the current request yet
    std::int64_t body_started = 0;
    std::size_t lingered = 0;
    int requests = 0;
    std::uint32_t events = 0;  // what epoll watches
    explicit Conn(const HttpLimits& l) : parser(l) {}
  };
  struct Job {
    std::uint64_t conn = 0;
    HttpRequest request;
  };
  struct Done {
    std::uint64_t conn = 0;
    HttpResponse response;
  };

  HttpServerOptions options;
  HttpHandler handler;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int reserve_fd = -1;  // given up to accept (and refuse) a connection when out of descriptors
  int bound_port = 0;
  std::thread loop_thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;

  std::mutex mutex;  // guards jobs, done, workers_stop, busy
  std::condition_variable job_ready;
  std::deque<Job> jobs;
  std::deque<Done> done;
  bool workers_stop = false;
  std::size_t busy = 0;  // jobs being handled

  // Event-thread state.
  std::unordered_map<std::uint64_t, Conn> conns;
  std::unordered_map<int, std::uint64_t> by_fd;
  std::uint64_t next_id = 1;
  std::size_t lingering = 0;

  Impl(HttpServerOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  void watch(Conn& c, std::uint32_t events) {
    if (c.events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = c.id;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.events = events;
  }

  void close_conn(std::uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    if (it->second.st == St::kLinger) --lingering;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
    ::close(it->second.fd);
    by_fd.erase(it->second.fd);
    conns.erase(it);
  }

  // After an error answer, read and drop what the client still sends for a moment, so closing
  // with unread bytes does not reset the connection before the answer is read.
  void linger(Conn& c) {
    ::shutdown(c.fd, SHUT_WR);
    if (lingering >= options.max_connections) {
      close_conn(c.id);
      return;
    }
    c.st = St::kLinger;
    ++lingering;
    c.deadline = now_ms() + kLingerMs;
    watch(c, EPOLLIN | EPOLLRDHUP);
  }

  void send_response(Conn& c, const HttpResponse& r, bool close) {
    c.close_after = close || c.close_after;
    c.out += serialise(r, c.head_only, c.close_after);
    c.st = St::kWrite;
    c.deadline = now_ms() + options.write_timeout_ms;
    if (stopping) c.deadline = std::min(c.deadline, now_ms() + kStopWriteMs);
    write_some(c);
  }

  void refuse(Conn& c, int status, const std::string& problem) {
    c.head_only = false;
    send_response(c, error_response(status, problem), true);
  }

  void write_some(Conn& c) {
    while (c.out_off < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        watch(c, EPOLLOUT);
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      close_conn(c.id);
      return;
    }
    c.out.clear();
    c.out_off = 0;
    if (c.st != St::kWrite) {  // a 100 Continue written while reading the body
      watch(c, EPOLLIN | EPOLLRDHUP);
      return;
    }
    if (c.close_after || stopping) {
      linger(c);
      return;
    }
    // Ready for the next request on this connection.
    c.st = St::kRead;
    c.parser.reset();
    c.head_only = false;
    c.continue_sent = false;
    c.head_started = 0;
    c.body_started = 0;
    c.deadline = now_ms() + options.idle_timeout_ms;
    watch(c, EPOLLIN | EPOLLRDHUP);
    if (!c.in.empty()) process(c);
  }

  // Parses what has arrived and acts on it: wait, refuse, or hand a whole request to a worker.
  void process(Conn& c) {
    std::size_t used = c.parser.feed(c.in);
    c.in.erase(0, used);
    std::int64_t now = now_ms();
    switch (c.parser.state()) {
      case RequestParser::State::kError:
        refuse(c, c.parser.error_status(), c.parser.error_reason());
        return;
      case RequestParser::State::kHead:
        if (c.parser.started() && c.head_started == 0) {
          c.head_started = now;
          c.deadline = now + options.header_timeout_ms;
        }
        return;
      case RequestParser::State::kBody: {
        if (c.body_started == 0) {
          c.body_started = now;
          if (c.parser.expects_continue() && !c.continue_sent) {
            c.continue_sent = true;
            c.out += "HTTP/1.1 100 Continue\r\n\r\n";
            const std::uint64_t id = c.id;
            write_some(c);  // may close the connection: `c` is not used after that
            if (!conns.count(id)) return;
          }
        }
        // The body's deadline grows with what arrives, never with time: a trickle of bytes
        // cannot keep a connection (and its memory) forever.
        std::int64_t received = static_cast<std::int64_t>(c.parser.request().body.size());
        c.deadline = c.body_started + options.body_grace_ms +
                     received * 1000 / static_cast<std::int64_t>(std::max<std::size_t>(1, options.min_body_rate));
        return;
      }
      case RequestParser::State::kDone:
        break;
    }
    ++c.requests;
    HttpRequest request = std::move(c.parser.request());
    request.peer = c.peer;
    c.head_only = request.method == "HEAD";
    if (!c.parser.keep_alive() || c.requests >= options.max_requests_per_connection) {
      c.close_after = true;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (jobs.size() < options.max_queued) {
        jobs.push_back({c.id, std::move(request)});
        c.st = St::kHandling;
        c.deadline = 0;  // no deadline while a worker has it
        watch(c, 0);
        job_ready.notify_one();
        return;
      }
    }
    // Every worker is busy and the queue is full: say so now, never leave it hanging.
    HttpResponse busy_answer = error_response(503, "the server is busy; try again shortly");
    busy_answer.headers.emplace_back("Retry-After", "5");
    send_response(c, busy_answer, true);
  }

  void on_readable(Conn& c) {
    const std::uint64_t id = c.id;  // process() may close the connection and free `c`
    char buf[16384];
    for (int rounds = 0; rounds < 4; ++rounds) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.st == St::kLinger) {
          c.lingered += static_cast<std::size_t>(n);
          if (c.lingered > kLingerBytes) {
            close_conn(c.id);
            return;
          }
          continue;
        }
        c.in.append(buf, static_cast<std::size_t>(n));
        if (c.st == St::kRead) {
          process(c);
          if (!conns.count(id) || c.st != St::kRead) return;
        }
        if (static_cast<std::size_t>(n) < sizeof buf) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      // The client closed (or the connection broke): nothing more can be answered.
      close_conn(c.id);
      return;
    }
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
          // Out of descriptors: use the reserve to take one connection and say so, rather
          // than leaving every client in the backlog until it gives up.
          ::close(reserve_fd);
          int extra = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
          if (extra >= 0) {
            std::string busy = serialise(error_response(503, "the server is busy"), false, true);
            [[maybe_unused]] ssize_t n = ::send(extra, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(extra);
          }
          reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          continue;
        }
        return;  // EAGAIN: all taken
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn c(options.limits);
      c.id = next_id++;
      c.fd = fd;
      c.peer = peer_address(addr);
      c.deadline = now_ms() + options.header_timeout_ms;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = c.id;
      c.events = ev.events;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        continue;
      }
      std::uint64_t id = c.id;
      by_fd[fd] = id;
      auto [it, inserted] = conns.emplace(id, std::move(c));
      if (conns.size() - lingering > options.max_connections) {
        HttpResponse busy_answer = error_response(503, "too many connections; try again shortly");
        busy_answer.headers.emplace_back("Retry-After", "5");
        send_response(it->second, busy_answer, true);
      }
    }
  }

  void drain_done() {
    std::deque<Done> ready;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ready.swap(done);
    }
    for (Done& d : ready) {
      auto it = conns.find(d.conn);
      if (it == conns.end() || it->second.st != St::kHandling) continue;  // the client left
      send_response(it->second, d.response, false);
    }
  }

  void sweep(std::int64_t now) {
    std::vector<std::uint64_t> expired;
    for (auto& [id, c] : conns) {
      if (c.deadline != 0 && now >= c.deadline) expired.push_back(id);
    }
    for (std::uint64_t id : expired) {
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      if (c.st == St::kRead && c.parser.started() && !stopping) {
        refuse(c, 408, c.parser.state() == RequestParser::State::kBody
                           ? "the body arrived too slowly"
                           : "the request head did not arrive in time");
      } else {
        close_conn(id);  // idle, lingering, or an answer the client does not read
      }
    }
  }

  // Closes every connection that is not owed an answer.
  void close_idle_for_stop() {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns) {
      if (c.st == St::kRead || c.st == St::kLinger) ids.push_back(id);
      if (c.st == St::kWrite) c.deadline = std::min(c.deadline, now_ms() + kStopWriteMs);
    }
    for (auto id : ids) close_conn(id);
  }

  void loop() {
    std::vector<epoll_event> events(256);
    std::int64_t last_sweep = now_ms();
    std::int64_t stop_deadline = 0;
    for (;;) {
      if (stopping) {
        if (stop_deadline == 0) {
          stop_deadline = now_ms() + 3000;  // handlers are short; the daemon stops within 10 s
          ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
          ::close(listen_fd);
          listen_fd = -1;
        }
        close_idle_for_stop();
        if (conns.empty() || now_ms() > stop_deadline) break;
      }
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        std::uint64_t key = events[static_cast<size_t>(i)].data.u64;
        std::uint32_t ev = events[static_cast<size_t>(i)].events;
        if (key == 0) {
          accept_all();
          continue;
        }
        if (key == UINT64_MAX) {
          std::uint64_t count;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &count, sizeof count);
          drain_done();
          continue;
        }
        auto it = conns.find(key);
        if (it == conns.end()) continue;
        Conn& c = it->second;
        if (ev & EPOLLOUT) {
          write_some(c);
          if (!conns.count(key)) continue;
        }
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
          if (c.st == St::kHandling) {
            // The client hung up while a worker has its request: the answer is dropped.
            if (ev & (EPOLLHUP | EPOLLERR)) close_conn(key);
            continue;
          }
          on_readable(c);
        }
      }
      std::int64_t now = now_ms();
      if (now - last_sweep >= 100) {
        sweep(now);
        last_sweep = now;
      }
    }
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns) ids.push_back(id);
    for (auto id : ids) close_conn(id);
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        job_ready.wait(lock, [this] { return workers_stop || !jobs.empty(); });
        if (jobs.empty()) return;  // stopping, and nothing left to do
        job = std::move(jobs.front());
        jobs.pop_front();
        ++busy;
      }
      HttpResponse response;
      try {
        response = handler(job.request);
      } catch (const std::exception& e) {
        log::error(std::string("listener: ") + e.what());
        response = error_response(500, "internal error");
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        done.push_back({job.conn, std::move(response)});
        --busy;
      }
      wake();
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->bound_port; }

Status HttpServer::start() {
  Impl& s = *impl_;
  if (s.started) return {};
  // Many clients at once need many descriptors: take what the hard limit allows.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 65536);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  std::string where = s.options.address + ":" + std::to_string(s.options.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(s.options.port);
  if (int rc = ::getaddrinfo(s.options.address.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return make_error(ErrorCode::kNetwork, std::string("cannot listen: ") + gai_strerror(rc), where,
                      "set [listener] address to an address of this machine");
  }
  int fd = -1;
  std::string failure;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) break;
    failure = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return make_error(ErrorCode::kNetwork, "cannot listen: " + failure, where,
                      "is another program using the port? set [listener] port");
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  s.bound_port = ntohs(bound.ss_family == AF_INET6
                           ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                           : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  s.listen_fd = fd;
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  s.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.data.u64 = UINT64_MAX;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  for (int i = 0; i < std::max(1, s.options.workers); ++i) {
    s.workers.emplace_back([&s] { s.work(); });
  }
  s.loop_thread = std::thread([&s] { s.loop(); });
  s.started = true;
  return {};
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  s.wake();
  // The event loop ends once every answer owed has been written (or given up on); requests
  // still queued are answered first, by the workers.
  s.loop_thread.join();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.workers_stop = true;
    s.jobs.clear();  // their connections are closed: nobody would read the answers
  }
  s.job_ready.notify_all();
  for (auto& t : s.workers) t.join();
  ::close(s.epoll_fd);
  ::close(s.wake_fd);
  if (s.reserve_fd >= 0) ::close(s.reserve_fd);
  if (s.listen_fd >= 0) ::close(s.listen_fd);
}

}  // namespace rapport::app
