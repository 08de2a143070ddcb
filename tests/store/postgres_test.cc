// The PostgreSQL backend of store/db.h against a real PostgreSQL 15 on 127.0.0.1.
#include "store/postgres.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>
#include <vector>

#include "core/text.h"
#include "store/migrations.h"
#include "store/postgres_schema.h"
#include "store/sql_store.h"
#include "store/sqlite.h"
#include "tests/support/postgres_server.h"

namespace rapport {
namespace {

using testing::PostgresTestServer;

TEST(PostgresTranslate, NumberedParametersAndInsertOrIgnore) {
  EXPECT_EQ(postgres::translate("SELECT id FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT id FROM t WHERE a = $1 AND b = $12");
  EXPECT_EQ(postgres::translate("UPDATE t SET a = ? WHERE b = ?"),
            "UPDATE t SET a = $1 WHERE b = $2");
  // A question mark in a string or a quoted name is text, not a parameter.
  EXPECT_EQ(postgres::translate("SELECT '?1 it''s ?', \"a?\" FROM t WHERE x = ?1"),
            "SELECT '?1 it''s ?', \"a?\" FROM t WHERE x = $1");
  EXPECT_EQ(postgres::translate("INSERT OR IGNORE INTO tags (a, b) VALUES (?1, ?2)"),
            "INSERT INTO tags (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING");
  EXPECT_EQ(postgres::translate("  insert or ignore into tags (a) SELECT tag FROM x;"),
            "  INSERT into tags (a) SELECT tag FROM x ON CONFLICT DO NOTHING");
  EXPECT_EQ(postgres::translate("INSERT OR IGNORE INTO t (a) VALUES (?1) RETURNING id"),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id");
  // A column called "returning_at" is not the clause.
  EXPECT_EQ(postgres::translate("INSERT OR IGNORE INTO t (returning_at) VALUES (?1)"),
            "INSERT INTO t (returning_at) VALUES ($1) ON CONFLICT DO NOTHING");
  EXPECT_EQ(postgres::translate("INSERT INTO t (a) VALUES (?1)"), "INSERT INTO t (a) VALUES ($1)");
  EXPECT_EQ(postgres::translate("SELECT group_concat(a || char(31) || b, char(10)), charge FROM t"),
            "SELECT group_concat(a || chr(31) || b, chr(10)), charge FROM t");
  // SQLite lets a subquery in FROM go unnamed; PostgreSQL 15 wants a name.
  EXPECT_EQ(postgres::translate("SELECT MAX(id) FROM (SELECT id FROM m LIMIT ?2)"),
            "SELECT MAX(id) FROM (SELECT id FROM m LIMIT $2) AS derived1");
  EXPECT_EQ(postgres::translate("SELECT a FROM (SELECT 1 AS a UNION ALL SELECT 2) GROUP BY a"),
            "SELECT a FROM (SELECT 1 AS a UNION ALL SELECT 2) AS derived1 GROUP BY a");
  EXPECT_EQ(postgres::translate("SELECT x FROM t LEFT JOIN (SELECT y FROM u) a ON a.y = t.x "
                                "WHERE t.x IN (SELECT z FROM (SELECT z FROM v))"),
            "SELECT x FROM t LEFT JOIN (SELECT y FROM u) a ON a.y = t.x "
            "WHERE t.x IN (SELECT z FROM (SELECT z FROM v) AS derived1)");
}

TEST(PostgresRedacted, TheUrlWithoutItsPassword) {
  EXPECT_EQ(postgres::redacted("postgresql://sam:s3cret@db.example:5432/shows"),
            "postgresql://sam@db.example:5432/shows");
  EXPECT_EQ(postgres::redacted("postgresql://sam@db.example/shows?password=s3cret&sslmode=require"),
            "postgresql://sam@db.example/shows?sslmode=require");
  EXPECT_EQ(postgres::redacted("postgresql://db.example/shows?sslmode=require&password=s3cret"),
            "postgresql://db.example/shows?sslmode=require");
  EXPECT_EQ(postgres::redacted("postgresql://sam@[::1]:5432/shows"),
            "postgresql://sam@[::1]:5432/shows");
}

class PostgresBackend : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ready()) << server.why_not_ready(); }
  Result<db::Database> connect(const std::string& url_suffix = "") {
    postgres::ConnectOptions o;
    o.url = server.url() + url_suffix;
    o.password = PostgresTestServer::password();
    return postgres::open(o);
  }
  PostgresTestServer server;
};

TEST_F(PostgresBackend, RunsTheStoresSqlWithTypedParametersAndReadsEveryColumnKind) {
  auto db = connect();
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  EXPECT_EQ(db->backend(), db::Backend::kPostgres);
  ASSERT_TRUE(db->exec("CREATE TABLE people (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                       "seen_at BIGINT, score DOUBLE PRECISION, note TEXT)")
                  .ok());

  auto insert = db->prepare(
      "INSERT INTO people (name, seen_at, score, note) VALUES (?1, ?2, ?3, ?4) RETURNING id");
  ASSERT_TRUE(insert.ok()) << insert.error().to_string();
  insert->bind(1, "Lucía Fernández").bind(2, std::int64_t{1795600000}).bind(3, 2.5).bind(4, "hola");
  auto lucia = insert->insert_id();
  ASSERT_TRUE(lucia.ok()) << lucia.error().to_string();
  // The same statement again, this time with nulls: prepared for that signature too.
  insert->bind(1, "Marcus Okafor").bind_null(2).bind_null(3).bind_null(4);
  auto marcus = insert->insert_id();
  ASSERT_TRUE(marcus.ok()) << marcus.error().to_string();
  EXPECT_EQ(*marcus, *lucia + 1);

  // A name met again is left alone, and nothing is counted as changed.
  auto ignore = db->prepare("INSERT OR IGNORE INTO people (name) VALUES (?1)");
  ASSERT_TRUE(ignore.ok());
  ignore->bind(1, "Marcus Okafor");
  ASSERT_TRUE(ignore->run().ok());
  EXPECT_EQ(db->changes(), 0);
  ignore->bind(1, "Grace Kim");
  ASSERT_TRUE(ignore->run().ok());
  EXPECT_EQ(db->changes(), 1);

  auto read =
      db->prepare("SELECT id, name, seen_at, score, note, seen_at IS NULL FROM people ORDER BY id");
  ASSERT_TRUE(read.ok());
  auto row = read->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(read->int64(0), *lucia);
  EXPECT_EQ(read->text(1), "Lucía Fernández");
  EXPECT_EQ(read->optional_int64(2), 1795600000);
  EXPECT_DOUBLE_EQ(read->real(3), 2.5);
  EXPECT_EQ(read->text(4), "hola");
  EXPECT_EQ(read->int64(5), 0);  // a boolean reads as 0 or 1
  row = read->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(read->text(1), "Marcus Okafor");
  EXPECT_FALSE(read->optional_int64(2).has_value());
  EXPECT_TRUE(read->is_null(4));
  EXPECT_EQ(read->int64(5), 1);
  row = read->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(read->text(1), "Grace Kim");
  row = read->step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);

