#include "config/loader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/audit.h"
#include "config/keys.h"
#include "config/values.h"
#include "core/model.h"
#include "core/text.h"

namespace rapport::config {
namespace fs = std::filesystem;
namespace {

class Loader {
 public:
  explicit Loader(std::string path, bool audit = false)
      : path_(std::move(path)), audit_(audit) {
    base_dir_ = fs::absolute(fs::path(path_)).parent_path();
  }

  std::vector<Error> errors;
  std::vector<Error> warnings;  // from the audit only

  std::optional<Config> run() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      errors.push_back(make_error(ErrorCode::kIo, "cannot read the config file", path_,
                                  "check the path, or write a starter one with `rapport init`"));
      return std::nullopt;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    return run_text(buf.str());
  }

  std::optional<Config> run_text(std::string_view text) {
    // A config is a few kilobytes; a megabyte is a mistake (or an attack on the parser).
    constexpr size_t kMaxConfigBytes = 1024 * 1024;
    if (text.size() > kMaxConfigBytes) {
      errors.push_back(make_error(
          ErrorCode::kConfig, "the config file is larger than 1 MB (kMaxConfigBytes)",
          printable(path_, 4096), "is this the right file? `rapport init` writes a starter"));
      return std::nullopt;
    }
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& e) {
      problem(e.source().begin, "not valid TOML: " + std::string(e.description()),
              "see https://toml.io for the syntax");
      return std::nullopt;
    }

    Config cfg;
    cfg.path = path_;
    for (auto&& [k, v] : root) {
      std::string key(k.str());
      if (std::find_if(std::begin(kTopLevel), std::end(kTopLevel),
                       [&](const char* n) { return key == n; }) == std::end(kTopLevel)) {
        unknown_key(k.source().begin, key, "", {std::begin(kTopLevel), std::end(kTopLevel)});
      }
    }

    const toml::table* creator = table(root, "creator", true);
    if (creator) {
      check_keys(*creator, "creator", kCreatorKeys);
      cfg.creator.name = string(*creator, "name");
      cfg.creator.email = string(*creator, "email");
      cfg.creator.show = string(*creator, "show");
      check_email(*creator, "email", cfg.creator.email);
    }

    // Two configs never share a database, a digest folder or a lock unless they say so: the
    // defaults are the config's own (see default_data_dir_for).
    const std::string data_dir = default_data_dir_for(path_);
    cfg.store.path = data_dir + "/rapport.db";
    if (const toml::table* store = table(root, "store", false)) {
      check_keys(*store, "store", kStoreKeys);
      if (auto p = string(*store, "path"); !p.empty()) cfg.store.path = resolve_path(p);
      cfg.store.url = string(*store, "url");
      cfg.store.password = secret(*store, "password");
      if (const toml::node* url = store->get("url"); url && url->is_string()) {
        const std::string& u = cfg.store.url;
        const size_t scheme = u.find("://");
        const size_t at = u.find('@');
        const size_t slash = scheme == std::string::npos ? std::string::npos : u.find('/', scheme + 3);
        if (store->get("path")) {
          problem(url->source().begin, "give store.path (SQLite) or store.url (PostgreSQL), not both",
                  "path is a file on this machine; url is a PostgreSQL server");
        } else if (!u.starts_with("postgresql://") && !u.starts_with("postgres://")) {
          problem(url->source().begin, "store.url \"" + u + "\" is not a PostgreSQL URL",
                  "write it as postgresql://USER@HOST:PORT/DATABASE");
        } else if ((at != std::string::npos && (slash == std::string::npos || at < slash) &&
                    u.find(':', scheme + 3) < at) ||
                   u.find("password=") != std::string::npos) {
          problem(url->source().begin, "store.url holds a password, which would be kept in the config",
                  "take it out of the URL and give store.password_env or store.password_file");
        }
      } else if (!cfg.store.password.empty()) {
        problem(store->source().begin, "store.password_env/_file is for a PostgreSQL store.url",
                "an SQLite file (store.path) has no password");
      }
      cfg.store.show = string(*store, "show");
      if (const toml::node* s = store->get("show"); s && s->is_string()) {
        if (cfg.store.url.empty()) {
          problem(s->source().begin, "store.show is for a PostgreSQL store.url",
                  "an SQLite file holds one show: give each show a file of its own");
        } else if (!valid_show_slug(cfg.store.show)) {
          problem(s->source().begin,
                  "store.show \"" + printable(cfg.store.show, 60) + "\" is not a show's slug",
                  "lowercase letters, digits and dashes, starting with a letter, at most 40 "
                  "(\"slowgarden\", \"long-letters\")");
        }
      }
      if (const toml::node* b = store->get("share_contacts"); b && b->is_boolean()) {
        cfg.store.share_contacts = b->as_boolean()->get();
        if (cfg.store.share_contacts && cfg.store.show.empty()) {
          problem(b->source().begin, "store.share_contacts needs store.show",
                  "contacts are shared between the shows of one database: name this one with "
                  "show = \"slug\"");
        }
      }
    }

