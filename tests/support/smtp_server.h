// SmtpTestServer: a real SMTP server on 127.0.0.1 (Debian's python3-aiosmtpd, driven by
// tests/support/smtp_server.py) requiring STARTTLS — or TLS from the start — and AUTH, with a
// self-signed certificate made for the run. Accepted messages are kept as files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace rapport::testing {

class SmtpTestServer {
 public:
  enum class Mode { kStartTls, kTls };
  SmtpTestServer(const std::string& user, const std::string& password, Mode mode = Mode::kStartTls);
  ~SmtpTestServer();
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  bool ready() const { return port_ > 0; }
  int port() const { return port_; }
  std::string ca_file() const;  // the certificate to trust
  // The messages accepted so far, raw, in order.
  std::vector<std::string> messages() const;
  // The envelope (MAIL FROM, then RCPT TO lines) of message n (1-based).
  std::string envelope(int n) const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A self-signed certificate for 127.0.0.1 (IP subjectAltName), valid two days, as cert.pem
// with its key as key.pem in `dir`. False when openssl failed.
bool make_test_certificate(const std::filesystem::path& dir);

// A free port on 127.0.0.1 that nothing listens on (closed right after it was found).
int closed_port();

}  // namespace rapport::testing
