#include "store/migrations.h"

#include <array>
#include <string>

namespace rapport {
namespace {

// 1: the data model of DESIGN.md.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  location TEXT NOT NULL DEFAULT '',
  cursor TEXT NOT NULL DEFAULT '',
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  last_warnings TEXT NOT NULL DEFAULT '',
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_due_at INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE episodes (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  guid TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  published_at INTEGER,
  published_text TEXT NOT NULL DEFAULT '',
  episode_number INTEGER,
  season INTEGER,
  duration_seconds INTEGER,
  first_seen_at INTEGER NOT NULL,
  UNIQUE (source_id, guid)
);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  display_name TEXT NOT NULL DEFAULT '',
  display_name_at INTEGER NOT NULL DEFAULT 0,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE contact_tags (
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (contact_id, tag)
);

CREATE TABLE identities (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  first_seen_source_id INTEGER REFERENCES sources(id),
  first_seen_at INTEGER NOT NULL,
  UNIQUE (kind, value)
);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  natural_key TEXT NOT NULL UNIQUE,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  source_ref TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  class TEXT NOT NULL,
  class_reason TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL,
  date_text TEXT NOT NULL DEFAULT '',
  from_name TEXT NOT NULL DEFAULT '',
  from_address TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  in_reply_to TEXT NOT NULL DEFAULT '',
  refs TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL DEFAULT '',
  reply_text TEXT NOT NULL DEFAULT '',
  episode_id INTEGER REFERENCES episodes(id),
  identity_id INTEGER REFERENCES identities(id),
  warnings TEXT NOT NULL DEFAULT '',
  stored_at INTEGER NOT NULL
);

CREATE TABLE merges (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
  from_contact_id INTEGER NOT NULL,
  into_contact_id INTEGER NOT NULL,
  evidence TEXT NOT NULL DEFAULT '',
  moved TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  undone_at INTEGER
);

CREATE TABLE answers (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  answered_at INTEGER NOT NULL,
  how TEXT NOT NULL CHECK (how IN ('sent_folder', 'manual', 'digest_reply')),
  message_ref TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE digests (
  id INTEGER PRIMARY KEY,
  slot TEXT NOT NULL UNIQUE,
  generated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  delivery TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE digest_items (
  digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  message_id INTEGER REFERENCES messages(id),
  score REAL NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (digest_id, position)
);
)sql";

// 2: indexes for the digest's selection and the per-contact timeline.
constexpr std::string_view kDigestIndexes = R"sql(
CREATE INDEX messages_by_identity ON messages (identity_id, received_at);
CREATE INDEX messages_by_episode ON messages (episode_id);
CREATE INDEX identities_by_contact ON identities (contact_id);
CREATE INDEX answers_by_contact ON answers (contact_id, answered_at);
)sql";

// 3: what feed fetching learns about a source, and episodes' comment feeds.
constexpr std::string_view kFeedState = R"sql(
ALTER TABLE sources ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN dead_since INTEGER;
ALTER TABLE episodes ADD COLUMN comments_feed TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN url TEXT NOT NULL DEFAULT '';
)sql";

// 4: what a listener-message channel adds: its details in words (a voicemail's length and
// recording), and a boost's amount as a number, for ranking supporters.
constexpr std::string_view kMessageDetails = R"sql(
ALTER TABLE messages ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN amount_sats INTEGER;
)sql";

// 5: the daemon's schedule: when each source is polled next.
constexpr std::string_view kPollSchedule = R"sql(
ALTER TABLE sources ADD COLUMN next_poll_at INTEGER;
)sql";

// 6: snoozing a person until a time.
constexpr std::string_view kSnooze = R"sql(
ALTER TABLE contacts ADD COLUMN snoozed_until INTEGER;
)sql";

// 7: the creator's sent mail, one row per recipient address: an answer to whoever that
// address belongs to, whenever they become known (the order sources are read in never matters).
constexpr std::string_view kSentMail = R"sql(
CREATE TABLE sent_mail (
  natural_key TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  source_id INTEGER REFERENCES sources(id),
  PRIMARY KEY (natural_key, recipient)
);
CREATE INDEX sent_mail_by_recipient ON sent_mail (recipient, sent_at);
)sql";

