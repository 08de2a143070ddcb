// HttpServer and its RequestParser: strict framing, and the attacks found against the listener
// (slowloris, trickled bodies, connection floods, smuggling), over real sockets on 127.0.0.1.
#include "app/http_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/http_post.h"
#include "tests/support/raw_socket.h"

namespace rapport::app {
namespace {

using testing::RawClient;

// Feeds `bytes` to a parser in pieces of `step` bytes (0: all at once).
RequestParser parse(std::string_view bytes, size_t step = 0, HttpLimits limits = {}) {
  RequestParser p(limits);
  size_t at = 0;
  while (at < bytes.size() && (p.state() == RequestParser::State::kHead ||
                               p.state() == RequestParser::State::kBody)) {
    size_t n = step == 0 ? bytes.size() - at : std::min(step, bytes.size() - at);
    size_t used = p.feed(bytes.substr(at, n));
    if (used == 0) break;
    at += used;
  }
  return p;
}

struct Refusal {
  const char* name;
  std::string request;
  int status;
  const char* reason_part;
};

class RequestParserRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(RequestParserRefuses, WithTheRightStatusWhateverTheChunking) {
  const Refusal& r = GetParam();
  for (size_t step : {size_t{0}, size_t{1}, size_t{7}}) {
    HttpLimits limits;
    limits.max_body_bytes = 100;
    limits.max_header_bytes = 512;
    limits.max_headers = 10;
    RequestParser p = parse(r.request, step, limits);
    ASSERT_EQ(p.state(), RequestParser::State::kError) << r.name << " step " << step;
    EXPECT_EQ(p.error_status(), r.status) << r.name;
    EXPECT_NE(p.error_reason().find(r.reason_part), std::string::npos)
        << r.name << ": " << p.error_reason();
    EXPECT_FALSE(p.keep_alive());
  }
}

std::string many_headers(int n) {
  std::string h;
  for (int i = 0; i < n; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
  return h;
}

INSTANTIATE_TEST_SUITE_P(
    Framing, RequestParserRefuses,
    ::testing::Values(
        // Request smuggling: a proxy and Rapport must agree on where a request ends.
        Refusal{"content_length_and_chunked",
                "POST /v1/messages/site HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n",
                400, "both Content-Length and Transfer-Encoding"},
        Refusal{"two_lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
                400, "two different Content-Length"},
        Refusal{"two_lengths_in_one", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcd",
                400, "two different Content-Length"},
        Refusal{"signed_length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd", 400,
                "not a number"},
        Refusal{"bare_lf", "GET / HTTP/1.1\nHost: x\n\n", 400, "bare LF"},
        Refusal{"bare_lf_in_a_header", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, "bare LF"},
        Refusal{"bare_cr", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, "CR"},
        Refusal{"obs_fold", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n", 400, "obs-fold"},
        Refusal{"nul_in_a_header", std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 35), 400,
                "control character"},
        Refusal{"space_before_colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "header name"},
        Refusal{"no_host", "GET / HTTP/1.1\r\n\r\n", 400, "Host"},
        Refusal{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host"},
        Refusal{"http2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/1.0 and HTTP/1.1"},
        Refusal{"no_version", "GET /\r\nHost: x\r\n\r\n", 400, "METHOD TARGET VERSION"},
        Refusal{"space_in_target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "METHOD TARGET"},
        Refusal{"gzip_then_chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                501, "chunked"},
        Refusal{"chunked_not_last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                400, "does not end in chunked"},
        Refusal{"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "HTTP/1.0"},
        Refusal{"head_too_large", "GET /" + std::string(600, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
                "larger than 512"},
        Refusal{"too_many_headers", "GET / HTTP/1.1\r\nHost: x\r\n" + many_headers(10) + "\r\n", 431,
                "more than 10 header fields"},
        Refusal{"body_too_large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413,
                "larger than 100"},
        Refusal{"chunks_too_large",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                    std::string(64, 'a') + "\r\n40\r\n",
                413, "larger than 100"},
        Refusal{"chunk_size_not_hex",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "hexadecimal"},
        Refusal{"chunk_longer_than_said",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
                400, "longer than its size"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return std::string(info.param.name); });

TEST(RequestParser, ReadsAChunkedBodyWithExtensionsAndTrailersByteByByte) {
  std::string req =
      "POST /v1/messages/site?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  for (size_t step : {size_t{0}, size_t{1}, size_t{3}}) {
    RequestParser p = parse(req, step);
    ASSERT_EQ(p.state(), RequestParser::State::kDone) << p.error_reason();
    EXPECT_EQ(p.request().body, "hello world");
    EXPECT_EQ(p.request().path, "/v1/messages/site");
    EXPECT_EQ(p.request().query, "x=1");
    EXPECT_TRUE(p.keep_alive());
  }
  // It stops at the end of the request: the rest is the next one's.
  RequestParser p(HttpLimits{});
  EXPECT_EQ(p.feed(req), req.size() - 4);
}

TEST(RequestParser, ReadsPipelinedRequestsOneAtATime) {
  std::string two =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  RequestParser p(HttpLimits{});
  size_t used = p.feed(two);
  ASSERT_EQ(p.state(), RequestParser::State::kDone);
  EXPECT_EQ(p.request().body, "abc");
  EXPECT_TRUE(p.keep_alive());
  p.reset();
  EXPECT_EQ(p.feed(std::string_view(two).substr(used)), two.size() - used);
  ASSERT_EQ(p.state(), RequestParser::State::kDone);
  EXPECT_EQ(p.request().path, "/b");
  EXPECT_EQ(*p.request().header("connection"), "close");
  EXPECT_FALSE(p.keep_alive());
}

TEST(RequestParser, AcceptsTheSameLengthTwiceAndHeaderValuesInUtf8) {
  RequestParser p = parse(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\ncontent-length: 2\r\n"
      "X-Name: Lucía\r\nExpect: 100-continue\r\n\r\nok");
  ASSERT_EQ(p.state(), RequestParser::State::kDone) << p.error_reason();
  EXPECT_EQ(p.request().body, "ok");
  EXPECT_EQ(*p.request().header("x-name"), "Lucía");
  EXPECT_TRUE(p.expects_continue());
}

TEST(HttpServer, ReasonPhrasesAreTheStatusesOwn) {
  // Every status line used to say "OK" ("HTTP/1.1 413 OK").
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(429), "Too Many Requests");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(303), "See Other");
}

// The status line of an answer.
std::string status_line(const std::string& answer) { return answer.substr(0, answer.find("\r\n") + 2); }

// A server on a free port whose handler answers /healthz at once and /slow after a wait.
class ServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions o) {
    server = std::make_unique<HttpServer>(o, [this](const HttpRequest& r) {
      ++handled;
      if (r.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
      HttpResponse resp;
      resp.body = "{\"path\":\"" + r.path + "\",\"body\":" + std::to_string(r.body.size()) + "}";
      return resp;
    });
    ASSERT_TRUE(server->start().ok());
  }
  HttpServerOptions quick() {
    HttpServerOptions o;
    o.header_timeout_ms = 1000;
    o.body_grace_ms = 1000;
    o.idle_timeout_ms = 1000;
    return o;
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
  std::unique_ptr<HttpServer> server;
  std::atomic<int> handled{0};
};

TEST_F(ServerTest, SixtyFourSlowlorisConnectionsNeitherStarveHealthzNorExtendTheirDeadline) {
  // 64 connections sending one byte at a time held all 8 workers, and every byte reset the
  // timeout: /healthz timed out for everyone.
  start(quick());
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 64; ++i) slow.push_back(std::make_unique<RawClient>(server->port()));
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    for (size_t i = 0; !done; ++i) {
      for (auto& c : slow) c->send(std::string(1, i < head.size() ? head[i] : 'a'));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (int i = 0; i < 5; ++i) {
    auto answer = testing::http_request("GET", url("/healthz"), "");
    EXPECT_EQ(answer.status, 200);
  }
  // Each slow connection is answered 408 and closed once its head is late, bytes or not.
  for (auto& c : slow) {
    std::string got = c->read_until("\r\n\r\n", 5000);
    EXPECT_EQ(got.substr(0, 30), "HTTP/1.1 408 Request Timeout\r\n");
    EXPECT_TRUE(c->closed_by_server(5000));
  }
  done = true;
  trickle.join();
  EXPECT_EQ(handled, 5);
}

TEST_F(ServerTest, ABodyTrickledByteByByteIsCutOffNotWaitedFor) {
  start(quick());
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<RawClient>(server->port()));
    slow.back()->send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done) {
      for (auto& c : slow) c->send("a");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  EXPECT_EQ(testing::http_request("GET", url("/healthz"), "").status, 200);
  for (auto& c : slow) {
    std::string got = c->read_until("\r\n\r\n", 5000);
    EXPECT_EQ(got.substr(0, 30), "HTTP/1.1 408 Request Timeout\r\n");
  }
  done = true;
  trickle.join();
  EXPECT_EQ(handled, 1);
}

TEST_F(ServerTest, TwoThousandConcurrentConnectionsEachGetAnHttpAnswer) {
  // 1,480 of 2,000 were closed without any answer.
  HttpServerOptions o = quick();
  o.header_timeout_ms = 10000;
  start(o);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 2000; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (auto& c : clients) c->send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int ok = 0, busy = 0;
  for (auto& c : clients) {
    std::string got = c->read_all(10000);
    if (got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0) {
      ++ok;
    } else if (got.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) == 0) {
      ++busy;
    } else {
      ADD_FAILURE() << "no HTTP answer: \"" << got.substr(0, 40) << "\"";
    }
  }
  EXPECT_EQ(ok + busy, 2000);
  EXPECT_GT(ok, 0);
}

TEST_F(ServerTest, BeyondItsConnectionsAndQueueAClientGetsA503NotSilence) {
  HttpServerOptions o = quick();
  o.workers = 1;
  o.max_queued = 1;
  o.max_connections = 4;
  start(o);
  // Four connections fill the server; the fifth is told so at once.
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawClient>(server->port()));
  RawClient fifth(server->port());
  std::string got = fifth.read_until("\r\n\r\n", 3000);
  EXPECT_EQ(got.substr(0, 34), "HTTP/1.1 503 Service Unavailable\r\n");
  EXPECT_NE(got.find("Retry-After: 5\r\n"), std::string::npos);
  held.clear();
  // With one worker busy and one request queued, a third request is refused, not queued.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port()));
    clients.back()->send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status_line(clients[2]->read_until("\r\n", 3000)), "HTTP/1.1 503 Service Unavailable\r\n");
  EXPECT_EQ(status_line(clients[0]->read_until("\r\n", 3000)), "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(status_line(clients[1]->read_until("\r\n", 3000)), "HTTP/1.1 200 OK\r\n");
}

TEST_F(ServerTest, StopClosesIdleAndSlowConnectionsAtOnceButAnswersThoseBeingHandled) {
  // SIGTERM did not complete while a client trickled bytes (still running 45 s later).
  HttpServerOptions o;  // the real deadlines: 10 s
  start(o);
  RawClient idle(server->port());
  RawClient slow(server->port());
  slow.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
  RawClient working(server->port());
  working.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker has it
  auto before = std::chrono::steady_clock::now();
  server->stop();
  auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, std::chrono::seconds(3)) << "not the 10-second deadlines";
  EXPECT_TRUE(idle.closed_by_server(1000));
  EXPECT_TRUE(slow.closed_by_server(1000));
  EXPECT_EQ(status_line(working.read_until("\r\n", 1000)), "HTTP/1.1 200 OK\r\n");
}

TEST_F(ServerTest, KeepsAliveAnswersPipelinedRequestsInOrderAndHeadHasNoBody) {
  start(quick());
  RawClient c(server->port());
  c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nHEAD /two HTTP/1.1\r\nHost: x\r\n\r\n"
         "POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  std::string got = c.read_all(3000);
  size_t one = got.find("{\"path\":\"/one\",\"body\":0}");
  size_t three = got.find("{\"path\":\"/three\",\"body\":5}");
  ASSERT_NE(one, std::string::npos) << got;
  ASSERT_NE(three, std::string::npos) << got;
  EXPECT_LT(one, three);
  EXPECT_EQ(got.find("/two\""), std::string::npos) << "HEAD answers carry no body";
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(ServerTest, AnsweredContinueBeforeTheBodyAndRefusedAnOversizedOneUpFront) {
  HttpServerOptions o = quick();
  o.limits.max_body_bytes = 1000;
  start(o);
  RawClient c(server->port());
  c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_until("\r\n\r\n", 2000), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("abc");
  EXPECT_EQ(status_line(c.read_until("\r\n", 2000)), "HTTP/1.1 200 OK\r\n");
  RawClient big(server->port());
  big.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(status_line(big.read_until("\r\n", 2000)), "HTTP/1.1 413 Payload Too Large\r\n");
  EXPECT_TRUE(big.closed_by_server(3000));
}

}  // namespace
}  // namespace rapport::app
