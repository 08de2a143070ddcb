// RawClient: a TCP client on 127.0.0.1 that sends exactly the bytes a test gives, for HTTP
// framing tests no well-behaved client library would send (trickled bytes, bare LFs, two
// lengths). Closes on destruction.
#pragma once

#include <string>
#include <string_view>

namespace rapport::testing {

class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends every byte; false when the server has closed the connection.
  bool send(std::string_view bytes);
  // Reads until the server closes or `timeout_ms` passes; returns what arrived.
  std::string read_all(int timeout_ms);
  // Reads until `needle` arrived, the server closed, or `timeout_ms` passed.
  std::string read_until(std::string_view needle, int timeout_ms);
  // True once the server has closed its side (a read returns end of stream).
  bool closed_by_server(int timeout_ms);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffered_;
};

}  // namespace rapport::testing