// 8: commands the creator sent by replying to a digest, and where they were confirmed.
constexpr std::string_view kDigestCommands = R"sql(
CREATE TABLE digest_commands (
  id INTEGER PRIMARY KEY,
  reply_key TEXT NOT NULL,
  line TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  confirmed_slot TEXT,
  UNIQUE (reply_key, line)
);
)sql";

// 9: the creator's sent newsletters, by Message-ID, and the episode or issue each one is;
// a reply that answers one (In-Reply-To, References) is linked to that episode.
constexpr std::string_view kNewsletters = R"sql(
CREATE TABLE newsletters (
  message_id TEXT PRIMARY KEY,
  episode_id INTEGER NOT NULL REFERENCES episodes(id),
  sent_at INTEGER NOT NULL,
  source_id INTEGER REFERENCES sources(id)
);
CREATE INDEX newsletters_by_episode ON newsletters (episode_id);
)sql";

// 10: covering indexes for choosing the digest: a person's human messages and their boosts
// are found without reading message rows (which hold the whole text).
constexpr std::string_view kDigestCovering = R"sql(
CREATE INDEX messages_human ON messages (identity_id, received_at, id) WHERE class = 'human';
CREATE INDEX messages_boosts ON messages (identity_id, amount_sats) WHERE amount_sats IS NOT NULL;
)sql";

// 11: what ranking needs from a person's newest message (how long their words are, whether
// they asked something) kept beside it in the digest's covering index, so choosing the digest
// reads no message rows; only the people listed have their message read.
constexpr std::string_view kRankSignals = R"sql(
ALTER TABLE messages ADD COLUMN reply_chars INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN asks_question INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET reply_chars = length(CAST(reply_text AS BLOB)),
                    asks_question = instr(reply_text, '?') > 0;
DROP INDEX messages_human;
CREATE INDEX messages_human ON messages
  (identity_id, received_at, id, episode_id, reply_chars, asks_question) WHERE class = 'human';
)sql";

// 12: one index of messages by person instead of three. Every index on messages is written at
// random places (by person, by episode), and three of them made a large import write twice as
// many pages; this one covers the digest, the counts and the summary.
constexpr std::string_view kOneMessageIndex = R"sql(
DROP INDEX messages_by_identity;
DROP INDEX messages_by_episode;
DROP INDEX messages_human;
CREATE INDEX messages_by_identity ON messages
  (identity_id, class, received_at, episode_id, reply_chars, asks_question);
)sql";

// 13: contacts that were merged stay, pointing at the contact they joined, so a merge can be
// undone; each message keeps the sender's name as shown, so an undone merge recomputes each
// contact's name exactly.
constexpr std::string_view kMergeable = R"sql(
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);
ALTER TABLE messages ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE messages SET display_name = from_name WHERE identity_id IS NOT NULL;
CREATE INDEX merges_by_contact ON merges (from_contact_id, into_contact_id);
)sql";

// 14: Gmail addresses in their normal form (Gmail ignores dots and +tags; googlemail.com is
// gmail.com), as the pipeline now writes them, so a person known before keeps their history.
// An address whose normal form is already another identity is left as it was (OR IGNORE):
// the two stay apart and `rapport contacts suggest` shows them.
constexpr std::string_view kGmailIdentities = R"sql(
UPDATE OR IGNORE identities SET value =
  replace(CASE WHEN instr(substr(value, 1, instr(value, '@') - 1), '+') > 1
               THEN substr(value, 1, instr(value, '+') - 1)
               ELSE substr(value, 1, instr(value, '@') - 1) END, '.', '') || '@gmail.com'
 WHERE kind = 'email' AND (value LIKE '%@gmail.com' OR value LIKE '%@googlemail.com');
UPDATE OR IGNORE sent_mail SET recipient =
  replace(CASE WHEN instr(substr(recipient, 1, instr(recipient, '@') - 1), '+') > 1
               THEN substr(recipient, 1, instr(recipient, '+') - 1)
               ELSE substr(recipient, 1, instr(recipient, '@') - 1) END, '.', '') || '@gmail.com'
 WHERE recipient LIKE '%@gmail.com' OR recipient LIKE '%@googlemail.com';
)sql";

