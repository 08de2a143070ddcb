// The HTTP listener, driven by a real HTTP client (libcurl) on 127.0.0.1.
#include "app/listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/sql_store.h"
#include "tests/support/http_post.h"
#include "tests/support/raw_socket.h"
#include "tests/support/temp_dir.h"

namespace rapport::app {
namespace {

using testing::hmac_sha256_hex;
using testing::http_request;

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlStore::open((dir.path() / "rapport.db").string());
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store = std::move(*s);
    ServedInbox site;
    site.inbox = {"site", ingest::InboxKind::kGeneric, {}};
    site.token = "s3cret-token";
    ServedInbox voicemail;
    voicemail.inbox = {"voicemail", ingest::InboxKind::kVoicemail, {}};
    voicemail.hmac_secret = "hmac-key";
    ServedInbox form;
    form.inbox = {"contact",
                  ingest::InboxKind::kForm,
                  {{"name", "your-name"}, {"email", "your-email"}, {"text", "message"}}};
    form.open = true;
    form.rate_limit_per_hour = 3;
    form.honeypot = "website";
    form.thank_you_url = "https://slowgarden.example/thanks";
    ListenerOptions options;
    options.port = 0;
    options.max_body_bytes = 4096;
    listener = std::make_unique<Listener>(options, std::vector<ServedInbox>{site, voicemail, form},
                                          *store, clock);
    ASSERT_TRUE(listener->start().ok());
  }
  void TearDown() override { listener->stop(); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(listener->port()) + path;
  }
  testing::HttpAnswer post_json(const std::string& body, const std::string& token = "s3cret-token",
                                const std::string& path = "/v1/messages/site") {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    return http_request("POST", url(path), body, headers);
  }
  std::int64_t stored() { return store->counts()->messages; }

  testing::TempDir dir;
  FixedClock clock{1795600000};
  std::unique_ptr<SqlStore> store;
  std::unique_ptr<Listener> listener;
};

TEST_F(ListenerTest, StoresValidJsonAndAnswersOnlyAfterTheCommit) {
  auto r = post_json(
      R"({"name": "Ines", "email": "ines@example.org", "text": "Loved it", "idempotency_key": "a1"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, R"({"status":"stored","id":"inbox:site:id:a1"})");
  EXPECT_EQ(stored(), 1);  // already in the database when the answer arrived
  auto candidates = store->digest_candidates();
  ASSERT_EQ(candidates->size(), 1u);
  EXPECT_EQ(candidates->front().display_name, "Ines");
  EXPECT_EQ(candidates->front().message_kind, "message");
}

TEST_F(ListenerTest, TheSameIdempotencyKeyTwiceStoresOneMessage) {
  const char* body =
      R"({"email": "ines@example.org", "text": "Loved it", "idempotency_key": "a1"})";
  EXPECT_EQ(post_json(body).status, 201);
  auto again = post_json(body);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, R"({"status":"duplicate","id":"inbox:site:id:a1"})");
  EXPECT_EQ(stored(), 1);
}

TEST_F(ListenerTest, RefusesBadInputNamingTheField) {
  auto malformed = post_json("{\"email\": \"ines@example.org\", \"text\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("\"field\":\"(body)\""), std::string::npos) << malformed.body;
  auto missing = post_json(R"({"email": "ines@example.org"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, R"({"error":{"field":"text","problem":"is missing or empty"}})");
  auto typed = post_json(R"({"email": ["ines@example.org"], "text": "hi"})");
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(typed.body, R"({"error":{"field":"email","problem":"must be a string"}})");
  EXPECT_EQ(stored(), 0);
}

