// HttpSource: a Source that is read with one HTTP request. Split in two so that many such
// sources can be fetched concurrently (HttpClient::get_many) and then parsed and stored one
// by one: request() says what to fetch, receive() turns the answer into a batch.
#pragma once

#include <string>

#include "ingest/feed/http_client.h"
#include "ingest/source.h"

namespace rapport::ingest {

class HttpSource : public Source {
 public:
  // The request the next poll makes from `cursor`.
  virtual HttpRequest request(const std::string& cursor) const = 0;
  // The batch (or the error) that `response` means, as poll() would return it.
  virtual Result<Batch> receive(const std::string& cursor, Result<HttpResponse> response) = 0;
  // One request through `http`, then receive().
  Result<Batch> poll(const std::string& cursor) override;

 protected:
  explicit HttpSource(HttpClient& http) : http_(http) {}

 private:
  HttpClient& http_;
};

}  // namespace rapport::ingest