    std::set<std::string> names;
    for (const toml::table* t : array_of_tables(root, "feed")) {
      check_keys(*t, "feed", kFeedKeys);
      FeedConfig f;
      f.name = string(*t, "name");
      f.url = feed_url(*t, string(*t, "url"));
      f.username = string(*t, "username");
      f.password = secret(*t, "password");
      if (const toml::node* k = t->get("kind"); k && k->is_string()) {
        f.kind = k->as_string()->get();
        if (f.kind != "episodes" && f.kind != "comments") {
          problem(k->source().begin, "feed.kind \"" + f.kind + "\" is not a feed kind",
                  "use \"episodes\" for your own feed or \"comments\" for a comments feed");
        }
      }
      if (auto ca = string(*t, "ca_file"); !ca.empty()) f.ca_file = resolve_path(ca);
      f.timeout_seconds = static_cast<int>(integer(*t, "timeout_seconds", 30, 1, 600));
      f.max_bytes = integer(*t, "max_bytes", f.max_bytes, 1024, std::int64_t{1} << 32);
      f.interval_minutes = static_cast<int>(integer(*t, "interval_minutes", 60, 1, 7 * 24 * 60));
      unique_name(*t, f.name, names);
      cfg.feeds.push_back(std::move(f));
    }
    for (const toml::table* t : array_of_tables(root, "mailbox")) {
      check_keys(*t, "mailbox", kMailboxKeys);
      MailboxConfig m;
      m.name = string(*t, "name");
      m.kind = string(*t, "kind");
      const bool remote = m.kind == "imap" || m.kind == "pop3";
      if (const toml::node* n = t->get("kind");
          n && n->is_string() && !remote && m.kind != "maildir" && m.kind != "mbox") {
        problem(n->source().begin,
                "mailbox.kind \"" + m.kind + "\" is not a kind this version reads",
                "known kinds: imap, pop3, maildir, mbox");
      }
      m.path = string(*t, "path");
      if (!m.path.empty()) m.path = resolve_path(m.path);
      if ((m.kind == "maildir" || m.kind == "mbox") && !t->contains("path")) {
        problem(
            t->source().begin, "missing required key \"mailbox.path\"",
            m.kind == "mbox" ? "the mbox file to read" : "the Maildir folder (with new/ and cur/)");
      }
      m.interval_minutes = static_cast<int>(integer(*t, "interval_minutes", 5, 1, 7 * 24 * 60));
      if (remote) read_mail_server(*t, m);
      m.batch_size = static_cast<int>(integer(*t, "batch_size", 200, 1, 10000));
      m.max_message_bytes =
          integer(*t, "max_message_bytes", m.max_message_bytes, 64 * 1024, std::int64_t{1} << 30);
      if (auto f = string(*t, "format"); !f.empty()) {
        m.format = f;
        if (f != "mboxrd" && f != "mboxo") {
          problem(t->get("format")->source().begin, "mailbox.format \"" + f + "\" is not known",
                  "\"mboxrd\" (the default) or \"mboxo\"");
        }
      }
      if (const toml::node* role = t->get("role"); role && role->is_string()) {
        m.role = role->as_string()->get();
        if (m.role != "replies" && m.role != "sent") {
          problem(role->source().begin, "mailbox.role \"" + m.role + "\" is not a role",
                  "\"replies\" (listeners write here) or \"sent\" (your Sent folder)");
        }
      }
      unique_name(*t, m.name, names);
      cfg.mailboxes.push_back(std::move(m));
    }

