#include "ingest/mail/mail_session.h"

#include <curl/curl.h>
#include <poll.h>

#include <chrono>

#include "core/token_command.h"

namespace rapport::ingest {
namespace {

Error network(const std::string& what, const std::string& where) {
  return Error{ErrorCode::kNetwork, what, where, "", Retry::kYes};
}

}  // namespace

Result<std::unique_ptr<MailSession>> MailSession::open(const MailServer& server) {
  const bool imap = server.protocol == "imap";
  std::string scheme = server.protocol + (server.security == "tls" ? "s" : "");
  std::string where = scheme + "://" + server.host + ":" + std::to_string(server.port);
  CURL* curl = curl_easy_init();
  if (!curl) return make_error(ErrorCode::kInternal, "cannot start libcurl", where);
  curl_easy_setopt(curl, CURLOPT_URL, (where + "/").c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, imap ? "imap,imaps" : "pop3,pop3s");
  curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(server.timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(server.timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   server.security == "none" ? CURLUSESSL_NONE : CURLUSESSL_ALL);
  if (!server.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, server.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, server.username.c_str());
  // The login in the AUTHENTICATE command itself where the server offers SASL-IR: one round
  // trip less to a distant server.
  curl_easy_setopt(curl, CURLOPT_SASL_IR, 1L);
  if (!server.token_command.empty()) {
    auto token = run_token_command(server.token_command, "the token_command for " + where);
    if (!token) {
      curl_easy_cleanup(curl);
      return token.error();
    }
    curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, token->c_str());
    curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(curl, CURLOPT_PASSWORD, server.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    curl_easy_cleanup(curl);
    if (rc == CURLE_LOGIN_DENIED) {
      return make_error(ErrorCode::kConfig, "the server refused the login", where,
                        "check the mailbox's username and password (or token_command)");
    }
    if (rc == CURLE_USE_SSL_FAILED) {
      return make_error(ErrorCode::kConfig, "the server does not offer STARTTLS", where,
                        "use security = \"tls\" on the server's TLS port (993 or 995)");
    }
    Error e = network(std::string("cannot connect: ") + curl_easy_strerror(rc), where);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      e.hint = "the server's certificate is not trusted; set ca_file if it is your own";
    }
    return e;
  }
  return std::unique_ptr<MailSession>(new MailSession(curl, where, server.timeout_seconds));
}

MailSession::~MailSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Status MailSession::send(std::string_view data) {
  CURL* curl = static_cast<CURL*>(curl_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  while (!data.empty()) {
    size_t sent = 0;
    CURLcode rc = curl_easy_send(curl, data.data(), data.size(), &sent);
    if (rc == CURLE_AGAIN) {
      curl_socket_t fd = CURL_SOCKET_BAD;
      curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &fd);
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{static_cast<int>(fd), POLLOUT, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return network("the server stopped accepting data", where_);
      }
      continue;
    }
    if (rc != CURLE_OK) {
      return network(std::string("connection lost: ") + curl_easy_strerror(rc), where_);
    }
    data.remove_prefix(sent);
  }
  return {};
}

Status MailSession::fill() {
  CURL* curl = static_cast<CURL*>(curl_);
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1 << 20)) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  char chunk[64 * 1024];
  for (;;) {
    size_t got = 0;
    CURLcode rc = curl_easy_recv(curl, chunk, sizeof chunk, &got);
    if (rc == CURLE_OK) {
      if (got == 0) return network("the server closed the connection", where_);
      buffer_.append(chunk, got);
      return {};
    }
    if (rc != CURLE_AGAIN) {
      return network(std::string("connection lost: ") + curl_easy_strerror(rc), where_);
    }
    curl_socket_t fd = CURL_SOCKET_BAD;
    curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &fd);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{static_cast<int>(fd), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
      return network(
          "the server did not answer within " + std::to_string(timeout_ms_ / 1000) + " s", where_);
    }
  }
}

Result<std::string> MailSession::read_line(size_t max_bytes) {
  size_t scanned = start_;
  for (;;) {
    size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      size_t end = nl > start_ && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
      std::string line = buffer_.substr(start_, end - start_);
      start_ = nl + 1;
      return line;
    }
    if (buffer_.size() - start_ > max_bytes) {
      return network("the server sent a line longer than " + std::to_string(max_bytes) + " bytes",
                     where_);
    }
    scanned = buffer_.size();
    size_t offset = start_;
    if (auto s = fill(); !s) return s.error();
    // fill() may have moved the unread part to the front of the buffer.
    scanned -= offset - start_;
  }
}

Status MailSession::read_exact(std::uint64_t n, std::string& out, std::uint64_t keep) {
  while (n > 0) {
    if (start_ == buffer_.size()) {
      if (auto s = fill(); !s) return s;
    }
    size_t take = static_cast<size_t>(std::min<std::uint64_t>(n, buffer_.size() - start_));
    if (keep > 0) {
      size_t kept = static_cast<size_t>(std::min<std::uint64_t>(keep, take));
      out.append(buffer_, start_, kept);
      keep -= kept;
    }
    start_ += take;
    n -= take;
  }
  return {};
}

}  // namespace rapport::ingest
