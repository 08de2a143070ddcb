#include "ingest/feed/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <utility>

#include "core/text.h"
#include "ingest/decode/date_parse.h"

namespace rapport::ingest {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Everything one transfer owns while it runs. Not movable once handed to libcurl.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  CurlHandle easy;
  Slist headers;
  std::vector<long> statuses;  // of every response in the redirect chain
  bool too_big = false;
  char error_buffer[CURL_ERROR_SIZE] = {0};
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (static_cast<std::int64_t>(t->response.body.size() + n) > t->request->max_bytes) {
    t->too_big = true;
    return 0;  // aborts the transfer
  }
  t->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after a redirect) starts a new set of headers.
  if (istarts_with(line, "HTTP/")) {
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) t->statuses.push_back(std::atol(line.data() + sp + 1));
    t->response.etag.clear();
    t->response.last_modified.clear();
    t->response.content_type.clear();
    t->response.retry_after.clear();
    t->response.headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view name = trim(line.substr(0, colon));
  std::string value(trim(line.substr(colon + 1)));
  if (iequals(name, "ETag")) t->response.etag = value;
  if (iequals(name, "Last-Modified")) t->response.last_modified = value;
  if (iequals(name, "Content-Type")) t->response.content_type = value;
  if (iequals(name, "Retry-After")) t->response.retry_after = value;
  if (t->response.headers.size() < 200) {
    t->response.headers.emplace_back(ascii_lower(name), value.substr(0, 8192));
  }
  return n;
}

// Sets every option of one transfer. Returns false when libcurl cannot start one.
bool configure(Transfer& t) {
  t.easy.reset(curl_easy_init());
  if (!t.easy) return false;
  const HttpRequest& r = *t.request;
  CURL* c = t.easy.get();
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.error_buffer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  // A redirect may never lead to a local file.
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(r.connect_timeout_seconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(r.timeout_seconds));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_bytes));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!r.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, r.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (!r.username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, r.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, r.password.c_str());
    // Credentials go to the configured host only, never to where a redirect points.
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
  }
  auto add_header = [&](const std::string& h) {
    curl_slist* next = curl_slist_append(t.headers.get(), h.c_str());
    if (next) {
      (void)t.headers.release();
      t.headers.reset(next);
    }
  };
  if (!r.if_none_match.empty()) add_header("If-None-Match: " + r.if_none_match);
  if (!r.if_modified_since.empty()) add_header("If-Modified-Since: " + r.if_modified_since);
  for (const std::string& h : r.headers) add_header(h);
  if (r.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.c_str());
  }
  if (t.headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, t.headers.get());
  return true;
}

Result<HttpResponse> finish(Transfer& t, CURLcode rc) {
  const HttpRequest& request = *t.request;
  bool is_file = istarts_with(request.url, "file:");
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    return make_error(is_file ? ErrorCode::kIo : ErrorCode::kNetwork,
                      "larger than the limit of " + std::to_string(request.max_bytes) + " bytes",
                      request.url, "raise max_bytes for this feed if the file is right");
  }
  if (rc != CURLE_OK) {
    std::string what = t.error_buffer[0] ? t.error_buffer : curl_easy_strerror(rc);
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
      hint = "the server's TLS certificate could not be verified; for a private CA set ca_file";
    } else if (rc == CURLE_FILE_COULDNT_READ_FILE) {
      hint = "check that the file exists and is readable";
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
      hint = "the server redirects more than 5 times or in a loop; check the URL";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      hint = "the server is slow or stalled; timeout_seconds sets the limit";
    } else if (rc == CURLE_PARTIAL_FILE) {
      hint = "the connection closed before the whole feed arrived";
    }
    return make_error(is_file ? ErrorCode::kIo : ErrorCode::kNetwork,
                      "curl error " + std::to_string(static_cast<int>(rc)) + ": " + what,
                      request.url, hint, retry);
  }
  HttpResponse& response = t.response;
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &response.status);
  if (is_file && response.status == 0) response.status = 200;
  char* effective = nullptr;
  curl_easy_getinfo(t.easy.get(), CURLINFO_EFFECTIVE_URL, &effective);
  response.effective_url = effective ? effective : request.url;
  long redirects = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_REDIRECT_COUNT, &redirects);
  response.redirects = static_cast<int>(redirects);
  bool all_permanent = redirects > 0 && t.statuses.size() > static_cast<size_t>(redirects);
  for (long i = 0; all_permanent && i < redirects; ++i) {
    long s = t.statuses[static_cast<size_t>(i)];
    all_permanent = s == 301 || s == 308;
  }
  response.permanently_moved = all_permanent;
  return std::move(response);
}

}  // namespace

const char* user_agent() {
  return "Rapport/0.1 (feed reader for creators; +https://rapport.invalid)";
}

void global_http_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

std::int64_t retry_after_seconds(const std::string& value, std::int64_t now) {
  std::string_view v = trim(value);
  if (v.empty()) return 0;
  bool digits = true;
  for (char c : v) digits &= c >= '0' && c <= '9';
  if (digits) return v.size() > 9 ? 0 : std::stoll(std::string(v));
  auto at = parse_date(v);
  if (!at || *at <= now) return 0;
  return *at - now;
}

Result<HttpResponse> CurlHttpClient::get(const HttpRequest& request) {
  return std::move(get_many({request}, FetchLimits{1, 1}).front());
}

std::vector<Result<HttpResponse>> CurlHttpClient::get_many(const std::vector<HttpRequest>& requests,
                                                           const FetchLimits& limits) {
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::vector<Result<HttpResponse>> results(
      requests.size(), Result<HttpResponse>(make_error(ErrorCode::kInternal, "not fetched")));
  MultiHandle multi(curl_multi_init());
  if (!multi) {
    for (size_t i = 0; i < requests.size(); ++i) {
      results[i] = make_error(ErrorCode::kInternal, "cannot start libcurl", requests[i].url);
    }
    return results;
  }
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(limits.total));
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(limits.per_host));
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(limits.total));
  for (size_t i = 0; i < requests.size(); ++i) {
    auto t = std::make_unique<Transfer>();
    t->request = &requests[i];
    if (!configure(*t) || curl_multi_add_handle(multi.get(), t->easy.get()) != CURLM_OK) {
      results[i] = make_error(ErrorCode::kInternal, "cannot start a transfer", requests[i].url);
      continue;
    }
    transfers.push_back(std::move(t));
  }
  int running = 0;
  do {
    CURLMcode mc = curl_multi_perform(multi.get(), &running);
    if (mc == CURLM_OK && running > 0) mc = curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      size_t index = static_cast<size_t>(t->request - requests.data());
      results[index] = finish(*t, msg->data.result);
      curl_multi_remove_handle(multi.get(), msg->easy_handle);
    }
    if (mc != CURLM_OK) {
      for (auto& t : transfers) {
        size_t index = static_cast<size_t>(t->request - requests.data());
        if (!results[index].ok() && results[index].error().what == "not fetched") {
          results[index] = make_error(ErrorCode::kInternal,
                                      std::string("libcurl failed: ") + curl_multi_strerror(mc),
                                      t->request->url, "", Retry::kYes);
        }
        curl_multi_remove_handle(multi.get(), t->easy.get());
      }
      break;
    }
  } while (running > 0);
  return results;
}

}  // namespace rapport::ingest