    for (const toml::table* t : array_of_tables(root, "inbox")) {
      check_keys(*t, "inbox", kInboxKeys);
      InboxConfig in;
      in.name = string(*t, "name");
      in.kind = string(*t, "kind");
      const toml::node* kind = t->get("kind");
      bool served = in.kind == "generic" || in.kind == "voicemail" || in.kind == "boostagram" ||
                    in.kind == "form";
      if (kind && kind->is_string() &&
          std::find_if(std::begin(kInboxKinds), std::end(kInboxKinds),
                       [&](const char* k) { return in.kind == k; }) == std::end(kInboxKinds)) {
        problem(kind->source().begin, "inbox.kind \"" + in.kind + "\" is not an inbox kind",
                "known kinds: generic, voicemail, boostagram, form, csv, jsonl");
      }
      if (const toml::node* f = t->get("fields"); f && f->is_table()) {
        for (auto&& [k, v] : *f->as_table()) {
          std::string key(k.str());
          const auto& known = listener_message_fields();
          if (std::find(known.begin(), known.end(), key) == known.end()) {
            unknown_key(k.source().begin, key, "inbox.fields", known);
          } else if (!v.is_string()) {
            problem(v.source().begin,
                    "inbox.fields." + key +
                        " must be a string (the name in "
                        "the payload)",
                    "put the value in double quotes");
          } else {
            in.fields[key] = v.as_string()->get();
          }
        }
      }
      in.token = secret(*t, "token");
      in.hmac_secret = secret(*t, "hmac_secret");
      if (auto h = string(*t, "signature_header"); !h.empty()) in.signature_header = h;
      if (const toml::node* o = t->get("open"); o && o->is_boolean())
        in.open = o->as_boolean()->get();
      in.rate_limit_per_hour = static_cast<int>(integer(*t, "rate_limit_per_hour", 20, 1, 100000));
      in.honeypot = string(*t, "honeypot");
      in.thank_you_url = string(*t, "thank_you_url");
      if (auto p = string(*t, "path"); !p.empty()) in.path = resolve_path(p);
      if (auto d = string(*t, "drop_folder"); !d.empty()) in.drop_folder = resolve_path(d);
      if (served && in.token.empty() && in.hmac_secret.empty() && !(in.kind == "form" && in.open)) {
        problem(t->source().begin, "inbox \"" + in.name + "\" would accept messages from anyone",
                "set token_env (a bearer token) or hmac_secret_env (a signed body)" +
                    std::string(in.kind == "form" ? ", or open = true for a public form" : ""));
      }
      if (in.open && in.kind != "form") {
        if (const toml::node* o = t->get("open")) {
          problem(o->source().begin, "only a form can be open", "set token_env or hmac_secret_env");
        }
      }
      if (!served && (!in.token.empty() || !in.hmac_secret.empty())) {
        problem(t->source().begin, "a " + in.kind + " inbox is read from files, not posted to",
                "remove its token and signature keys");
      }
      if (served && (!in.path.empty() || !in.drop_folder.empty())) {
        problem(t->source().begin, "path and drop_folder are for csv and jsonl inboxes", "");
      }
      in.interval_minutes = static_cast<int>(integer(*t, "interval_minutes", 10, 1, 7 * 24 * 60));
      if (const toml::node* o = t->get("date_order"); o && o->is_string()) {
        in.date_order = o->as_string()->get();
        if (in.date_order != "mdy" && in.date_order != "dmy" && in.date_order != "ymd") {
          problem(o->source().begin,
                  "inbox.date_order \"" + printable(in.date_order, 40) + "\" is not a date order",
                  "\"mdy\" reads 11/25/2026 (US, Google Sheets in English), \"dmy\" 25/11/2026 "
                  "(UK, Europe), \"ymd\" 2026/11/25");
          in.date_order.clear();
        }
      }
      unique_name(*t, in.name, names);
      cfg.inboxes.push_back(std::move(in));
    }
    for (const toml::table* t : array_of_tables(root, "social")) {
      check_keys(*t, "social", kSocialKeys);
      cfg.social.push_back(social(*t));
      unique_name(*t, cfg.social.back().name, names);
    }
    if (const toml::table* l = table(root, "listener", false)) {
      check_keys(*l, "listener", kListenerKeys);
      cfg.listener.enabled = true;
      if (auto a = string(*l, "address"); !a.empty()) cfg.listener.address = a;
      cfg.listener.port = static_cast<int>(integer(*l, "port", 8787, 0, 65535));
      cfg.listener.max_body_bytes =
          integer(*l, "max_body_bytes", 64 * 1024, 1024, 16 * 1024 * 1024);
      cfg.listener.trusted_proxy = string(*l, "trusted_proxy");
    }

    if (const toml::table* w = table(root, "web", false)) {
      check_keys(*w, "web", kWebKeys);
      cfg.web.enabled = true;
      if (auto a = string(*w, "address"); !a.empty()) cfg.web.address = a;
      cfg.web.port = static_cast<int>(integer(*w, "port", 8788, 0, 65535));
      cfg.web.public_url = string(*w, "public_url");
      while (!cfg.web.public_url.empty() && cfg.web.public_url.back() == '/') {
        cfg.web.public_url.pop_back();
      }
      if (!cfg.web.public_url.empty() &&
          (!is_web_url(cfg.web.public_url) ||
           cfg.web.public_url.find_first_of("?#@ \t") != std::string::npos)) {
        problem(w->get("public_url")->source().begin,
                "web.public_url \"" + printable(cfg.web.public_url, 80) +
                    "\" is not an http or https address",
                "like \"http://127.0.0.1:8788\" (through an SSH tunnel) or "
                "\"https://inbox.example.org\"");
      }
      if (auto pf = string(*w, "password_file"); !pf.empty()) {
        cfg.web.password_file = resolve_path(pf);
      }
      cfg.web.trusted_proxy = string(*w, "trusted_proxy");
      if (cfg.web.address != "127.0.0.1" && cfg.web.address != "::1" &&
          cfg.web.address != "localhost" &&
          (cfg.web.password_file.empty() || cfg.web.trusted_proxy.empty())) {
        const toml::node* a = w->get("address");
        problem(a ? a->source().begin : w->source().begin,
                "web.address \"" + printable(cfg.web.address, 60) +
                    "\" would open the inbox to other machines" +
                    (cfg.web.password_file.empty() ? " without a password"
                                                   : " without TLS"),
                cfg.web.password_file.empty()
                    ? "keep 127.0.0.1 and use an SSH tunnel or a VPN, or set "
                      "web.password_file (made by `rapport web passwd`) and a TLS reverse proxy "
                      "in web.trusted_proxy"
                    : "the inbox speaks plain HTTP: put a reverse proxy with TLS in front and "
                      "name its address in web.trusted_proxy");
      }
      if (cfg.listener.enabled && cfg.web.port != 0 && cfg.web.port == cfg.listener.port) {
        problem(w->source().begin,
                "web.port " + std::to_string(cfg.web.port) + " is the listener's port too",
                "give the inbox a port of its own (8788 by default)");
      }
    }

