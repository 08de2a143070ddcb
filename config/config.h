// Config: the typed contents of rapport.toml, its loader and its validation.
//
// Every problem is reported as an Error whose `where` is "FILE:LINE:COL", with a hint. Secrets
// are never in the file: a key `password_env` names an environment variable and
// `password_file` a file that holds the secret; the secret is read only when used.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace rapport::config {

// Where a secret lives. Never holds the secret itself.
struct Secret {
  std::string env;   // environment variable name
  std::string file;  // absolute path
  bool empty() const { return env.empty() && file.empty(); }
  // "environment variable FEED_PASSWORD" / "file /run/secrets/feed": safe to print.
  std::string describe() const;
  // Reads the secret now. Fails with kConfig when the variable is unset or empty, or the file
  // cannot be read. A trailing newline in a file is dropped.
  Result<std::string> resolve() const;
};

struct CreatorConfig {
  std::string name;
  std::string email;
  std::string show;  // the show's or newsletter's name; may be empty
};

struct StoreConfig {
  std::string path;  // absolute path of the SQLite file (when url is empty)
  // A PostgreSQL database instead ("postgresql://USER@HOST:PORT/DATABASE?sslmode=…"), never
  // with a password in it; the password comes from `password`.
  std::string url;
  Secret password;
  // On PostgreSQL, the show this config's daemon reads, writes and digests ("slowgarden": a
  // slug of lowercase letters, digits and dashes). Several shows share one database, each in
  // a schema of its own; empty: the database holds one show, in its public schema.
  std::string show;
  // With a show: the network's people are one — a listener who writes to two of its shows is
  // one contact (names, identities, merges, notes, tags), while each show keeps its own
  // messages, conversations, answers and digests.
  bool share_contacts = false;
  bool postgres() const { return !url.empty(); }
  // Where the database is, for people: the file, or the URL.
  const std::string& where() const { return url.empty() ? path : url; }
};

struct FeedConfig {
  std::string name;
  std::string url;  // http://, https:// or file:// (relative paths in the file become file://)
  std::string kind = "episodes";  // "episodes": the creator's own; "comments": listeners'
  std::string username;
  Secret password;
  std::string ca_file;  // absolute; empty: the system's CAs
  int timeout_seconds = 30;
  std::int64_t max_bytes = 20 * 1024 * 1024;
  int interval_minutes = 60;  // the daemon polls it this often
};

struct MailboxConfig {
  std::string name;
  std::string kind = "maildir";  // "maildir", "mbox", "imap" or "pop3"
  std::string path;              // maildir/mbox: absolute
  int interval_minutes = 5;
  std::string role = "replies";  // "replies" or "sent" (the creator's Sent folder)
  // imap/pop3
  std::string host;
  int port = 0;                  // 0: the default for the protocol and security
  std::string security = "tls";  // "tls", "starttls" or "none" (this machine only)
  std::string username;
  Secret password;
  std::string token_command;  // prints an OAuth2 token for XOAUTH2
  std::string ca_file;
  int timeout_seconds = 60;
  std::string folder = "INBOX";   // imap
  std::optional<UnixTime> since;  // imap: the first run reads mail from this day on
  int batch_size = 200;           // messages committed at once (imap, pop3, mbox)
  // What is read of one message: its beginning (the headers and the text parts, which come
  // first); a larger one is stored from that with a warning, and memory stays bounded.
  std::int64_t max_message_bytes = 16 * 1024 * 1024;
  std::string format = "mboxrd";  // mbox: "mboxrd" or "mboxo"
};

struct DigestConfig {
  std::string to;  // defaults to creator.email
  int max_people = 10;
  int excerpt_chars = 600;
  std::string output_dir;  // absolute; where .eml files are written
  // The daemon's schedule. Without `at`, `rapport run` delivers a digest every run (one a day).
  std::optional<int> at_minute;  // minutes after local midnight
  std::array<bool, 7> days = {true, true, true, true, true, true, true};  // Sunday = 0
  std::string timezone;       // IANA name; empty: the system's
  int min_wait_hours = 12;    // list someone once their oldest unanswered message is this old
  int relist_after_days = 3;  // someone listed and still unanswered is listed again after this
  // The reply's subject for someone who wrote none (forms, voicemail); {show} is the show.
  std::string reply_subject = "Re: your message to {show}";
  // Mail received before this day (midnight UTC) is history: stored, counted and linked, but
  // nobody waits for an answer to it. `rapport init` sets it to the day it ran.
  std::optional<UnixTime> start;
  // [digest.weights]: how much each signal counts; names as in pipeline::RankWeights.
  std::map<std::string, double> weights;
};

struct FetchConfig {
  int max_connections = 8;           // transfers at once, in all
  int max_connections_per_host = 2;  // transfers at once to one host
  int episode_comment_feeds = 20;    // newest episodes whose wfw:commentRss is read; 0: none
};

struct ListenerConfig {
  bool enabled = false;  // a [listener] table is present
  std::string address = "127.0.0.1";
  int port = 8787;  // 0: any free port
  std::int64_t max_body_bytes = 64 * 1024;
  std::string trusted_proxy;  // a reverse proxy's address: trust its X-Forwarded-For
};

// [web]: the inbox in a browser, served by `rapport serve` and the daemon. On this machine
// only (a loopback address) unless it has a password and a TLS reverse proxy in front.
struct WebConfig {
  bool enabled = false;  // a [web] table is present
  std::string address = "127.0.0.1";
  int port = 8788;  // 0: any free port
  // Where the creator's devices reach the inbox ("http://127.0.0.1:8788" through an SSH
  // tunnel, or an https address of a proxy): the digest then carries one-tap links.
  std::string public_url;
  // An argon2id hash made by `rapport web passwd`: then every page needs a login.
  std::string password_file;
  std::string trusted_proxy;  // a reverse proxy's address (it terminates TLS)
};

