// A real HTTP client for listener tests: one libcurl request, everything captured.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rapport::testing {

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

// Sends `method` `url` with `body` and the given "Name: value" headers. Never follows
// redirects. status is 0 when the request could not be made.
HttpAnswer http_request(const std::string& method, const std::string& url, const std::string& body,
                        const std::vector<std::string>& headers = {});

// The hex HMAC-SHA256 of `body` with `key`.
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

}  // namespace rapport::testing