    if (const toml::table* m = table(root, "smtp", false)) {
      check_keys(*m, "smtp", kSmtpKeys);
      SmtpConfig& smtp = cfg.smtp;
      smtp.enabled = true;
      smtp.host = string(*m, "host");
      if (auto sec = string(*m, "security"); !sec.empty()) smtp.security = sec;
      const toml::node* sec_node = m->get("security");
      if (smtp.security != "starttls" && smtp.security != "tls" && smtp.security != "none") {
        problem(sec_node->source().begin, "smtp.security \"" + smtp.security + "\" is not known",
                "use \"starttls\" (port 587) or \"tls\" (port 465)");
      } else if (smtp.security == "none" && smtp.host != "127.0.0.1" && smtp.host != "localhost" &&
                 smtp.host != "::1") {
        problem(sec_node->source().begin,
                "smtp.security = \"none\" would send the digest and the "
                "password unencrypted",
                "only a server on this machine may go without TLS");
      }
      smtp.port =
          static_cast<int>(integer(*m, "port", smtp.security == "tls" ? 465 : 587, 1, 65535));
      smtp.username = string(*m, "username");
      smtp.password = secret(*m, "password");
      smtp.token_command = string(*m, "token_command");
      if (auto ca = string(*m, "ca_file"); !ca.empty()) smtp.ca_file = resolve_path(ca);
      smtp.timeout_seconds = static_cast<int>(integer(*m, "timeout_seconds", 30, 1, 300));
      if (!smtp.token_command.empty() && !smtp.password.empty()) {
        problem(m->source().begin, "give smtp.password_env/_file or smtp.token_command, not both",
                "token_command is for XOAUTH2 (Gmail, Microsoft 365)");
      }
      if ((!smtp.token_command.empty() || !smtp.password.empty()) && smtp.username.empty()) {
        problem(m->source().begin, "smtp.username is needed to log in", "usually your address");
      }
    }

    if (const toml::table* c = table(root, "contacts", false)) {
      check_keys(*c, "contacts", kContactsKeys);
      if (auto country = string(*c, "default_country"); !country.empty()) {
        cfg.contacts.default_country = ascii_upper(country);
        if (country.size() != 2) {
          problem(c->get("default_country")->source().begin,
                  "contacts.default_country \"" + country + "\" is not a country code",
                  "the two-letter ISO code, like \"GB\" or \"US\"");
        }
      }
      if (const toml::node* b = c->get("strip_plus_tags"); b && b->is_boolean()) {
        cfg.contacts.strip_plus_tags = b->as_boolean()->get();
      }
      if (const toml::node* a = c->get("case_sensitive_domains"); a && a->is_array()) {
        for (const auto& el : *a->as_array()) {
          if (el.is_string())
            cfg.contacts.case_sensitive_domains.push_back(ascii_lower(el.as_string()->get()));
        }
      }
    }

    if (const toml::table* d = table(root, "daemon", false)) {
      check_keys(*d, "daemon", kDaemonKeys);
      cfg.daemon.max_backoff_minutes =
          static_cast<int>(integer(*d, "max_backoff_minutes", 360, 1, 7 * 24 * 60));
      cfg.daemon.concurrency = static_cast<int>(integer(*d, "concurrency", 4, 1, 32));
    }

    if (const toml::table* f = table(root, "fetch", false)) {
      check_keys(*f, "fetch", kFetchKeys);
      cfg.fetch.max_connections = static_cast<int>(integer(*f, "max_connections", 8, 1, 64));
      cfg.fetch.max_connections_per_host =
          static_cast<int>(integer(*f, "max_connections_per_host", 2, 1, 16));
      cfg.fetch.episode_comment_feeds =
          static_cast<int>(integer(*f, "episode_comment_feeds", 20, 0, 500));
    }

