#include "app/mailer_choice.h"

#include "notify/smtp_mailer.h"

namespace rapport::app {

Result<std::unique_ptr<notify::Mailer>> make_mailer(const config::Config& cfg) {
  if (!cfg.smtp.enabled) {
    return std::unique_ptr<notify::Mailer>(
        std::make_unique<notify::FileMailer>(cfg.digest.output_dir));
  }
  notify::SmtpOptions o;
  o.host = cfg.smtp.host;
  o.port = cfg.smtp.port;
  o.security = cfg.smtp.security == "tls"    ? notify::SmtpSecurity::kTls
               : cfg.smtp.security == "none" ? notify::SmtpSecurity::kNone
                                             : notify::SmtpSecurity::kStartTls;
  o.username = cfg.smtp.username;
  if (!cfg.smtp.password.empty()) {
    auto secret = cfg.smtp.password.resolve();
    if (!secret) {
      Error e = secret.error();
      e.where = cfg.path + ": [smtp]";
      return e;
    }
    o.password = *secret;
  }
  o.token_command = cfg.smtp.token_command;
  o.ca_file = cfg.smtp.ca_file;
  o.timeout_seconds = cfg.smtp.timeout_seconds;
  return std::unique_ptr<notify::Mailer>(std::make_unique<notify::SmtpMailer>(o));
}

}  // namespace rapport::app