TEST_F(ListenerTest, ChecksTheBearerToken) {
  const char* body = R"({"email": "ines@example.org", "text": "hi"})";
  auto none = post_json(body, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(post_json(body, "guess").status, 403);
  EXPECT_EQ(stored(), 0);
}

TEST_F(ListenerTest, ChecksTheHmacSignatureOfTheBody) {
  std::string body = R"({"id": "vm-1", "caller_name": "Ravi", "caller_number": "+44 7700 900123",
      "transcript": "Hi Sam, about leeks…", "duration_seconds": 42})";
  auto unsigned_post = http_request("POST", url("/v1/messages/voicemail"), body);
  EXPECT_EQ(unsigned_post.status, 401);
  auto wrong = http_request("POST", url("/v1/messages/voicemail"), body,
                            {"X-Rapport-Signature: sha256=" + hmac_sha256_hex("other-key", body)});
  EXPECT_EQ(wrong.status, 403);
  auto tampered =
      http_request("POST", url("/v1/messages/voicemail"), body + " ",
                   {"X-Rapport-Signature: sha256=" + hmac_sha256_hex("hmac-key", body)});
  EXPECT_EQ(tampered.status, 403);
  auto good = http_request("POST", url("/v1/messages/voicemail"), body,
                           {"X-Rapport-Signature: sha256=" + hmac_sha256_hex("hmac-key", body)});
  EXPECT_EQ(good.status, 201) << good.body;
  auto c = store->digest_candidates();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ(c->front().identity_kind, "phone");
  EXPECT_EQ(c->front().address, "+44 7700 900123");       // as the caller's service wrote it
  EXPECT_EQ(c->front().identity_value, "+447700900123");  // for the tel: link
  EXPECT_EQ(c->front().details, "voicemail, 0:42");
  EXPECT_EQ(c->front().reply_text, "Hi Sam, about leeks…");
}

TEST_F(ListenerTest, RefusesABodyOverTheLimit) {
  std::string big = R"({"email": "ines@example.org", "text": ")" + std::string(5000, 'x') + "\"}";
  auto r = post_json(big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(stored(), 0);
}

TEST_F(ListenerTest, KeepsNonAsciiTextExactly) {
  std::string text = "Saludos desde Valencia 🌱 — ¿habas en noviembre? 日本語も";
  auto r = post_json(R"({"name": "Sofía Ortega", "email": "sofia@example.org", "text": ")" + text +
                     "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  auto c = store->digest_candidates();
  EXPECT_EQ(c->front().display_name, "Sofía Ortega");
  EXPECT_EQ(c->front().reply_text, text);
}

