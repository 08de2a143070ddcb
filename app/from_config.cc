#include "app/from_config.h"

#include "ingest/feed/feed_source.h"
#include "ingest/inbound/import_source.h"
#include "ingest/mail/imap_source.h"
#include "ingest/mail/maildir_source.h"
#include "ingest/mail/mbox_source.h"
#include "ingest/mail/pop3_source.h"
#include "ingest/social/social_source.h"
#include "notify/digest_render.h"
#include "notify/smtp_mailer.h"
#include "core/log.h"
#include "core/text.h"

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
  in.date_order = ingest::date_order_from_string(c.date_order).value_or(ingest::DateOrder::kUnset);
  return in;
}

namespace {

// A secret read now, or an error saying which source named it.
Result<std::string> read_secret(const config::Secret& secret, const config::Config& cfg,
                                const std::string& what) {
  auto value = secret.resolve();
  if (!value) {
    Error e = value.error();
    e.where = cfg.path + ": " + what;
    return e;
  }
  return value;
}

}  // namespace

Result<std::vector<ScheduledSource>> make_sources(const config::Config& cfg,
                                                  ingest::HttpClient& http, const Clock& clock) {
  auto policy = [&](int minutes) {
    pipeline::PollPolicy p;
    p.interval_seconds = std::int64_t{minutes} * 60;
    p.backoff_cap_seconds = std::int64_t{cfg.daemon.max_backoff_minutes} * 60;
    return p;
  };
  std::vector<ScheduledSource> out;
  for (const auto& f : cfg.feeds) {
    ingest::FeedSourceOptions o;
    o.name = f.name;
    o.url = f.url;
    o.kind = f.kind == "comments" ? ingest::FeedKind::kComments : ingest::FeedKind::kEpisodes;
    o.username = f.username;
    if (!f.password.empty()) {
      auto secret = read_secret(f.password, cfg, "feed \"" + f.name + "\"");
      if (!secret) return secret.error();
      o.password = *secret;
    }
    o.ca_file = f.ca_file;
    o.timeout_seconds = f.timeout_seconds;
    o.max_bytes = f.max_bytes;
    out.push_back(
        {std::make_shared<ingest::FeedSource>(o, http, clock), policy(f.interval_minutes)});
  }
  for (const auto& m : cfg.mailboxes) {
    const bool sent = m.role == "sent";
    if (m.kind == "imap" || m.kind == "pop3") {
      ingest::MailServer server;
      server.protocol = m.kind;
      server.host = m.host;
      server.port = m.port;
      server.security = m.security;
      server.username = m.username;
      if (!m.password.empty()) {
        auto secret = read_secret(m.password, cfg, "mailbox \"" + m.name + "\"");
        if (!secret) return secret.error();
        server.password = *secret;
      }
      server.token_command = m.token_command;
      server.ca_file = m.ca_file;
      server.timeout_seconds = m.timeout_seconds;
      std::shared_ptr<ingest::Source> source;
      if (m.kind == "imap") {
        ingest::ImapOptions o;
        o.name = m.name;
        o.server = std::move(server);
        o.folder = m.folder;
        o.since = m.since;
        o.batch_size = m.batch_size;
        o.max_message_bytes = m.max_message_bytes;
        o.sent = sent;
        source = std::make_shared<ingest::ImapSource>(std::move(o));
      } else {
        ingest::Pop3Options o;
        o.name = m.name;
        o.server = std::move(server);
        o.batch_size = m.batch_size;
        o.max_message_bytes = m.max_message_bytes;
        o.sent = sent;
        source = std::make_shared<ingest::Pop3Source>(std::move(o));
      }
      out.push_back({std::move(source), policy(m.interval_minutes)});
    } else if (m.kind == "mbox") {
      auto mbox = std::make_shared<ingest::MboxSource>(
          m.name, m.path,
          m.format == "mboxo" ? ingest::MboxFormat::kMboxo : ingest::MboxFormat::kMboxrd,
          m.batch_size, m.max_message_bytes);
      mbox->set_sent_folder(sent);
      out.push_back({mbox, policy(m.interval_minutes)});
    } else {
      auto maildir = std::make_shared<ingest::MaildirSource>(m.name, m.path, m.batch_size,
                                                             m.max_message_bytes);
      maildir->set_sent_folder(sent);
      out.push_back({maildir, policy(m.interval_minutes)});
    }
  }
  for (const auto& in : cfg.inboxes) {
    if (!in.path.empty()) {
      out.push_back({std::make_shared<ingest::FileImportSource>(inbox_of(in), in.path, clock),
                     policy(in.interval_minutes)});
    } else if (!in.drop_folder.empty()) {
      out.push_back(
          {std::make_shared<ingest::DropFolderSource>(inbox_of(in), in.drop_folder, clock),
           policy(in.interval_minutes)});
    }
  }
  for (const auto& c : cfg.social) {
    const std::string what = "social \"" + c.name + "\"";
    auto base = [&](ingest::SocialOptions& o) {
      o.name = c.name;
      o.api_url = c.api_url;
      o.ca_file = c.ca_file;
      o.timeout_seconds = c.timeout_seconds;
      o.max_pages = c.max_pages;
    };
    std::shared_ptr<ingest::Source> source;
    if (c.kind == "apple_reviews") {
      ingest::AppleReviewsOptions o;
      base(o);
      o.show_id = c.show_id;
      o.countries = c.countries;
      source = std::make_shared<ingest::AppleReviewsSource>(std::move(o), http, clock);
    } else if (c.kind == "youtube") {
      ingest::YouTubeOptions o;
      base(o);
      o.channel_id = c.channel_id;
      auto key = read_secret(c.key, cfg, what);
      if (!key) return key.error();
      o.api_key = *key;
      source = std::make_shared<ingest::YouTubeSource>(std::move(o), http, clock);
    } else if (c.kind == "mastodon") {
      ingest::MastodonOptions o;
      base(o);
      auto token = read_secret(c.token, cfg, what);
      if (!token) return token.error();
      o.access_token = *token;
      source = std::make_shared<ingest::MastodonSource>(std::move(o), http, clock);
    } else if (c.kind == "bluesky") {
      ingest::BlueskyOptions o;
      base(o);
      o.handle = c.handle;
      auto password = read_secret(c.password, cfg, what);
      if (!password) return password.error();
      o.app_password = *password;
      source = std::make_shared<ingest::BlueskySource>(std::move(o), http, clock);
    }
    if (source) out.push_back({std::move(source), policy(c.interval_minutes)});
  }
  return out;
}

