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

#include "core/json_writer.h"
#include "core/log.h"
#include "core/text.h"

namespace rapport::app {

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
  j.begin_object()
      .key("error")
      .begin_object()
      .key("problem")
      .value(problem)
      .end_object()
      .end_object();
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
  std::atomic<std::size_t> open_count{0};  // conns.size() - lingering, for other threads
  void recount() { open_count.store(conns.size() - lingering, std::memory_order_relaxed); }

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
    recount();
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
    recount();
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
                     received * 1000 /
                         static_cast<std::int64_t>(std::max<std::size_t>(1, options.min_body_rate));
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
            [[maybe_unused]] ssize_t n =
                ::send(extra, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
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
      recount();
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
        refuse(c, 408,
               c.parser.state() == RequestParser::State::kBody
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
      // With no connection open nothing can time out: sleep until a client or stop() comes
      // (an idle daemon's servers cost nothing); else wake to sweep the slow ones.
      const int timeout_ms = conns.empty() && !stopping ? -1 : 100;
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout_ms);
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

std::size_t HttpServer::open_connections() const {
  return impl_->open_count.load(std::memory_order_relaxed);
}

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
  s.bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
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