    cfg.digest.output_dir = data_dir + "/digests";
    if (const toml::table* d = table(root, "digest", false)) {
      check_keys(*d, "digest", kDigestKeys);
      cfg.digest.to = string(*d, "to");
      check_email(*d, "to", cfg.digest.to);
      cfg.digest.max_people = static_cast<int>(integer(*d, "max_people", 10, 1, 100));
      cfg.digest.excerpt_chars = static_cast<int>(integer(*d, "excerpt_chars", 600, 40, 4000));
      cfg.digest.min_wait_hours = static_cast<int>(integer(*d, "min_wait_hours", 12, 0, 24 * 30));
      cfg.digest.relist_after_days = static_cast<int>(integer(*d, "relist_after_days", 3, 0, 365));
      if (const toml::node* r = d->get("reply_subject"); r && r->is_string()) {
        std::string subject = r->as_string()->get();
        bool one_line = subject.find_first_of("\r\n") == std::string::npos;
        if (!one_line || subject.size() > 200 || trim(subject).empty()) {
          problem(r->source().begin, "digest.reply_subject must be one line of text, at most 200 bytes",
                  "like \"Re: your message to {show}\"");
        } else {
          cfg.digest.reply_subject = subject;
        }
      }
      if (auto start = string(*d, "start"); !start.empty()) {
        auto day = parse_day(start);
        if (!day) {
          problem(d->get("start")->source().begin,
                  "digest.start = \"" + start + "\" is not a day",
                  "write it as \"2026-11-01\": mail from before it is history");
        } else {
          cfg.digest.start = *day;
        }
      }
      if (const toml::node* w = d->get("weights"); w && w->is_table()) {
        std::vector<std::string> known(std::begin(kWeightNames), std::end(kWeightNames));
        for (auto&& [k, v] : *w->as_table()) {
          std::string key(k.str());
          if (std::find(known.begin(), known.end(), key) == known.end()) {
            unknown_key(k.source().begin, key, "digest.weights", known);
          } else if (!v.is_number()) {
            problem(v.source().begin, "digest.weights." + key + " must be a number", "like 2.5");
          } else {
            double value = v.is_integer() ? static_cast<double>(v.as_integer()->get())
                                          : v.as_floating_point()->get();
            if (value < 0 || value > 100) {
              problem(v.source().begin, "digest.weights." + key + " is out of range",
                      "use 0 to 100");
            } else {
              cfg.digest.weights[key] = value;
            }
          }
        }
      }
      if (auto p = string(*d, "output_dir"); !p.empty()) cfg.digest.output_dir = resolve_path(p);
      if (const toml::node* at = d->get("at"); at && at->is_string()) {
        const std::string& v = at->as_string()->get();
        int h = -1, mi = -1;
        char extra = 0;
        if (std::sscanf(v.c_str(), "%d:%d%c", &h, &mi, &extra) != 2 || h < 0 || h > 23 || mi < 0 ||
            mi > 59) {
          problem(at->source().begin, "digest.at = \"" + v + "\" is not a time of day",
                  "write it as \"HH:MM\", like \"08:00\"");
        } else {
          cfg.digest.at_minute = h * 60 + mi;
        }
      }
      if (const toml::node* days = d->get("days"); days && days->is_string()) {
        auto parsed = parse_days(days->as_string()->get());
        if (!parsed) {
          problem(days->source().begin,
                  "digest.days = \"" + days->as_string()->get() + "\" is not a set of days",
                  "like \"daily\", \"mon-fri\" or \"mon,wed,fri\"");
        } else {
          cfg.digest.days = *parsed;
        }
      }
      if (const toml::node* tz = d->get("timezone"); tz && tz->is_string()) {
        const std::string& v = tz->as_string()->get();
        std::error_code ec;
        if (v.empty() || v.find("..") != std::string::npos || v[0] == '/' ||
            !fs::exists(fs::path("/usr/share/zoneinfo") / v, ec)) {
          problem(tz->source().begin, "digest.timezone = \"" + v + "\" is not a known time zone",
                  "use an IANA name like \"Europe/London\" or \"America/New_York\"");
        } else {
          cfg.digest.timezone = v;
        }
      }
    }
    if (cfg.digest.to.empty()) cfg.digest.to = cfg.creator.email;

    // What would fail at run time is found too when the file has mistakes: every problem at
    // once, in the order of the file, not one round of fixes each.
    if (audit_) audit(root, cfg, path_, errors, warnings);
    std::stable_sort(errors.begin(), errors.end(),
                     [](const Error& a, const Error& b) { return position(a) < position(b); });
    if (!errors.empty()) return std::nullopt;
    return cfg;
  }

 private:
  static std::pair<long, long> position(const Error& e) {
    // where is FILE:LINE:COL; compare line and column numerically.
    size_t c2 = e.where.rfind(':');
    size_t c1 = c2 == std::string::npos ? c2 : e.where.rfind(':', c2 - 1);
    if (c1 == std::string::npos) return {0, 0};
    return {std::atol(e.where.c_str() + c1 + 1), std::atol(e.where.c_str() + c2 + 1)};
  }

  // Records a problem at `at`. Keys and values echoed in `what` and `hint` come from the file
  // and may hold newlines or terminal escapes (a quoted key can): they are escaped here, so
  // every problem stays one line that starts with FILE:LINE:COL.
  void problem(const toml::source_position& at, std::string what, std::string hint = {}) {
    std::string where = printable(path_, 4096) + ":" + std::to_string(at.line ? at.line : 1) + ":" +
                        std::to_string(at.column ? at.column : 1);
    errors.push_back(
        make_error(ErrorCode::kConfig, printable(what, 2000), where, printable(hint, 2000)));
  }

  void unknown_key(const toml::source_position& at, const std::string& key,
                   const std::string& table, const std::vector<std::string>& valid) {
    std::string qualified = table.empty() ? key : table + "." + key;
    for (const char* w : kSecretWords) {
      if (key == w) {
        problem(at, "secrets are never written in the config file (" + qualified + ")",
                "name where it is kept instead: " + (table.empty() ? "" : table + ".") +
                    "password_env = \"VARIABLE\" or password_file = \"PATH\"");
        return;
      }
    }
    std::string near = nearest(key, valid);
    std::string hint;
    if (!near.empty()) {
      hint = "did you mean \"" + near + "\"?";
    } else {
      hint = "valid keys here: ";
      for (size_t i = 0; i < valid.size(); ++i) hint += (i ? ", " : "") + valid[i];
    }
    problem(at, "unknown key \"" + qualified + "\"", hint);
  }

