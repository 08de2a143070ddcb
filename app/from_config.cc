#include "app/from_config.h"

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

ingest::Inbox inbox_of(const config::InboxConfig& c) {
  ingest::Inbox in;
  in.name = c.name;
  in.kind = ingest::inbox_kind_from_string(c.kind).value_or(ingest::InboxKind::kGeneric);
  in.fields = c.fields;
  return in;
}

pipeline::DigestSettings digest_settings(const config::Config& cfg) {
  pipeline::DigestSettings s;
  s.creator_name = cfg.creator.name;
  s.creator_email = cfg.creator.email;
  s.show = cfg.creator.show;
  s.to = cfg.digest.to;
  s.max_people = cfg.digest.max_people;
  s.excerpt_chars = cfg.digest.excerpt_chars;
  s.min_wait_seconds = std::int64_t{cfg.digest.min_wait_hours} * 3600;
  s.relist_after_seconds = std::int64_t{cfg.digest.relist_after_days} * 86400;
  pipeline::apply_weights(cfg.digest.weights, s.weights);
  return s;
}

}  // namespace rapport::app