// 21: +tags dropped at the providers that deliver them to the same mailbox (Outlook, Hotmail,
// Live and MSN; iCloud; Fastmail; Proton; Hey; Zoho), as the pipeline now reads them. As for
// Gmail (14), an address whose normal form is already another identity is left apart for
// `rapport contacts suggest`.
constexpr std::string_view kPlusTagProviders = R"sql(
CREATE TEMP TABLE plus_tag_domains (pattern TEXT NOT NULL);
INSERT INTO plus_tag_domains VALUES
  ('msn.com'), ('windowslive.com'), ('icloud.com'), ('me.com'), ('mac.com'),
  ('messagingengine.com'), ('proton.me'), ('protonmail.com'), ('protonmail.ch'), ('pm.me'),
  ('hey.com'), ('zoho.com'), ('zohomail.com'), ('zoho.eu'), ('zohomail.eu'), ('zoho.in'),
  ('zohomail.in'), ('outlook.%'), ('hotmail.%'), ('live.%'), ('fastmail.%');
UPDATE OR IGNORE identities
   SET value = substr(value, 1, instr(value, '+') - 1) || substr(value, instr(value, '@'))
 WHERE kind = 'email' AND instr(value, '+') > 1 AND instr(value, '+') < instr(value, '@')
   AND EXISTS (SELECT 1 FROM plus_tag_domains
                WHERE substr(value, instr(value, '@') + 1) LIKE pattern
                  AND length(substr(value, instr(value, '@') + 1)) <= length(pattern) + 5);
UPDATE OR IGNORE sent_mail
   SET recipient = substr(recipient, 1, instr(recipient, '+') - 1) ||
                   substr(recipient, instr(recipient, '@'))
 WHERE instr(recipient, '+') > 1 AND instr(recipient, '+') < instr(recipient, '@')
   AND EXISTS (SELECT 1 FROM plus_tag_domains
                WHERE substr(recipient, instr(recipient, '@') + 1) LIKE pattern
                  AND length(substr(recipient, instr(recipient, '@') + 1)) <= length(pattern) + 5);
DROP TABLE plus_tag_domains;
)sql";

// 22: a message's attachments by name, type and size (one line each), for `message show`.
constexpr std::string_view kAttachments = R"sql(
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
)sql";

// 15: the contacts merged into each one, found fast (a split is checked across chains).
constexpr std::string_view kMergedIndex = R"sql(
CREATE INDEX contacts_by_merged_into ON contacts (merged_into) WHERE merged_into IS NOT NULL;
)sql";

// 16: a read under way, so a read the process never finished (a crash) is seen next time.
constexpr std::string_view kReadingSince = R"sql(
ALTER TABLE sources ADD COLUMN reading_since INTEGER;
)sql";

// 17: how each person last wrote each identity of theirs (shown everywhere; the normal form is
// for matching); each name folded for accent- and case-free lookup (filled by the store, which
// also folds the names already stored when it opens); tags compared without case.
constexpr std::string_view kWrittenAndFolded = R"sql(
ALTER TABLE identities ADD COLUMN written TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0;
UPDATE identities SET (written, written_at) =
  (SELECT m.from_address, m.received_at FROM messages m
    WHERE m.identity_id = identities.id AND m.from_address <> ''
    ORDER BY m.received_at DESC LIMIT 1)
 WHERE kind = 'email'
   AND EXISTS (SELECT 1 FROM messages m WHERE m.identity_id = identities.id
                AND m.from_address <> '');
ALTER TABLE contacts ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_by_folded_name ON contacts (name_folded) WHERE merged_into IS NULL;
INSERT OR IGNORE INTO contact_tags (contact_id, tag) SELECT contact_id, lower(tag) FROM contact_tags;
DELETE FROM contact_tags WHERE tag <> lower(tag);
)sql";

// 18: notes one row each, so each can be edited or removed. The notes a contact already has
// are moved over by the store when it opens (one per line, "YYYY-MM-DD text").
constexpr std::string_view kNoteRows = R"sql(
CREATE TABLE contact_notes (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  edited_at INTEGER
);
CREATE INDEX contact_notes_by_contact ON contact_notes (contact_id);
)sql";

// 19: sources that are no longer in the config (retired: kept with their messages, shown by
// `rapport sources` only), and those the creator told Rapport to forget.
constexpr std::string_view kRetiredSources = R"sql(
ALTER TABLE sources ADD COLUMN retired_at INTEGER;
ALTER TABLE sources ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0;
)sql";

