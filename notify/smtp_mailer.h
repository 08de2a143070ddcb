// SmtpMailer: delivers a message over SMTP with libcurl — STARTTLS (port 587) or TLS from the
// first byte (SMTPS, port 465), AUTH PLAIN/LOGIN with a password, or XOAUTH2 with a token
// that a command prints (run before every connection, for Gmail and Microsoft 365).
// TLS certificates are always verified. Every step has a timeout.
#pragma once

#include <string>

#include "notify/mailer.h"

namespace rapport::notify {

enum class SmtpSecurity { kStartTls, kTls, kNone };

struct SmtpOptions {
  std::string host;
  int port = 587;
  SmtpSecurity security = SmtpSecurity::kStartTls;
  std::string username;
  std::string password;       // resolved secret; empty with a token command
  std::string token_command;  // prints an OAuth2 access token for XOAUTH2
  std::string ca_file;        // extra CA bundle; empty: the system's
  int timeout_seconds = 30;
};

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options) : options_(std::move(options)) {}
  // Returns "smtp HOST:PORT" once the server accepted the message. Fails with kNetwork
  // (retryable when the server could not be reached or answered a temporary 4xx).
  Result<std::string> send(const Envelope& envelope, const std::string& data) override;

 private:
  SmtpOptions options_;
};

}  // namespace rapport::notify
