// FromConfig: the pieces the commands and the daemon build from the config alike.
#pragma once

#include <memory>
#include <vector>

#include "app/listener.h"
#include "config/config.h"
#include "core/result.h"
#include "ingest/feed/http_client.h"
#include "ingest/inbound/inbound.h"
#include "ingest/source.h"
#include "notify/mailer.h"
#include "pipeline/run_once.h"
#include "store/sql_store.h"
#include "web/one_tap.h"

namespace rapport::app {

// The store the config names: its SQLite file ([store] path), or its PostgreSQL database
// ([store] url, the password read now). Migrated to the current schema. Fails with
// kDatabase, kIo or kConfig (a password that cannot be read).
Result<std::unique_ptr<SqlStore>> open_store(const config::StoreConfig& store);
// How to reach the PostgreSQL database of [store] url, the password read now (kConfig when it
// cannot be).
Result<postgres::ConnectOptions> connect_options(const config::StoreConfig& store);

// How the digest is delivered: SMTP when [smtp] is set, else an .eml file. Resolves the SMTP
// password now (fails with kConfig when it cannot be read).
Result<std::unique_ptr<notify::Mailer>> make_mailer(const config::Config& cfg);

// The adapter settings of an [[inbox]].
ingest::Inbox inbox_of(const config::InboxConfig& inbox);

// A configured source and how often it is polled.
struct ScheduledSource {
  std::shared_ptr<ingest::Source> source;
  pipeline::PollPolicy policy;
};

// Every configured feed, mailbox and file inbox. `http` and `clock` must outlive them. Fails
// (kConfig, naming the source) when a secret cannot be read.
Result<std::vector<ScheduledSource>> make_sources(const config::Config& cfg,
                                                  ingest::HttpClient& http, const Clock& clock);

// The inboxes the listener serves (generic, voicemail, boostagram, form), secrets read.
Result<std::vector<ServedInbox>> served_inboxes(const config::Config& cfg);

// [contacts]: when two spellings are one identity.
pipeline::IdentityRules identity_rules(const config::Config& cfg);

// What the digest needs from [creator] and [digest], with one-tap links when [web] has a
// public_url (a missing key is made; one that cannot be is logged, and the links left out).
pipeline::DigestSettings digest_settings(const config::Config& cfg);

// The signer of one-tap links, its key kept beside the database (web-links.key).
Result<std::unique_ptr<web::TapSigner>> tap_signer(const config::Config& cfg);
// The host[:port] of [web] public_url, lower case ("" when none).
std::string public_host(const config::Config& cfg);

}  // namespace rapport::app