// 20: the episode a listener message names (a guid, a URL, a number), kept so a message that
// arrived before its episode is linked once the episode does; messages not yet linked, found
// fast.
constexpr std::string_view kEpisodeRefs = R"sql(
ALTER TABLE messages ADD COLUMN episode_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_unlinked ON messages (received_at) WHERE episode_id IS NULL;
)sql";

// 23: the words people wrote, searchable (the web inbox's search): their own words and the
// subject of each message, accents and case aside. Messages are written once and never
// changed, so the index is brought up to date in bulk by the store (SqlStore::search
// indexes what arrived since `indexed_to` first, in chunks): an ingest does not pay for it
// message by message (doing so by trigger doubled the time of a 100,000-message first read),
// and an existing database is indexed at its first search. The quoted history is left out:
// it is mostly the creator's own words, and larger than the reply. A later migration that
// rewrites reply_text must set indexed_to to 0 and empty the index ('delete-all'). The people
// who answered an episode, found without reading every message.
constexpr std::string_view kMessageSearch = R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(
  subject, reply_text, content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE search_index (indexed_to INTEGER NOT NULL);
INSERT INTO search_index (indexed_to) VALUES (0);
CREATE INDEX messages_by_episode ON messages (episode_id, identity_id)
  WHERE episode_id IS NOT NULL;
)sql";

// 24: each digest's text as it was sent, for the web inbox's list of past digests.
constexpr std::string_view kDigestText = R"sql(
ALTER TABLE digests ADD COLUMN text TEXT NOT NULL DEFAULT '';
)sql";

// 25: a lease on each source's read (the process reading it, and until when unless it renews
// it), so two processes never read one source at once, and a crashed machine's lease runs out.
constexpr std::string_view kSourceLeases = R"sql(
ALTER TABLE sources ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN lease_until INTEGER;
)sql";

// 26: the social sources: a review's stars, and the root post of an episode's social thread
// (podcast:socialInteract), whose replies are read.
constexpr std::string_view kSocial = R"sql(
ALTER TABLE messages ADD COLUMN rating INTEGER;
ALTER TABLE episodes ADD COLUMN social_thread TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::array<std::string_view, 26> kMigrations = {
    kInitialSchema, kDigestIndexes,   kFeedState,      kMessageDetails,  kPollSchedule,
    kSnooze,        kSentMail,        kDigestCommands, kNewsletters,     kDigestCovering,
    kRankSignals,   kOneMessageIndex, kMergeable,      kGmailIdentities, kMergedIndex,
    kReadingSince,  kWrittenAndFolded, kNoteRows, kRetiredSources, kEpisodeRefs,
    kPlusTagProviders, kAttachments, kMessageSearch, kDigestText, kSourceLeases,
    kSocial};

Result<int> user_version(db::Database& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return static_cast<int>(stmt->int64(0));
}

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

// Every slot of kMigrations holds a migration: a slot left empty would be applied as nothing.
static_assert([] {
  for (std::string_view m : kMigrations) {
    if (m.empty()) return false;
  }
  return true;
}());

Result<int> migrate_to(db::Database& db, int target) {
  auto current = user_version(db);
  if (!current) return current.error();
  int version = *current;
  if (version > static_cast<int>(kMigrations.size())) {
    return make_error(ErrorCode::kDatabase,
                      "database schema version " + std::to_string(version) +
                          " is newer than this rapport knows (" +
                          std::to_string(kMigrations.size()) + ")",
                      db.path(), "use a newer rapport with this database");
  }
  while (version < target) {
    auto tx = db::Transaction::begin(db);
    if (!tx) return tx.error();
    if (auto s = db.exec(kMigrations[static_cast<size_t>(version)]); !s) {
      Error e = s.error();
      e.what = "migration " + std::to_string(version + 1) + " failed: " + e.what;
      return e;
    }
    if (auto s = db.exec("PRAGMA user_version = " + std::to_string(version + 1)); !s) {
      return s.error();
    }
    if (auto s = tx->commit(); !s) return s.error();
    ++version;
  }
  return version;
}

Result<int> migrate(db::Database& db) {
  return migrate_to(db, static_cast<int>(kMigrations.size()));
}

}  // namespace rapport