TEST_F(ListenerTest, TakesFormsAndRedirectsToTheThankYouPage) {
  auto urlencoded = http_request(
      "POST", url("/v1/forms/contact"),
      "your-name=Kwame+Mensah&your-email=kwame%40example.org&message=Hello%2C+Sam%21&website=",
      {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(urlencoded.status, 303) << urlencoded.body;
  EXPECT_EQ(urlencoded.headers["location"], "https://slowgarden.example/thanks");
  std::string multipart =
      "--XyZ\r\nContent-Disposition: form-data; name=\"your-name\"\r\n\r\nJune Park\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"your-email\"\r\n\r\njune@example.org\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nTwo questions:\r\n1. "
      "squash?\r\n"
      "--XyZ--\r\n";
  auto mp = http_request("POST", url("/v1/forms/contact"), multipart,
                         {"Content-Type: multipart/form-data; boundary=XyZ"});
  EXPECT_EQ(mp.status, 303) << mp.body;
  EXPECT_EQ(stored(), 2);
  auto c = store->digest_candidates();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[1].display_name, "Kwame Mensah");
  EXPECT_EQ((*c)[1].reply_text, "Hello, Sam!");
}

TEST_F(ListenerTest, AFilledHoneypotIsThankedAndNotStored) {
  auto bot = http_request(
      "POST", url("/v1/forms/contact"),
      "your-name=Buy&your-email=spam%40example.com&message=cheap+pills&website=http%3A%2F%2Fspam",
      {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(bot.status, 303);
  EXPECT_EQ(stored(), 0);
}

TEST_F(ListenerTest, RateLimitsAnOpenFormPerAddress) {
  for (int i = 0; i < 3; ++i) {
    auto r = http_request("POST", url("/v1/forms/contact"),
                          "your-email=a" + std::to_string(i) + "%40example.org&message=hi",
                          {"Content-Type: application/x-www-form-urlencoded"});
    EXPECT_EQ(r.status, 303);
  }
  auto limited =
      http_request("POST", url("/v1/forms/contact"), "your-email=z%40example.org&message=hi",
                   {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "1200");  // 3 an hour: one every 20 minutes
  EXPECT_EQ(stored(), 3);
  clock.advance(1200);
  auto later =
      http_request("POST", url("/v1/forms/contact"), "your-email=z%40example.org&message=hi",
                   {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(later.status, 303);
}

TEST_F(ListenerTest, CountsVisitorsBehindATrustedProxyByXForwardedFor) {
  listener->stop();
  ServedInbox form;
  form.inbox = {"contact", ingest::InboxKind::kForm, {}};
  form.open = true;
  form.rate_limit_per_hour = 1;
  ListenerOptions options;
  options.port = 0;
  options.trusted_proxy = "127.0.0.1";
  listener = std::make_unique<Listener>(options, std::vector<ServedInbox>{form}, *store, clock);
  ASSERT_TRUE(listener->start().ok());
  auto from = [&](const std::string& visitor, const std::string& email) {
    return http_request("POST", url("/v1/forms/contact"), "email=" + email + "&text=hi",
                        {"Content-Type: application/x-www-form-urlencoded",
                         "X-Forwarded-For: 203.0.113.9, " + visitor});
  };
  EXPECT_EQ(from("198.51.100.1", "a%40example.org").status, 201);
  EXPECT_EQ(from("198.51.100.2", "b%40example.org").status, 201);  // another visitor
  EXPECT_EQ(from("198.51.100.1", "c%40example.org").status, 429);  // the first one again
}

TEST_F(ListenerTest, ServesPrometheusMetrics) {
  ASSERT_EQ(post_json(R"({"email": "ines@example.org", "text": "hi"})").status, 201);
  auto m = http_request("GET", url("/metrics"), "");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"], "text/plain; version=0.0.4");
  EXPECT_NE(m.body.find("# TYPE rapport_messages gauge\nrapport_messages 1\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("rapport_unanswered_people 1\n"), std::string::npos);
  EXPECT_NE(
      m.body.find("rapport_source_consecutive_failures{source=\"site\",kind=\"listener\"} 0\n"),
      std::string::npos)
      << m.body;
}

TEST_F(ListenerTest, AnswersHealthAndRefusesUnknownRoutes) {
  auto health = http_request("GET", url("/healthz"), "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(http_request("GET", url("/v1/messages/site"), "").status, 405);
  EXPECT_EQ(http_request("POST", url("/admin"), "").status, 404);
  EXPECT_EQ(post_json(R"({"email": "a@example.org", "text": "hi"})", "s3cret-token",
                      "/v1/messages/nobody")
                .status,
            404);
}

TEST_F(ListenerTest, ConcurrentPostsLoseNothingAndDoubleNothing) {
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::atomic<int> created{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every message is sent twice, by two different threads.
        int n = (t / 2) * kEach + i;
        std::string body = R"({"email": "p)" + std::to_string(n % 25) +
                           R"(@example.org", "text": "message )" + std::to_string(n) +
                           R"(", "idempotency_key": "k)" + std::to_string(n) + "\"}";
        auto r = post_json(body);
        if (r.status == 201) {
          ++created;
        } else if (r.status == 200) {
          ++duplicates;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load(), kThreads / 2 * kEach);
  EXPECT_EQ(duplicates.load(), kThreads / 2 * kEach);
  EXPECT_EQ(stored(), kThreads / 2 * kEach);
  EXPECT_EQ(store->counts()->contacts, 25);
}

TEST_F(ListenerTest, ASmuggledSecondRequestBehindAProxyIsRefusedAndNothingIsStored) {
  // With both Content-Length and Transfer-Encoding, the bytes after the chunked body ran as a
  // second request: two messages stored from one.
  std::string inner =
      R"({"email": "eve@example.org", "text": "smuggled", "idempotency_key": "s2"})";
  std::string second =
      "POST /v1/messages/site HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer s3cret-token\r\nContent-Length: " +
      std::to_string(inner.size()) + "\r\n\r\n" + inner;
  std::string chunked = "0\r\n\r\n";  // an empty chunked body: a proxy ends the request here
  testing::RawClient c(listener->port());
  c.send(
      "POST /v1/messages/site HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-token\r\n"
      "Content-Length: " +
      std::to_string(chunked.size() + second.size()) + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunked + second);
  std::string answer = c.read_all(3000);
  EXPECT_EQ(answer.substr(0, 26), "HTTP/1.1 400 Bad Request\r\n") << answer;
  EXPECT_EQ(answer.find("HTTP/1.1", 10), std::string::npos) << "one answer, for one request";
  EXPECT_EQ(stored(), 0);
}

TEST_F(ListenerTest, AnOversizedBodyIsAnsweredWithItsOwnReasonPhrase) {
  testing::RawClient c(listener->port());
  c.send("POST /v1/messages/site HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  std::string answer = c.read_all(3000);
  EXPECT_EQ(answer.substr(0, 32), "HTTP/1.1 413 Payload Too Large\r\n") << answer;
}

}  // namespace
}  // namespace rapport::app
