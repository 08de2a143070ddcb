#include "ingest/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <utility>

#include "store/text.h"

namespace rapport::ingest {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct Transfer {
  HttpResponse* response;
  std::int64_t max_bytes;
  bool too_big = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (static_cast<std::int64_t>(t->response->body.size() + n) > t->max_bytes) {
    t->too_big = true;
    return 0;  // aborts the transfer
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after a redirect) starts a new set of headers.
  if (istarts_with(line, "HTTP/")) {
    t->response->etag.clear();
    t->response->last_modified.clear();
    t->response->content_type.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view name = trim(line.substr(0, colon));
  std::string value(trim(line.substr(colon + 1)));
  if (iequals(name, "ETag")) t->response->etag = value;
  if (iequals(name, "Last-Modified")) t->response->last_modified = value;
  if (iequals(name, "Content-Type")) t->response->content_type = value;
  return n;
}

}  // namespace

const char* user_agent() {
  return "Rapport/0.1 (feed reader for creators; +https://rapport.invalid)";
}

void global_http_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

Result<HttpResponse> CurlHttpClient::get(const HttpRequest& request) {
  CurlHandle curl(curl_easy_init());
  if (!curl) return make_error(ErrorCode::kInternal, "cannot start libcurl", request.url);
  HttpResponse response;
  Transfer transfer{&response, request.max_bytes};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  // A redirect may never lead to a local file.
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout_seconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  if (!request.username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
  }
  Slist headers;
  auto add_header = [&](const std::string& h) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  if (!request.if_none_match.empty()) add_header("If-None-Match: " + request.if_none_match);
  if (!request.if_modified_since.empty()) {
    add_header("If-Modified-Since: " + request.if_modified_since);
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);
  bool is_file = istarts_with(request.url, "file:");
  if (transfer.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    return make_error(is_file ? ErrorCode::kIo : ErrorCode::kNetwork,
                      "larger than the limit of " + std::to_string(request.max_bytes) + " bytes",
                      request.url, "raise max_bytes for this feed if the file is right");
  }
  if (rc != CURLE_OK) {
    std::string what = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    Retry retry = Retry::kNo;
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
        retry = Retry::kYes;
        break;
      default:
        break;
    }
    std::string hint;
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      hint = "the server's TLS certificate could not be verified";
    } else if (rc == CURLE_FILE_COULDNT_READ_FILE) {
      hint = "check that the file exists and is readable";
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
      hint = "the server redirects more than 5 times; check the URL";
    }
    return make_error(is_file ? ErrorCode::kIo : ErrorCode::kNetwork,
                      "curl error " + std::to_string(static_cast<int>(rc)) + ": " + what,
                      request.url, hint, retry);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (is_file && response.status == 0) response.status = 200;
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  response.effective_url = effective ? effective : request.url;
  return response;
}

}  // namespace rapport::ingest