  template <size_t N>
  void check_keys(const toml::table& t, const std::string& name, const KeySpec (&specs)[N]) {
    std::vector<std::string> valid;
    for (const auto& s : specs) valid.emplace_back(s.name);
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      const KeySpec* spec = nullptr;
      for (const auto& s : specs) {
        if (key == s.name) spec = &s;
      }
      if (!spec) {
        unknown_key(k.source().begin, key, name, valid);
        continue;
      }
      if (!has_type(v, spec->type)) {
        problem(
            v.source().begin,
            name + "." + key + " must be " + type_name(spec->type) + ", not " + node_type_name(v),
            spec->type == Type::kString ? "put the value in double quotes" : "");
      }
    }
    for (const auto& s : specs) {
      if (s.required && !t.contains(s.name)) {
        problem(t.source().begin, "missing required key \"" + name + "." + s.name + "\"",
                "add " + std::string(s.name) + " = ... to this table");
      }
    }
  }

  const toml::table* table(const toml::table& root, const char* name, bool required) {
    const toml::node* n = root.get(name);
    if (!n) {
      if (required) {
        problem({1, 1}, std::string("missing required table [") + name + "]",
                "run `rapport init` to see a complete config");
      }
      return nullptr;
    }
    if (!n->is_table()) {
      problem(n->source().begin, std::string(name) + " must be a table ([" + name + "])");
      return nullptr;
    }
    return n->as_table();
  }

  std::vector<const toml::table*> array_of_tables(const toml::table& root, const char* name) {
    std::vector<const toml::table*> out;
    const toml::node* n = root.get(name);
    if (!n) return out;
    if (!n->is_array_of_tables()) {
      problem(n->source().begin,
              std::string(name) + " must be written as one or more [[" + name + "]] tables");
      return out;
    }
    for (const auto& el : *n->as_array()) out.push_back(el.as_table());
    return out;
  }

  std::string string(const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (n && n->is_string()) return n->as_string()->get();
    return {};
  }

  std::int64_t integer(const toml::table& t, const char* key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
    const toml::node* n = t.get(key);
    if (!n || !n->is_integer()) return fallback;
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      problem(n->source().begin, std::string(key) + " = " + std::to_string(v) + " is out of range",
              "use a value from " + std::to_string(min) + " to " + std::to_string(max));
      return fallback;
    }
    return v;
  }

  // host, port, security, credentials and folder of an [[mailbox]] read over IMAP or POP3.
  void read_mail_server(const toml::table& t, MailboxConfig& m) {
    const bool imap = m.kind == "imap";
    m.host = string(t, "host");
    if (!t.contains("host")) {
      problem(t.source().begin, "missing required key \"mailbox.host\"",
              imap ? "the IMAP server, like \"imap.fastmail.com\"" : "the POP3 server");
    }
    if (auto sec = string(t, "security"); !sec.empty()) m.security = sec;
    if (m.security != "tls" && m.security != "starttls" && m.security != "none") {
      problem(t.get("security")->source().begin,
              "mailbox.security \"" + m.security + "\" is not known",
              "\"tls\" (the default), \"starttls\" or \"none\"");
    } else if (m.security == "none" && m.host != "127.0.0.1" && m.host != "localhost" &&
               m.host != "::1") {
      problem(t.get("security")->source().begin,
              "mailbox.security = \"none\" would send the password in the clear to " + m.host,
              "use \"tls\" or \"starttls\"; \"none\" is for a server on this machine");
    }
    int fallback = m.security == "tls" ? (imap ? 993 : 995) : (imap ? 143 : 110);
    m.port = static_cast<int>(integer(t, "port", fallback, 1, 65535));
    m.username = string(t, "username");
    if (!t.contains("username")) {
      problem(t.source().begin, "missing required key \"mailbox.username\"",
              "the login name, usually your address");
    }
    m.password = secret(t, "password");
    m.token_command = string(t, "token_command");
    if (m.password.empty() == m.token_command.empty()) {
      problem(t.source().begin,
              "give mailbox.password_env or password_file, or token_command (XOAUTH2): one of them",
              "a password names where it is kept; token_command prints an OAuth2 access token");
    }
    if (auto ca = string(t, "ca_file"); !ca.empty()) m.ca_file = resolve_path(ca);
    m.timeout_seconds = static_cast<int>(integer(t, "timeout_seconds", 60, 1, 600));
    if (auto f = string(t, "folder"); !f.empty()) m.folder = f;
    if (!imap && t.contains("folder")) {
      problem(t.get("folder")->source().begin, "POP3 has no folders; mailbox.folder is for IMAP");
    }
    if (auto since = string(t, "since"); !since.empty()) {
      auto at = parse_day(since);
      if (!at) {
        problem(t.get("since")->source().begin, "mailbox.since \"" + since + "\" is not a date",
                "write it as \"2026-01-31\"");
      } else {
        m.since = *at;
      }
    }
  }

  SocialConfig social(const toml::table& t) {
    SocialConfig c;
    c.name = string(t, "name");
    c.kind = string(t, "kind");
    const toml::node* kind = t.get("kind");
    bool known = std::find_if(std::begin(kSocialKinds), std::end(kSocialKinds),
                              [&](const char* k) { return c.kind == k; }) != std::end(kSocialKinds);
    if (kind && kind->is_string() && !known) {
      problem(kind->source().begin,
              "social.kind \"" + printable(c.kind, 40) + "\" is not a kind of social source",
              "known kinds: apple_reviews, youtube, mastodon, bluesky");
    }
    // Which keys belong to which kind: another kind's key is a mistake worth saying.
    const std::map<std::string, std::vector<std::string>> own = {
        {"show_id", {"apple_reviews"}},    {"countries", {"apple_reviews"}},
        {"channel_id", {"youtube"}},       {"key_env", {"youtube"}},
        {"key_file", {"youtube"}},         {"instance", {"mastodon"}},
        {"token_env", {"mastodon"}},       {"token_file", {"mastodon"}},
        {"handle", {"bluesky"}},           {"password_env", {"bluesky"}},
        {"password_file", {"bluesky"}},    {"api_url", {"apple_reviews", "youtube", "bluesky"}}};
    for (const auto& [key, kinds] : own) {
      const toml::node* n = t.get(key);
      if (!n || !known || std::find(kinds.begin(), kinds.end(), c.kind) != kinds.end()) continue;
      std::string whose;
      for (const auto& k : kinds) whose += (whose.empty() ? "" : " and ") + k;
      problem(n->source().begin, "social." + key + " is not a key of a " + c.kind + " source",
              key == "api_url" ? "a mastodon source names its server with instance = \"https://…\""
                               : key + " is for " + whose);
    }
    auto api_url = [&](const char* key) {
      std::string url = string(t, key);
      if (url.empty()) return url;
      if (istarts_with(url, "http://") || istarts_with(url, "https://")) {
        while (url.size() > 8 && url.back() == '/') url.pop_back();
        return url;
      }
      // A server named by its host alone ("mastodon.social"), as people write it.
      if (std::string_view(key) == "instance" && url.find_first_of("/:") == std::string::npos &&
          url.find('.') != std::string::npos) {
        return "https://" + ascii_lower(url);
      }
      if (url.find("://") != std::string::npos && !istarts_with(url, "file://")) {
        problem(t.get(key)->source().begin,
                "social." + std::string(key) + " \"" + printable(url, 80) +
                    "\" has an unknown scheme",
                "use https://, or a folder of recorded answers");
        return url;
      }
      return resolve_path(istarts_with(url, "file://") ? url.substr(7) : url);
    };
    auto need = [&](const std::string& value, const char* key, const std::string& hint) {
      if (value.empty() && known) {
        problem(t.source().begin, "a " + c.kind + " source needs " + key, hint);
      }
    };
    auto need_secret = [&](const Secret& s, const char* base, const std::string& hint) {
      // An inline secret is reported as one already (secrets are never written in the file).
      if (s.empty() && known && !t.contains(base)) {
        problem(t.source().begin,
                "a " + c.kind + " source needs " + base + "_env or " + base + "_file", hint);
      }
    };
    c.ca_file = string(t, "ca_file").empty() ? "" : resolve_path(string(t, "ca_file"));
    c.timeout_seconds = static_cast<int>(integer(t, "timeout_seconds", 30, 1, 600));
    c.max_pages = static_cast<int>(integer(t, "max_pages", 10, 1, 100));
    int interval = c.kind == "apple_reviews" ? 360 : c.kind == "youtube" ? 60 : 15;
    c.interval_minutes =
        static_cast<int>(integer(t, "interval_minutes", interval, 1, 7 * 24 * 60));
    if (c.kind == "apple_reviews") {
      c.api_url = api_url("api_url");
      c.show_id = string(t, "show_id");
      // The show's link pasted whole: its id is the digits after "/id".
      if (size_t id = c.show_id.rfind("/id"); is_web_url(c.show_id) && id != std::string::npos) {
        std::string digits = c.show_id.substr(id + 3);
        digits = digits.substr(0, digits.find_first_not_of("0123456789"));
        if (!digits.empty()) c.show_id = digits;
      }
      need(c.show_id, "show_id",
           "the digits after /id in the show's Apple Podcasts link, like show_id = \"1234567890\"");
      if (!c.show_id.empty() && (c.show_id.size() > 20 ||
                                 c.show_id.find_first_not_of("0123456789") != std::string::npos)) {
        problem(t.get("show_id")->source().begin,
                "social.show_id \"" + printable(c.show_id, 40) + "\" is not an Apple Podcasts id",
                "the digits after /id in the show's link, like \"1234567890\"");
      }
      if (const toml::node* a = t.get("countries"); a && a->is_array()) {
        for (const auto& el : *a->as_array()) {
          std::string cc = el.is_string() ? ascii_lower(el.as_string()->get()) : "";
          if (cc.size() != 2 || !std::isalpha(static_cast<unsigned char>(cc[0])) ||
              !std::isalpha(static_cast<unsigned char>(cc[1]))) {
            problem(el.source().begin, "social.countries: \"" + printable(cc, 20) +
                                           "\" is not a two-letter country code",
                    "write storefronts like [\"us\", \"gb\", \"de\"]");
            continue;
          }
          if (std::find(c.countries.begin(), c.countries.end(), cc) == c.countries.end()) {
            c.countries.push_back(cc);
          }
        }
      }
      if (c.countries.empty()) c.countries = {"us"};
    } else if (c.kind == "youtube") {
      c.api_url = api_url("api_url");
      c.channel_id = string(t, "channel_id");
      need(c.channel_id, "channel_id",
           "the channel's id (it starts with UC), from YouTube Studio > Settings > Channel > "
           "Advanced settings");
      const bool channel_like = c.channel_id.size() == 24 && c.channel_id.rfind("UC", 0) == 0 &&
                                c.channel_id.find_first_not_of(
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_") == std::string::npos;
      if (!c.channel_id.empty() && !channel_like) {
        problem(t.get("channel_id")->source().begin,
                "social.channel_id \"" + printable(c.channel_id, 40) +
                    "\" is not a YouTube channel id",
                "the id is 24 characters and starts with UC (not the @handle): YouTube Studio > "
                "Settings > Channel > Advanced settings");
      }
      c.key = secret(t, "key");
      need_secret(c.key, "key", "an API key of a Google Cloud project with the YouTube Data API v3");
    } else if (c.kind == "mastodon") {
      c.api_url = api_url("instance");
      need(c.api_url, "instance", "the show's server, like instance = \"https://mastodon.social\"");
      c.token = secret(t, "token");
      need_secret(c.token, "token",
                  "an access token with read:notifications and read:statuses, from the "
                  "account's Preferences > Development");
    } else if (c.kind == "bluesky") {
      c.api_url = api_url("api_url");
      c.handle = string(t, "handle");
      while (!c.handle.empty() && c.handle.front() == '@') c.handle.erase(0, 1);
      need(c.handle, "handle", "the show's handle, like handle = \"slowgarden.bsky.social\"");
      c.password = secret(t, "password");
      need_secret(c.password, "password",
                  "an app password, from Bluesky's Settings > Privacy and security > App "
                  "passwords (never the account's own password)");
    }
    return c;
  }

  Secret secret(const toml::table& t, const std::string& base) {
    Secret s;
    const toml::node* env = t.get(base + "_env");
    const toml::node* file = t.get(base + "_file");
    if (env && file) {
      problem(file->source().begin, "give " + base + "_env or " + base + "_file, not both",
              "keep the one that names where the secret really is");
      return s;
    }
    if (env && env->is_string()) {
      s.env = env->as_string()->get();
      if (s.env.empty() || s.env.find_first_of(" =$") != std::string::npos) {
        problem(env->source().begin,
                base + "_env must name an environment variable, like \"FEED_PASSWORD\"");
      }
    }
    if (file && file->is_string()) s.file = resolve_path(file->as_string()->get());
    return s;
  }

  void check_email(const toml::table& t, const char* key, const std::string& value) {
    const toml::node* n = t.get(key);
    if (!n || !n->is_string()) return;
    size_t at = value.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= value.size() ||
        value.find_first_of(" <>,\r\n") != std::string::npos) {
      problem(n->source().begin, std::string(key) + " = \"" + value + "\" is not an email address",
              "write the bare address, like \"you@example.org\"");
    }
  }

  void unique_name(const toml::table& t, const std::string& name, std::set<std::string>& seen) {
    const toml::node* n = t.get("name");
    if (!n || !n->is_string()) return;
    if (name.empty()) {
      problem(n->source().begin, "name must not be empty");
    } else if (!seen.insert(name).second) {
      problem(n->source().begin, "the name \"" + name + "\" is used by another source",
              "every [[feed]] and [[mailbox]] needs its own name");
    }
  }

  std::string feed_url(const toml::table& t, const std::string& url) {
    if (url.empty()) return url;
    std::string lower = url.substr(0, 8);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0 ||
        lower.rfind("file://", 0) == 0) {
      return url;
    }
    if (url.find("://") != std::string::npos) {
      problem(t.get("url")->source().begin, "feed.url \"" + url + "\" has an unknown scheme",
              "use http://, https://, file:// or a path to a file");
      return url;
    }
    return "file://" + resolve_path(url);
  }

  std::string resolve_path(const std::string& p) {
    fs::path path(expand_home(p));
    if (path.is_relative()) path = base_dir_ / path;
    return path.lexically_normal().string();
  }

  std::string path_;
  bool audit_ = false;
  fs::path base_dir_;
};

}  // namespace

Loaded read_file(const std::string& path, bool audit) {
  Loader loader(path, audit);
  Loaded out;
  out.config = loader.run();
  out.problems = std::move(loader.errors);
  out.warnings = std::move(loader.warnings);
  return out;
}

Loaded read_text(std::string_view toml, const std::string& path) {
  Loader loader(path);
  Loaded out;
  out.config = loader.run_text(toml);
  out.problems = std::move(loader.errors);
  return out;
}

}  // namespace rapport::config
