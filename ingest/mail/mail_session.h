// MailSession: a logged-in connection to an IMAP or POP3 server that we drive ourselves.
//
// libcurl makes the connection in CONNECT_ONLY mode: it reads the greeting, upgrades with
// STARTTLS/STLS or starts in TLS, verifies the certificate and the host name, and logs in
// (PLAIN/LOGIN, or XOAUTH2 with a bearer token). The conversation after that is ours, so a
// mailbox is only ever read: IMAP through EXAMINE and BODY.PEEK[], POP3 without DELE.
// Every read and write waits at most the session's timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport::ingest {

struct MailServer {
  std::string protocol = "imap";  // "imap" or "pop3"
  std::string host;
  int port = 0;
  std::string security = "tls";  // "tls" (from the start), "starttls" or "none"
  std::string username;
  std::string password;       // PLAIN/LOGIN
  std::string token_command;  // XOAUTH2 instead: prints an access token; run for every login
  std::string ca_file;        // trust this certificate (or bundle) instead of the system's
  int timeout_seconds = 60;
};

class MailSession {
 public:
  // Connects and logs in (running the token command first, when there is one). Fails with
  // kNetwork (retryable) when the server cannot be reached or TLS fails, and kConfig when the
  // login is refused or the token command fails. No secret ever appears in an error.
  static Result<std::unique_ptr<MailSession>> open(const MailServer& server);
  ~MailSession();
  MailSession(const MailSession&) = delete;
  MailSession& operator=(const MailSession&) = delete;

  Status send(std::string_view data);
  // The next line without its CRLF. A line longer than `max_bytes` is an error: no server
  // sends such a line, and reading on would let one make us hold anything.
  Result<std::string> read_line(size_t max_bytes = 1 << 20);
  // Reads exactly `n` bytes; the first `keep` of them are appended to `out`, the rest are
  // read and dropped (a message larger than the configured bound).
  Status read_exact(std::uint64_t n, std::string& out, std::uint64_t keep);

 private:
  MailSession(void* curl, std::string where, int timeout_seconds)
      : curl_(curl), where_(std::move(where)), timeout_ms_(timeout_seconds * 1000) {}
  Status fill();  // reads more bytes into the buffer, waiting up to the timeout

  void* curl_;
  std::string where_;  // "imaps://host:993", for errors
  int timeout_ms_;
  std::string buffer_;
  size_t start_ = 0;  // the unread part of buffer_ begins here
};

}  // namespace rapport::ingest