// A place listeners talk back on a platform, read through its API: "apple_reviews",
// "youtube", "mastodon" or "bluesky". The keys of one kind are refused on another.
struct SocialConfig {
  std::string name;
  std::string kind;
  // The API's address: the provider's own unless given; a folder of recorded answers (a path,
  // absolute once loaded) for the demo. For mastodon, the instance ("https://mastodon.social").
  std::string api_url;
  std::string show_id;                 // apple_reviews: the show's Apple Podcasts id
  std::vector<std::string> countries;  // apple_reviews: storefronts ("us", "gb"), lower case
  std::string channel_id;              // youtube: "UC…"
  Secret key;                          // youtube: the API key (key_env / key_file)
  Secret token;                        // mastodon: the access token (token_env / token_file)
  std::string handle;                  // bluesky: the account's handle
  Secret password;                     // bluesky: an app password
  std::string ca_file;                 // absolute; empty: the system's CAs
  int timeout_seconds = 30;
  int max_pages = 10;         // pages one poll reads at most (the first read's history)
  int interval_minutes = 15;  // apple_reviews: 360, youtube: 60 by default
};

// A listener-message source: served by the listener (generic, voicemail, boostagram, form)
// or read from files (csv, jsonl).
struct InboxConfig {
  std::string name;
  std::string kind;
  std::map<std::string, std::string> fields;  // canonical field -> payload name
  Secret token;                               // bearer token
  Secret hmac_secret;                         // HMAC-SHA256 of the body, in signature_header
  std::string signature_header = "X-Rapport-Signature";
  bool open = false;  // forms: no auth, rate limited per address, honeypot
  int rate_limit_per_hour = 20;
  std::string honeypot;
  std::string thank_you_url;
  std::string path;         // csv/jsonl: a file read on every run
  std::string drop_folder;  // csv/jsonl: files imported then moved to done/ or failed/
  int interval_minutes = 10;
  // How dates written as numbers are read: "mdy" (11/25/2026), "dmy" (25/11/2026), "ymd";
  // empty: each file decides by its own dates.
  std::string date_order;
};

// Digest delivery over SMTP. Absent: the digest is written as an .eml file and printed.
struct SmtpConfig {
  bool enabled = false;
  std::string host;
  int port = 587;
  std::string security = "starttls";  // "starttls", "tls" (SMTPS) or "none" (this machine only)
  std::string username;
  Secret password;
  std::string token_command;  // prints an OAuth2 token for XOAUTH2
  std::string ca_file;
  int timeout_seconds = 30;
};

// [contacts]: when two spellings are one identity.
struct ContactsConfig {
  std::string default_country;   // ISO code ("GB"): national phone numbers are read there
  bool strip_plus_tags = false;  // "ana+show@x" is "ana@x" at every provider (Gmail: always)
  std::vector<std::string> case_sensitive_domains;  // local parts kept as written there
};

struct DaemonConfig {
  int max_backoff_minutes = 360;  // a failing source is retried at least this often
  int concurrency = 4;            // sources polled at once
};

struct Config {
  std::string path;  // the file it was read from
  CreatorConfig creator;
  StoreConfig store;
  std::vector<FeedConfig> feeds;
  std::vector<MailboxConfig> mailboxes;
  std::vector<InboxConfig> inboxes;
  std::vector<SocialConfig> social;
  ListenerConfig listener;
  WebConfig web;
  FetchConfig fetch;
  DaemonConfig daemon;
  ContactsConfig contacts;
  DigestConfig digest;
  SmtpConfig smtp;
};

// Reads and validates the file. Fails with the first problem (kConfig, or kIo when the file
// cannot be read); check() lists them all.
Result<Config> load(const std::string& path);

// Whether `slug` names a show in a shared database ([store] show): a lowercase letter, then
// lowercase letters, digits and dashes, at most 40 in all.
bool valid_show_slug(std::string_view slug);

// Every problem in the file, in file order; empty when it is valid.
std::vector<Error> check(const std::string& path);
// The same for a file's text, as if read from `path` (relative paths are read from its folder).
std::vector<Error> check_text(std::string_view toml, const std::string& path);

// What `rapport check` reports: every problem of check(), and, when there is none, what will
// fail at run time (a missing Maildir, an unreadable password file: errors) or may (an unset
// environment variable a service may set: warnings).
struct Audit {
  std::vector<Error> errors;
  std::vector<Error> warnings;
};
Audit audit_file(const std::string& path);

// What `rapport init` fills into the starter config.
struct Starter {
  std::string name = "Your Name";
  std::string email = "you@example.org";
  std::string show;
  std::string feed;     // the show's feed URL; empty: the [[feed]] table is commented out
  std::string today;    // YYYY-MM-DD: [digest] start, and IMAP `since` in the comments
  std::string digests;  // where digests are written by default, shown in a comment
};
// The commented starter config `rapport init` writes: it passes `rapport check` and runs as
// it is (no source it cannot read; the digest written to a file until [smtp] is set).
std::string starter_config(const Starter& values);

// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// $XDG_DATA_HOME/rapport (or ~/.local/share/rapport).
std::string default_data_dir();
// Where the config at `config_path` keeps its database and digests by default: the data dir
// for the default config, else a folder of its own named after the config file (after its
// folder when the file is called rapport.toml), so two shows on one machine never share.
std::string default_data_dir_for(const std::string& config_path);
// $XDG_CONFIG_HOME/rapport/rapport.toml (or ~/.config/rapport/rapport.toml).
std::string default_config_path();

}  // namespace rapport::config
