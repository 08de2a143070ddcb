// RequestParser: strict HTTP/1.1 framing, table-driven, whatever the chunking the bytes arrive in.
#include "core/http.h"

#include <gtest/gtest.h>

#include <string>

namespace rapport {
namespace {

// Feeds `bytes` to a parser in pieces of `step` bytes (0: all at once).
RequestParser parse(std::string_view bytes, size_t step = 0, HttpLimits limits = {}) {
  RequestParser p(limits);
  size_t at = 0;
  while (at < bytes.size() &&
         (p.state() == RequestParser::State::kHead || p.state() == RequestParser::State::kBody)) {
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
        Refusal{"two_lengths",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
                400, "two different Content-Length"},
        Refusal{"two_lengths_in_one",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcd", 400,
                "two different Content-Length"},
        Refusal{"signed_length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd",
                400, "not a number"},
        Refusal{"bare_lf", "GET / HTTP/1.1\nHost: x\n\n", 400, "bare LF"},
        Refusal{"bare_lf_in_a_header", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, "bare LF"},
        Refusal{"bare_cr", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, "CR"},
        Refusal{"obs_fold", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n", 400,
                "obs-fold"},
        Refusal{"nul_in_a_header", std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 35),
                400, "control character"},
        Refusal{"space_before_colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "header name"},
        Refusal{"no_host", "GET / HTTP/1.1\r\n\r\n", 400, "Host"},
        Refusal{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host"},
        Refusal{"http2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/1.0 and HTTP/1.1"},
        Refusal{"no_version", "GET /\r\nHost: x\r\n\r\n", 400, "METHOD TARGET VERSION"},
        Refusal{"space_in_target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "METHOD TARGET"},
        Refusal{"gzip_then_chunked",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
                "chunked"},
        Refusal{"chunked_not_last",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
                "does not end in chunked"},
        Refusal{"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "HTTP/1.0"},
        Refusal{"head_too_large", "GET /" + std::string(600, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
                431, "larger than 512"},
        Refusal{"too_many_headers", "GET / HTTP/1.1\r\nHost: x\r\n" + many_headers(10) + "\r\n",
                431, "more than 10 header fields"},
        Refusal{"body_too_large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413,
                "larger than 100"},
        Refusal{"chunks_too_large",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                    std::string(64, 'a') + "\r\n40\r\n",
                413, "larger than 100"},
        Refusal{"chunk_size_not_hex",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "hexadecimal"},
        Refusal{
            "chunk_longer_than_said",
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

TEST(ReasonPhrase, IsTheStatusesOwn) {
  // Every status line used to say "OK" ("HTTP/1.1 413 OK").
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(429), "Too Many Requests");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(303), "See Other");
}

}  // namespace
}  // namespace rapport
