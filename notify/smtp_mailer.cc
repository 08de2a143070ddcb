#include "notify/smtp_mailer.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "core/text.h"
#include "core/token_command.h"

namespace rapport::notify {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t read_data(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t n = std::min(size * count, u->data->size() - u->offset);
  std::memcpy(buffer, u->data->data() + u->offset, n);
  u->offset += n;
  return n;
}

// An address safe to hand to the SMTP dialogue: no angle brackets, spaces or line breaks.
bool plain_address(const std::string& a) {
  return !a.empty() && a.find('@') != std::string::npos &&
         a.find_first_of("<> \t\r\n") == std::string::npos;
}

}  // namespace

Result<std::string> SmtpMailer::send(const Envelope& envelope, const std::string& data) {
  std::string where = options_.host + ":" + std::to_string(options_.port);
  if (!plain_address(envelope.from) || !plain_address(envelope.to)) {
    return make_error(ErrorCode::kConfig, "the sender or recipient is not a plain address", where);
  }
  std::string token;
  if (!options_.token_command.empty()) {
    auto t = run_token_command(options_.token_command, "[smtp] token_command");
    if (!t) return t.error();
    token = *t;
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return make_error(ErrorCode::kInternal, "cannot start libcurl", where);
  CURL* c = curl.get();
  std::string url = std::string(options_.security == SmtpSecurity::kTls ? "smtps://" : "smtp://") +
                    options_.host + ":" + std::to_string(options_.port);
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (options_.security == SmtpSecurity::kStartTls) {
    curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  // Every step needs its own limit: a server that refuses a login may just stay silent.
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(std::min(options_.timeout_seconds, 15)));
  curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(options_.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout_seconds * 2));
  if (!options_.username.empty()) curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
  if (!token.empty()) {
    curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, token.c_str());
    curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else if (!options_.password.empty()) {
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  std::string from = "<" + envelope.from + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
      curl_slist_append(nullptr, ("<" + envelope.to + ">").c_str()), curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  Upload upload{&data};
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_data);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return "smtp " + where;
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::string what = std::string("SMTP delivery failed: ") +
                     (error_buffer[0] ? error_buffer : curl_easy_strerror(rc));
  if (code) what += " (server said " + std::to_string(code) + ")";
  Retry retry = Retry::kNo;
  std::string hint;
  if (rc == CURLE_LOGIN_DENIED) {
    hint = "the server refused the login; check [smtp] username and the password or token";
  } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
    hint = "the server's certificate could not be verified; for a private CA set [smtp] ca_file";
  } else if (rc == CURLE_USE_SSL_FAILED) {
    hint = "the server does not offer STARTTLS; try security = \"tls\" on port 465";
  } else if (code >= 400 && code < 500) {
    retry = Retry::kYes;
    hint = "the server refused for now (" + std::to_string(code) + "); it is tried again later";
  } else if (code >= 500) {
    hint = code == 530 ? "the server wants a login: set [smtp] username and password_env"
                       : "the server refused the message (" + std::to_string(code) + ")";
  } else if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
             rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
             rc == CURLE_GOT_NOTHING) {
    retry = Retry::kYes;
    hint = "the mail server could not be reached; it is tried again later";
  }
  return make_error(ErrorCode::kNetwork, what, where, hint, retry);
}

}  // namespace rapport::notify