Result<std::vector<ServedInbox>> served_inboxes(const config::Config& cfg) {
  std::vector<ServedInbox> out;
  for (const auto& in : cfg.inboxes) {
    if (in.kind == "csv" || in.kind == "jsonl") continue;
    ServedInbox s;
    s.inbox = inbox_of(in);
    for (auto [secret, into] :
         {std::pair{&in.token, &s.token}, {&in.hmac_secret, &s.hmac_secret}}) {
      if (secret->empty()) continue;
      auto value = read_secret(*secret, cfg, "inbox \"" + in.name + "\"");
      if (!value) return value.error();
      *into = *value;
    }
    s.signature_header = in.signature_header;
    s.open = in.open;
    s.rate_limit_per_hour = in.rate_limit_per_hour;
    s.honeypot = in.honeypot;
    s.thank_you_url = in.thank_you_url;
    out.push_back(std::move(s));
  }
  return out;
}

pipeline::IdentityRules identity_rules(const config::Config& cfg) {
  pipeline::IdentityRules r;
  r.default_country = cfg.contacts.default_country;
  r.strip_plus_tags = cfg.contacts.strip_plus_tags;
  r.case_sensitive_domains = cfg.contacts.case_sensitive_domains;
  return r;
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
  s.history_before = cfg.digest.start.value_or(0);
  s.reply_subject = notify::reply_subject_for(cfg.digest.reply_subject, cfg.creator.show);
  s.days = cfg.digest.days;
  pipeline::apply_weights(cfg.digest.weights, s.weights);
  if (!cfg.web.public_url.empty()) {
    auto signer = tap_signer(cfg);
    if (!signer) {
      log::warn("the digest goes without one-tap links: " + signer.error().to_string());
    } else {
      const std::string base = cfg.web.public_url;
      // The inbox itself answers this machine only: linked when public_url reaches it so (an
      // SSH tunnel's 127.0.0.1), not through a proxy, where it would refuse.
      const bool inbox_reachable = public_host(cfg).rfind("127.0.0.1", 0) == 0 ||
                                   public_host(cfg).rfind("localhost", 0) == 0 ||
                                   public_host(cfg).rfind("[::1]", 0) == 0;
      std::shared_ptr<const web::TapSigner> taps = std::move(*signer);
      s.action_links = [taps, base, inbox_reachable](std::int64_t contact,
                                                     const std::string& slot, UnixTime at) {
        std::vector<ActionLink> links;
        UnixTime expires = at + web::kTapValidSeconds;
        links.push_back(
            {"Done", base + taps->path({web::TapAction::kDone, contact, slot, expires})});
        links.push_back({"Snooze a week",
                         base + taps->path({web::TapAction::kSnoozeWeek, contact, slot, expires})});
        if (inbox_reachable) {
          links.push_back({"Open in the inbox", base + "/people/" + std::to_string(contact)});
        }
        return links;
      };
    }
  }
  return s;
}

std::string public_host(const config::Config& cfg) {
  std::string_view url = cfg.web.public_url;
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  url.remove_prefix(scheme + 3);
  return ascii_lower(url.substr(0, url.find('/')));
}

Result<postgres::ConnectOptions> connect_options(const config::StoreConfig& store) {
  postgres::ConnectOptions options;
  options.url = store.url;
  if (!store.password.empty()) {
    auto password = store.password.resolve();
    if (!password) return password.error();
    options.password = std::move(*password);
  }
  return options;
}

Result<std::unique_ptr<SqlStore>> open_store(const config::StoreConfig& store) {
  if (!store.postgres()) return SqlStore::open(store.path);
  auto options = connect_options(store);
  if (!options) return options.error();
  return SqlStore::open_postgres(*options, postgres::layout_for(store.show, store.share_contacts));
}

Result<std::unique_ptr<web::TapSigner>> tap_signer(const config::Config& cfg) {
  std::filesystem::path folder = std::filesystem::path(cfg.store.path).parent_path();
  auto key = web::load_or_create_tap_key(folder / "web-links.key");
  if (!key) return key.error();
  return std::make_unique<web::TapSigner>(std::move(*key));
}

}  // namespace rapport::app
