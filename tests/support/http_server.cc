#include "tests/support/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/text.h"

namespace rapport::testing {

// Every thread the server starts is joined by the destructor, and a delay waits on `stop`, so
// nothing the server runs outlives it (a handler sleeping past the end of a test once did).
struct HttpTestServer::State {
  std::mutex mutex;
  std::condition_variable stopping;
  bool stop = false;
  std::map<std::string, Handler> routes;
  std::vector<HttpExchange> log;
  int in_flight = 0;
  int max_in_flight = 0;
  int listen_fd = -1;
  std::thread acceptor;
  std::vector<std::thread> connections;
};

namespace {

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string gzip(const std::string& body) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads one request (head and Content-Length body) from `fd`; false when the peer went away
// or the server is stopping.
bool read_request(int fd, HttpTestServer::State& state, HttpExchange& ex) {
  std::string in;
  char buf[8192];
  size_t head_end = std::string::npos;
  size_t body_size = 0;
  for (;;) {
    if (head_end != std::string::npos && in.size() >= head_end + 4 + body_size) break;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      if (state.stop) return false;
    }
    if (r <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
    if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
      std::string_view head(in.data(), head_end);
      size_t line_end = head.find("\r\n");
      std::string_view request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' ');
      size_t sp2 = request_line.find(' ', sp1 + 1);
      ex.method = std::string(request_line.substr(0, sp1));
      ex.path = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
      size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t end = head.find("\r\n", pos);
        if (end == std::string_view::npos) end = head.size();
        std::string_view line = head.substr(pos, end - pos);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          ex.headers[ascii_lower(line.substr(0, colon))] =
              std::string(trim(line.substr(colon + 1)));
        }
        pos = end + 2;
      }
      if (auto it = ex.headers.find("content-length"); it != ex.headers.end()) {
        body_size = static_cast<size_t>(std::stoull(it->second));
      }
    }
  }
  size_t q = ex.path.find('?');
  if (q != std::string::npos) ex.query = ex.path.substr(q + 1);
  ex.request_body = in.substr(head_end + 4, body_size);
  return true;
}

void serve(int fd, HttpTestServer::State& state) {
  HttpExchange ex;
  if (!read_request(fd, state, ex)) {
    ::close(fd);
    return;
  }
  HttpTestServer::Handler route;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    auto it = state.routes.find(ex.path);
    if (it == state.routes.end()) it = state.routes.find(ex.path.substr(0, ex.path.find('?')));
    if (it != state.routes.end()) route = it->second;
    state.max_in_flight = std::max(state.max_in_flight, ++state.in_flight);
  }
  if (route) {
    route(ex);
  } else {
    ex.status = 404;
    ex.body = "not found";
  }
  bool stopped = false;
  if (ex.delay_ms > 0) {
    std::unique_lock<std::mutex> lock(state.mutex);
    stopped = state.stopping.wait_for(lock, std::chrono::milliseconds(ex.delay_ms),
                                      [&] { return state.stop; });
  }
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    state.log.push_back(ex);
    --state.in_flight;
  }
  if (stopped) {
    ::close(fd);
    return;
  }
  if (ex.gzip) {
    ex.body = gzip(ex.body);
    ex.response_headers["Content-Encoding"] = "gzip";
  }
  std::string head = "HTTP/1.1 " + std::to_string(ex.status) + " " + reason(ex.status) + "\r\n";
  for (const auto& [k, v] : ex.response_headers) head += k + ": " + v + "\r\n";
  head += "Connection: close\r\n";
  if (ex.status == 304) {
    head += "\r\n";
    send_all(fd, head);
  } else {
    // A truncated answer promises more than it sends, then closes the connection.
    size_t promised = ex.body.size() + (ex.truncate ? 4096 : 0);
    head += "Content-Length: " + std::to_string(promised) + "\r\n\r\n";
    send_all(fd, head);
    if (ex.method != "HEAD") send_all(fd, ex.body);
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

void accept_loop(HttpTestServer::State& state) {
  for (;;) {
    pollfd p{state.listen_fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      if (state.stop) return;
    }
    if (r <= 0) continue;
    int fd = ::accept(state.listen_fd, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(state.mutex);
    state.connections.emplace_back([fd, &state] { serve(fd, state); });
  }
}

}  // namespace

HttpTestServer::HttpTestServer() : state_(std::make_shared<State>()) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1024) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("test HTTP server: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  state_->listen_fd = fd;
  state_->acceptor = std::thread([s = state_.get()] { accept_loop(*s); });
}

HttpTestServer::~HttpTestServer() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stop = true;
  }
  state_->stopping.notify_all();
  state_->acceptor.join();
  // No new connection thread can start now: the acceptor has returned.
  for (auto& t : state_->connections) t.join();
  ::close(state_->listen_fd);
}

void HttpTestServer::route(const std::string& path, Handler handler) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->routes[path] = std::move(handler);
}

std::string HttpTestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

int HttpTestServer::max_in_flight() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->max_in_flight;
}

std::vector<HttpExchange> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->log;
}

}  // namespace rapport::testing