  auto update = db->prepare("UPDATE people SET note = ?2 WHERE id <> ?1");
  ASSERT_TRUE(update.ok());
  update->bind(1, *lucia).bind(2, "answered");
  ASSERT_TRUE(update->run().ok());
  EXPECT_EQ(db->changes(), 2);
}

TEST_F(PostgresBackend, TextPostgresWouldRefuseIsKeptWithTheBadBytesMarked) {
  auto db = connect();
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  ASSERT_TRUE(db->exec("CREATE TABLE notes (body TEXT)").ok());
  auto insert = db->prepare("INSERT INTO notes (body) VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  // Latin-1 "Frösche" in a body that said UTF-8, and a NUL: SQLite would keep the bytes;
  // PostgreSQL refuses them, so they become U+FFFD and the rest is stored.
  insert->bind(1, std::string_view("Fr\xF6sche and a \0NUL", 18));
  ASSERT_TRUE(insert->run().ok());
  EXPECT_EQ(server.psql("SELECT body FROM notes"), "Fr\xEF\xBF\xBDsche and a \xEF\xBF\xBDNUL");
}

TEST_F(PostgresBackend, AFailedStatementSaysWhatAndTheTransactionRollsBack) {
  auto db = connect();
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  {
    auto tx = db::Transaction::begin(*db);
    ASSERT_TRUE(tx.ok());
    auto insert = db->prepare("INSERT INTO t (k) VALUES (?1)");
    ASSERT_TRUE(insert.ok());
    insert->bind(1, "a");
    ASSERT_TRUE(insert->run().ok());
    insert->bind(1, "a");
    auto again = insert->run();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kDatabase);
    EXPECT_NE(again.error().what.find("duplicate key"), std::string::npos) << again.error().what;
    // One line, the server's DETAIL after a "; ".
    EXPECT_EQ(again.error().what.find('\n'), std::string::npos) << again.error().what;
    EXPECT_NE(again.error().what.find("; DETAIL:  Key (k)=(a) already exists."), std::string::npos)
        << again.error().what;
    EXPECT_EQ(again.error().where, server.url());
  }  // not committed: rolled back
  EXPECT_EQ(server.psql("SELECT count(*) FROM t"), "0");
  auto bad = db->prepare("SELECT nope FROM t WHERE k = ?1");
  ASSERT_TRUE(bad.ok());  // prepared on the server when first run
  bad->bind(1, "a");
  auto row = bad->step();
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().what.find("column \"nope\" does not exist"), std::string::npos);
}

TEST_F(PostgresBackend, AWrongPasswordIsNamedAndNeverShown) {
  postgres::ConnectOptions o;
  o.url = server.url();
  o.password = "not-the-password-9";
  auto db = postgres::open(o);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().what.find("password authentication failed"), std::string::npos)
      << db.error().to_string();
  EXPECT_NE(db.error().hint.find("password_env"), std::string::npos);
  EXPECT_EQ(db.error().to_string().find("not-the-password-9"), std::string::npos);

  // A password written in the URL is never shown either.
  o.url =
      "postgresql://rapport:in-the-url-3@127.0.0.1:" + std::to_string(server.port()) + "/postgres";
  o.password.clear();
  db = postgres::open(o);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().to_string().find("in-the-url-3"), std::string::npos)
      << db.error().to_string();
  EXPECT_NE(db.error().where.find("rapport@127.0.0.1"), std::string::npos);
}

TEST_F(PostgresBackend, VerifiesTheServersCertificateWhenAsked) {
  auto verified = connect("?sslmode=verify-full&sslrootcert=" + server.ca_file());
  ASSERT_TRUE(verified.ok()) << verified.error().to_string();
  auto tls = verified->prepare("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(tls.ok());
  auto row = tls->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(tls->int64(0), 1);

  // Without the authority that signed it, the certificate is not trusted.
  auto refused = connect("?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().hint.find("sslrootcert"), std::string::npos)
      << refused.error().to_string();
}

TEST_F(PostgresBackend, ALostServerIsAnErrorToRetryAndTheNextStatementConnectsAgain) {
  auto db = connect();
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  ASSERT_TRUE(db->exec("CREATE TABLE shows (name TEXT PRIMARY KEY)").ok());
  auto insert = db->prepare("INSERT INTO shows (name) VALUES (?1)");
  ASSERT_TRUE(insert.ok());
  insert->bind(1, "The Slow Garden");
  ASSERT_TRUE(insert->run().ok());
  // The test's server does not wait for the disk on commit: written down before it dies.
  server.psql("CHECKPOINT");
  server.kill_now();
  auto s = db->exec("SELECT 1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().retry, Retry::kYes);
  EXPECT_NE(s.error().hint.find("connection"), std::string::npos) << s.error().to_string();
  // While it is down, each attempt fails the same way, and nothing hangs.
  insert->bind(1, "Long Letters");
  auto down = insert->run();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().retry, Retry::kYes);

  // Back: the same Database and the same prepared statement work again (a daemon's
  // long-lived connections outlive a restart of the server).
  ASSERT_TRUE(server.restart()) << server.why_not_ready();
  insert->bind(1, "Long Letters");
  auto again = insert->run();
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(server.psql("SELECT string_agg(name, ',' ORDER BY name) FROM shows"),
            "Long Letters,The Slow Garden");
}

// Every row of a query, columns joined by '|', rows by '\n'.
std::string rows(db::Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  if (!st) return "ERROR " + st.error().to_string();
  std::string out;
  for (;;) {
    auto row = st->step();
    if (!row) return "ERROR " + row.error().to_string();
    if (!*row) break;
    if (!out.empty()) out += '\n';
    for (int i = 0; i < st->column_count(); ++i) out += (i ? "|" : "") + st->text(i);
  }
  return out;
}

TEST_F(PostgresBackend, MigratesToTheSchemaSqliteHasAtTheSameVersion) {
  auto pg = connect();
  ASSERT_TRUE(pg.ok()) << pg.error().to_string();
  auto version = postgres::migrate(*pg);
  ASSERT_TRUE(version.ok()) << version.error().to_string();
  auto lite = sqlite::open(":memory:");
  ASSERT_TRUE(lite.ok());
  auto lite_version = migrate(*lite);
  ASSERT_TRUE(lite_version.ok());
  // Numbered like SQLite's: a migration added to one backend only fails here.
  EXPECT_EQ(*version, *lite_version);
  EXPECT_EQ(postgres::migrations().back().version, static_cast<int>(migrations().size()));

  // The same tables with the same columns in the same order, and the same indexes.
  std::string tables = rows(*lite,
                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                            "LIKE 'messages_fts%' ORDER BY name");
  ASSERT_NE(tables.find("messages"), std::string::npos);
  for (const std::string& table : split_lines(tables)) {
    std::string lite_columns = rows(*lite,
                                    "SELECT group_concat(name, ',') FROM "
                                    "(SELECT name FROM pragma_table_info('" +
                                        table + "') ORDER BY cid) AS c");
    std::string pg_columns =
        rows(*pg,
             "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
             "information_schema.columns WHERE table_schema = 'public' AND table_name = '" +
                 table + "'");
    EXPECT_EQ(pg_columns, lite_columns) << table;
  }
  std::string lite_indexes = rows(*lite,
                                  "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                                  "sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                  "ORDER BY name)");
  std::string pg_indexes = rows(*pg,
                                "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM "
                                "pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE "
                                "'%_pkey' AND indexname NOT LIKE '%_key' AND indexname NOT LIKE "
                                "'messages_fts%'");
  EXPECT_EQ(pg_indexes, lite_indexes);
  // A message's texts are compressed with lz4, which costs the server less than pglz.
  EXPECT_EQ(server.psql("SELECT string_agg(attname || '=' || attcompression::text, ',' ORDER BY "
                        "attname) FROM pg_attribute WHERE attrelid = 'messages'::regclass AND "
                        "attname IN ('body_text', 'reply_text')"),
            "body_text=l,reply_text=l");

  // Run again: nothing to do.
  auto again = postgres::migrate(*pg);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, *version);
  EXPECT_EQ(server.psql("SELECT count(*) FROM rapport_schema"), "1");
}

TEST_F(PostgresBackend, AUserWhoMayNotCreateTablesOpensADatabaseAlreadyMigrated) {
  auto owner = connect();
  ASSERT_TRUE(owner.ok()) << owner.error().to_string();
  ASSERT_TRUE(postgres::migrate(*owner).ok());
  // A role that reads and writes the show's rows but may not change the schema (PostgreSQL 15
  // gives no CREATE in the public schema to those who do not own the database).
  server.psql("CREATE ROLE show_daemon LOGIN PASSWORD 'daemon-pass-5'; "
              "REVOKE CREATE ON SCHEMA public FROM PUBLIC; "
              "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO show_daemon; "
              "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO show_daemon");
  postgres::ConnectOptions o;
  o.url = "postgresql://show_daemon@127.0.0.1:" + std::to_string(server.port()) + "/postgres";
  o.password = "daemon-pass-5";
  auto store = SqlStore::open_postgres(o);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto src = (*store)->source("feed", "show", "https://slowgarden.example/feed", 1795600000);
  EXPECT_TRUE(src.ok()) << src.error().to_string();
}

TEST_F(PostgresBackend, DaemonsStartingAtOnceMigrateOnce) {
  constexpr int kDaemons = 4;
  std::vector<std::string> outcomes(kDaemons);
  std::vector<std::thread> daemons;
  for (int i = 0; i < kDaemons; ++i) {
    daemons.emplace_back([&, i] {
      auto db = connect();
      if (!db) {
        outcomes[static_cast<size_t>(i)] = db.error().to_string();
        return;
      }
      auto v = postgres::migrate(*db);
      outcomes[static_cast<size_t>(i)] = v ? std::to_string(*v) : v.error().to_string();
    });
  }
  for (auto& t : daemons) t.join();
  const std::string newest = std::to_string(postgres::migrations().back().version);
  for (const std::string& o : outcomes) EXPECT_EQ(o, newest);
  EXPECT_EQ(server.psql("SELECT version FROM rapport_schema"), newest);
  EXPECT_EQ(server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'messages'"), "1");
}

TEST_F(PostgresBackend, ADatabaseFromANewerRapportIsLeftAlone) {
  auto db = connect();
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  ASSERT_TRUE(postgres::migrate(*db).ok());
  server.psql("UPDATE rapport_schema SET version = 99");
  auto v = postgres::migrate(*db);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().what.find("schema version 99 is newer"), std::string::npos)
      << v.error().to_string();
  EXPECT_EQ(server.psql("SELECT version FROM rapport_schema"), "99");
}

TEST_F(PostgresBackend, SqliteFunctionsTheStoreCallsMeanTheSameOnBoth) {
  auto pg = connect();
  ASSERT_TRUE(pg.ok()) << pg.error().to_string();
  ASSERT_TRUE(postgres::migrate(*pg).ok());
  auto lite = sqlite::open(":memory:");
  ASSERT_TRUE(lite.ok());
  ASSERT_TRUE(migrate(*lite).ok());
  for (db::Database* d : {&*pg, &*lite}) {
    ASSERT_TRUE(d->exec("INSERT INTO contacts (display_name, first_seen_at, last_seen_at, "
                        "created_at) VALUES ('Lucía', 1795600000, 1795700000, 1795600000)")
                    .ok());
    ASSERT_TRUE(d->exec("INSERT INTO contact_tags (contact_id, tag) VALUES (1, 'patron'), "
                        "(1, 'supporter')")
                    .ok());
  }
  const char* queries[] = {
      "SELECT instr('lucia.fernandez@gmail.com', 'fern'), instr('abc', 'z'), instr('', '')",
      "SELECT MIN(first_seen_at, 1795650000), MAX(last_seen_at, 1795650000), "
      "MAX(first_seen_at, NULL) IS NULL FROM contacts",
      "SELECT group_concat(tag, ',') FROM (SELECT tag FROM contact_tags ORDER BY tag) AS t",
      "SELECT strftime('%Y-%m-%d', created_at, 'unixepoch') || ' ' || "
      "strftime('%H:%M:%S', 1795600001, 'unixepoch') FROM contacts",
      "SELECT count(*) FROM contact_tags WHERE tag NOT IN (SELECT value FROM "
      "json_each('[\"patron\",\"x\"]'))",
      "SELECT display_name FROM contacts WHERE name_folded = '' AND merged_into IS NULL",
  };
  for (const char* q : queries) EXPECT_EQ(rows(*pg, q), rows(*lite, q)) << q;
  EXPECT_EQ(rows(*pg, queries[0]), "7|0|1");
}

// Two writers on one database — two shows' daemons, or a daemon's poller and its listener —
// storing the same new people at the same moment: every message is kept once, every person
// once, and neither writer fails.
TEST_F(PostgresBackend, ConcurrentWritersOfTheSamePeopleNeitherFailNorDuplicate) {
  postgres::ConnectOptions o;
  o.url = server.url();
  o.password = PostgresTestServer::password();
  auto first = SqlStore::open_postgres(o);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  auto second = SqlStore::open_postgres(o);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  constexpr int kPeople = 60;
  auto writer = [&](SqlStore& store, const std::string& source, std::string* failure) {
    auto src = store.source("form", source, source, 1795600000);
    if (!src) {
      *failure = src.error().to_string();
      return;
    }
    for (int n = 0; n < kPeople; ++n) {
      Message m;
      m.natural_key = source + ":" + std::to_string(n);
      m.kind = MessageKind::kForm;
      m.received_at = 1795600000 + n;
      m.display_name = "Listener " + std::to_string(n);
      m.identity = {"email", "listener" + std::to_string(n) + "@example.org"};
      m.text = m.reply_text = "Hello from " + source;
      Batch b;
      b.messages.push_back(m);
      b.cursor = std::to_string(n);
      auto r = store.commit_batch(src->id, b, 1795600000 + n);
      if (!r) {
        *failure = r.error().to_string();
        return;
      }
    }
  };
  std::string failed_a, failed_b;
  std::thread a([&] { writer(**first, "show-a-form", &failed_a); });
  std::thread b([&] { writer(**second, "show-b-form", &failed_b); });
  a.join();
  b.join();
  EXPECT_EQ(failed_a, "");
  EXPECT_EQ(failed_b, "");
  EXPECT_EQ(server.psql("SELECT count(*) FROM messages"), std::to_string(2 * kPeople));
  EXPECT_EQ(server.psql("SELECT count(*) FROM identities"), std::to_string(kPeople));
  EXPECT_EQ(server.psql("SELECT count(*) FROM contacts"), std::to_string(kPeople));
  // Each person's two messages are theirs.
  EXPECT_EQ(server.psql("SELECT count(*) FROM (SELECT identity_id FROM messages GROUP BY "
                        "identity_id HAVING count(*) = 2) AS two"),
            std::to_string(kPeople));
}

// A first read of a large mailbox is queried at once (the digest): PostgreSQL has statistics
// of the new rows by then, so it does not plan the digest's query for empty tables.
TEST_F(PostgresBackend, AFirstLargeReadLeavesStatisticsForTheDigestsQuery) {
  postgres::ConnectOptions o;
  o.url = server.url();
  o.password = PostgresTestServer::password();
  auto store = SqlStore::open_postgres(o);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto src = (*store)->source("mbox", "replies", "replies.mbox", 1795600000);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(server.psql("SELECT last_analyze IS NULL FROM pg_stat_user_tables "
                        "WHERE relname = 'messages'"),
            "t");
  Batch b;
  for (int n = 0; n < 1200; ++n) {
    Message m;
    m.natural_key = "mid:" + std::to_string(n) + "@mail.example";
    m.kind = MessageKind::kEmail;
    m.received_at = 1795600000 + n;
    m.identity = {"email", "reader" + std::to_string(n % 700) + "@example.org"};
    m.text = m.reply_text = "Loved the episode about seed saving.";
    b.messages.push_back(m);
  }
  b.cursor = "1200";
  ASSERT_TRUE((*store)->commit_batch(src->id, b, 1795600000).ok());
  EXPECT_EQ(server.psql("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                        "WHERE relname = 'messages'"),
            "t");
  EXPECT_EQ(server.psql("SELECT reltuples FROM pg_class WHERE relname = 'messages'"), "1200");
}

}  // namespace
}  // namespace rapport
