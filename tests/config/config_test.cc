#include "config/config.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>

#include "tests/support/temp_dir.h"

namespace rapport::config {
namespace {

using testing::TempDir;

constexpr const char* kValid = R"(
[creator]
name = "Sam Rivera"
email = "sam@slowgarden.example"

[[feed]]
name = "podcast"
url = "feeds/show.xml"

[[mailbox]]
name = "replies"
kind = "maildir"
path = "Mail/replies"
)";

TEST(Config, LoadsAValidFileWithDefaults) {
  TempDir dir;
  auto path = dir.write("rapport.toml", kValid);
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->creator.name, "Sam Rivera");
  ASSERT_EQ(cfg->feeds.size(), 1u);
  // Relative paths are read from the config file's folder.
  EXPECT_EQ(cfg->feeds[0].url, "file://" + (dir.path() / "feeds/show.xml").string());
  EXPECT_EQ(cfg->feeds[0].timeout_seconds, 30);
  EXPECT_EQ(cfg->feeds[0].max_bytes, 20 * 1024 * 1024);
  EXPECT_EQ(cfg->mailboxes[0].path, (dir.path() / "Mail/replies").string());
  EXPECT_EQ(cfg->digest.to, "sam@slowgarden.example");
  EXPECT_EQ(cfg->digest.max_people, 10);
}

TEST(Config, DefaultsTheDatabaseToXdgDataHomeWithAFolderPerConfig) {
  // A second config's digest of the day overwrote the first one's: each config has its own
  // database, digest folder and lock unless it says otherwise.
  TempDir dir;
  auto standard = dir.write("config/rapport/rapport.toml", kValid);
  auto other = dir.write("shows/slowgarden.toml", kValid);
  auto generic = dir.write("shows/letters/rapport.toml", kValid);
  std::string old_data = std::getenv("XDG_DATA_HOME") ? std::getenv("XDG_DATA_HOME") : "";
  std::string old_config = std::getenv("XDG_CONFIG_HOME") ? std::getenv("XDG_CONFIG_HOME") : "";
  setenv("XDG_DATA_HOME", "/srv/data", 1);
  setenv("XDG_CONFIG_HOME", (dir.path() / "config").c_str(), 1);
  auto a = load(standard.string());
  auto b = load(other.string());
  auto c = load(generic.string());
  auto restore = [](const char* name, const std::string& v) {
    if (v.empty()) {
      unsetenv(name);
    } else {
      setenv(name, v.c_str(), 1);
    }
  };
  restore("XDG_DATA_HOME", old_data);
  restore("XDG_CONFIG_HOME", old_config);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->store.path, "/srv/data/rapport/rapport.db");  // the default config: as before
  EXPECT_EQ(a->digest.output_dir, "/srv/data/rapport/digests");
  EXPECT_EQ(b->store.path, "/srv/data/rapport/slowgarden/rapport.db");
  EXPECT_EQ(b->digest.output_dir, "/srv/data/rapport/slowgarden/digests");
  EXPECT_EQ(c->store.path, "/srv/data/rapport/letters/rapport.db");
}

struct BadCase {
  const char* name;
  const char* toml;
  const char* where;  // "LINE:COL"
  const char* what;   // part of the message
  const char* hint;   // part of the hint
};

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, ReportFileLineColumnAndHint) {
  const BadCase& c = GetParam();
  TempDir dir;
  auto path = dir.write("rapport.toml", c.toml);
  auto cfg = load(path.string());
  ASSERT_FALSE(cfg.ok()) << c.name;
  EXPECT_EQ(cfg.error().code, ErrorCode::kConfig);
  EXPECT_EQ(cfg.error().where, path.string() + ":" + c.where) << cfg.error().to_string();
  EXPECT_NE(cfg.error().what.find(c.what), std::string::npos) << cfg.error().to_string();
  EXPECT_NE(cfg.error().hint.find(c.hint), std::string::npos) << cfg.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrors,
    ::testing::Values(
        BadCase{"typo_suggests_nearest",
                "[creator]\nnmae = \"Sam\"\nname = \"Sam\"\nemail = \"s@x.example\"\n", "2:1",
                "unknown key \"creator.nmae\"", "did you mean \"name\"?"},
        BadCase{"typo_in_table_name",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[digst]\nmax_people = 5\n",
                "4:2", "unknown key \"digst\"", "did you mean \"digest\"?"},
        BadCase{
            "wrong_type",
            "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[digest]\nmax_people = \"ten\"\n",
            "5:14", "digest.max_people must be an integer, not a string", ""},
        BadCase{"string_expected", "[creator]\nname = 42\nemail = \"s@x.example\"\n", "2:8",
                "creator.name must be a string", "double quotes"},
        BadCase{"missing_required_key", "[creator]\nname = \"Sam\"\n", "1:1",
                "missing required key \"creator.email\"", "add email"},
        BadCase{"missing_required_table", "[digest]\nmax_people = 5\n", "1:1",
                "missing required table [creator]", "rapport init"},
        BadCase{"inline_secret",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[feed]]\nname = \"p\"\n"
                "url = \"https://x.example/f\"\npassword = \"hunter2\"\n",
                "7:1", "secrets are never written in the config file", "password_env"},
        BadCase{"both_secret_forms",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[feed]]\nname = \"p\"\n"
                "url = \"https://x.example/f\"\npassword_env = \"P\"\npassword_file = \"/p\"\n",
                "8:17", "not both", ""},
        BadCase{"social_unknown_kind",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"t\"\n"
                "kind = \"tiktok\"\n",
                "6:8", "social.kind \"tiktok\" is not a kind of social source",
                "apple_reviews, youtube, mastodon, bluesky"},
        BadCase{"social_key_of_another_kind",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"yt\"\n"
                "kind = \"youtube\"\nchannel_id = \"UCslowgarden000000000000\"\nkey_env = \"YT_KEY\"\nhandle = \"x\"\n",
                "9:10", "social.handle is not a key of a youtube source", "handle is for bluesky"},
        BadCase{"social_youtube_handle_for_channel_id",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"yt\"\n"
                "kind = \"youtube\"\nchannel_id = \"@TheSlowGarden\"\nkey_env = \"YT_KEY\"\n",
                "7:14", "social.channel_id \"@TheSlowGarden\" is not a YouTube channel id",
                "starts with UC (not the @handle)"},
        BadCase{"social_mastodon_needs_a_token",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"m\"\n"
                "kind = \"mastodon\"\ninstance = \"https://mastodon.social\"\n",
                "4:1", "a mastodon source needs token_env or token_file", "read:notifications"},
        BadCase{"social_apple_show_id_digits",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"a\"\n"
                "kind = \"apple_reviews\"\nshow_id = \"id1500000001\"\n",
                "7:11", "is not an Apple Podcasts id", "digits after /id"},
        BadCase{"social_country_code",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"a\"\n"
                "kind = \"apple_reviews\"\nshow_id = \"15\"\ncountries = [\"us\", \"usa\"]\n",
                "8:20", "\"usa\" is not a two-letter country code", "[\"us\", \"gb\", \"de\"]"},
        BadCase{"social_bluesky_inline_password",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[social]]\nname = \"b\"\n"
                "kind = \"bluesky\"\nhandle = \"x.bsky.social\"\npassword = \"abcd-efgh\"\n",
                "8:1", "secrets are never written in the config file", "password_env"},
        BadCase{"out_of_range",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[digest]\nmax_people = 0\n",
                "5:14", "out of range", "from 1 to 100"},
        BadCase{"bad_email", "[creator]\nname = \"Sam\"\nemail = \"Sam Rivera\"\n", "3:9",
                "not an email address", "bare address"},
        BadCase{"duplicate_source_names",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[feed]]\nname = \"a\"\n"
                "url = \"f.xml\"\n[[mailbox]]\nname = \"a\"\nkind = \"maildir\"\npath = \"m\"\n",
                "8:8", "used by another source", "its own name"},
        BadCase{"unknown_mailbox_kind",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"exchange\"\npath = \"m\"\n",
                "6:8", "not a kind this version reads", "maildir"},
        BadCase{"imap_plaintext_to_a_remote_server",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"imap\"\nhost = \"imap.example.net\"\nusername = \"sam\"\n"
                "password_env = \"P\"\nsecurity = \"none\"\n",
                "10:12", "in the clear to imap.example.net", "starttls"},
        BadCase{"imap_without_credentials",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"imap\"\nhost = \"imap.example.net\"\nusername = \"sam\"\n",
                "4:1", "token_command (XOAUTH2): one of them", "OAuth2"},
        BadCase{"imap_bad_since",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"imap\"\nhost = \"h\"\nusername = \"sam\"\npassword_env = \"P\"\n"
                "since = \"last spring\"\n",
                "10:9", "is not a date", "2026-01-31"},
        BadCase{"pop3_has_no_folders",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"pop3\"\nhost = \"h\"\nusername = \"sam\"\npassword_env = \"P\"\n"
                "folder = \"INBOX\"\n",
                "10:10", "POP3 has no folders", ""},
        BadCase{"mbox_without_path",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[mailbox]]\nname = \"m\"\n"
                "kind = \"mbox\"\n",
                "4:1", "mailbox.path", "mbox file"},
        BadCase{"feed_must_be_array_of_tables",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[feed]\nname = \"a\"\n", "4:1",
                "[[feed]]", ""},
        BadCase{"store_path_and_url",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\npath = \"db\"\n"
                "url = \"postgresql://sam@db.example/shows\"\n",
                "6:7", "not both", "PostgreSQL server"},
        BadCase{"store_url_not_postgresql",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "url = \"mysql://sam@db.example/shows\"\n",
                "5:7", "is not a PostgreSQL URL", "postgresql://USER@HOST"},
        BadCase{"store_url_with_a_password",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "url = \"postgresql://sam:hunter2@db.example/shows\"\n",
                "5:7", "holds a password", "store.password_env"},
        BadCase{"store_url_with_a_password_parameter",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "url = \"postgresql://db.example/shows?user=sam&password=hunter2\"\n",
                "5:7", "holds a password", "store.password_file"},
        BadCase{"store_password_without_url",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "path = \"db\"\npassword_env = \"DB_PASSWORD\"\n",
                "4:1", "for a PostgreSQL store.url", "no password"},
        BadCase{"store_show_on_sqlite",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "path = \"db\"\nshow = \"slowgarden\"\n",
                "6:8", "store.show is for a PostgreSQL store.url", "a file of its own"},
        BadCase{"store_show_not_a_slug",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "url = \"postgresql://sam@db.example/shows\"\nshow = \"The Slow Garden\"\n",
                "6:8", "\"The Slow Garden\" is not a show's slug", "\"long-letters\""},
        BadCase{"store_share_contacts_without_show",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                "url = \"postgresql://sam@db.example/shows\"\nshare_contacts = true\n",
                "6:18", "share_contacts needs store.show", "show = \"slug\""},
        BadCase{"unknown_url_scheme",
                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[[feed]]\nname = \"a\"\n"
                "url = \"gopher://x.example/feed\"\n",
                "6:7", "unknown scheme", "https://"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(Config, AStoreUrlIsAPostgresqlDatabaseWithItsPasswordApart) {
  TempDir dir;
  auto path = dir.write("rapport.toml",
                        "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                        "url = \"postgresql://rapport@db.example:5432/shows?sslmode=verify-full\"\n"
                        "password_env = \"RAPPORT_DB_PASSWORD\"\n");
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_TRUE(cfg->store.postgres());
  EXPECT_EQ(cfg->store.where(), "postgresql://rapport@db.example:5432/shows?sslmode=verify-full");
  EXPECT_EQ(cfg->store.password.env, "RAPPORT_DB_PASSWORD");
  EXPECT_EQ(cfg->store.show, "");
  EXPECT_FALSE(cfg->store.share_contacts);
  auto network = load(dir.write("network.toml",
                                "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n[store]\n"
                                "url = \"postgresql://rapport@db.example/network\"\n"
                                "show = \"long-letters-2\"\nshare_contacts = true\n")
                          .string());
  ASSERT_TRUE(network.ok()) << network.error().to_string();
  EXPECT_EQ(network->store.show, "long-letters-2");
  EXPECT_TRUE(network->store.share_contacts);
  EXPECT_TRUE(config::valid_show_slug("a"));
  EXPECT_FALSE(config::valid_show_slug("2nd-show"));
  EXPECT_FALSE(config::valid_show_slug("slow_garden"));
  EXPECT_FALSE(config::valid_show_slug(std::string(41, 'a')));
  auto lite = load(dir.write("lite.toml", "[creator]\nname = \"Sam\"\nemail = \"s@x.example\"\n"
                                          "[store]\npath = \"db/rapport.db\"\n")
                       .string());
  ASSERT_TRUE(lite.ok());
  EXPECT_FALSE(lite->store.postgres());
  EXPECT_EQ(lite->store.where(), (dir.path() / "db/rapport.db").string());
}

TEST(Config, TheWebInboxLeavesThisMachineOnlyWithAPasswordAndATlsProxy) {
  TempDir dir;
  auto with = [&](const std::string& web) {
    return load(dir.write("rapport.toml", std::string(kValid) + "\n[web]\n" + web).string());
  };
  auto local = with("port = 8788\n");
  ASSERT_TRUE(local.ok()) << local.error().to_string();
  EXPECT_EQ(local->web.address, "127.0.0.1");
  auto open = with("address = \"0.0.0.0\"\n");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().what.find("without a password"), std::string::npos);
  auto plain = with("address = \"0.0.0.0\"\npassword_file = \"web-password\"\n");
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().what.find("without TLS"), std::string::npos);
  auto proxied = with("address = \"0.0.0.0\"\npassword_file = \"web-password\"\n"
                      "trusted_proxy = \"10.0.0.2\"\npublic_url = \"https://inbox.example.org/\"\n");
  ASSERT_TRUE(proxied.ok()) << proxied.error().to_string();
  EXPECT_EQ(proxied->web.password_file, (dir.path() / "web-password").string());
  EXPECT_EQ(proxied->web.public_url, "https://inbox.example.org");
  auto bad_url = with("public_url = \"javascript:alert(1)\"\n");
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.error().what.find("public_url"), std::string::npos);
}

TEST(Config, SyntaxErrorsPointAtTheLine) {
  // The column of a TOML syntax error is toml++'s to choose; the line is ours to check.
  TempDir dir;
  auto path = dir.write("rapport.toml", "[creator]\nname = \"Sam\nemail = \"x\"\n");
  auto cfg = load(path.string());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().where.rfind(path.string() + ":2:", 0), 0u) << cfg.error().where;
  EXPECT_NE(cfg.error().what.find("not valid TOML"), std::string::npos);
}

TEST(Config, CheckListsEveryProblemInFileOrder) {
  TempDir dir;
  auto path = dir.write("rapport.toml",
                        "[creator]\nname = \"Sam\"\nemial = \"s@x.example\"\n[digest]\n"
                        "max_poeple = 3\n");
  auto problems = check(path.string());
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].where, path.string() + ":1:1");  // missing email, at [creator]
  EXPECT_EQ(problems[1].where, path.string() + ":3:1");  // emial
  EXPECT_EQ(problems[1].hint, "did you mean \"email\"?");
  EXPECT_EQ(problems[2].where, path.string() + ":5:1");  // max_poeple
  EXPECT_EQ(problems[2].hint, "did you mean \"max_people\"?");
}

TEST(Config, AnUnreadableFileIsAnIoError) {
  auto cfg = load("/nonexistent/rapport.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().code, ErrorCode::kIo);
  EXPECT_EQ(cfg.error().where, "/nonexistent/rapport.toml");
  EXPECT_NE(cfg.error().hint.find("rapport init"), std::string::npos);
}

TEST(Config, SecretsAreReadFromTheEnvironmentOrAFileAndNeverHeld) {
  TempDir dir;
  dir.write("feed-password", "s3cret-from-file\n");
  auto path =
      dir.write("rapport.toml", std::string(kValid) +
                                    "[[feed]]\nname = \"private\"\nurl = \"https://x.example/f\"\n"
                                    "username = \"sam\"\npassword_env = \"RAPPORT_TEST_FEED_PW\"\n"
                                    "[[feed]]\nname = \"private2\"\nurl = \"https://x.example/g\"\n"
                                    "password_file = \"feed-password\"\n");
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  const Secret& env = cfg->feeds[1].password;
  EXPECT_EQ(env.describe(), "environment variable RAPPORT_TEST_FEED_PW");
  unsetenv("RAPPORT_TEST_FEED_PW");
  auto missing = env.resolve();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().what.find("RAPPORT_TEST_FEED_PW"), std::string::npos);
  setenv("RAPPORT_TEST_FEED_PW", "s3cret-from-env", 1);
  EXPECT_EQ(env.resolve().value(), "s3cret-from-env");
  unsetenv("RAPPORT_TEST_FEED_PW");
  EXPECT_EQ(cfg->feeds[2].password.resolve().value(), "s3cret-from-file");
  EXPECT_EQ(cfg->feeds[2].password.describe(), "file " + (dir.path() / "feed-password").string());
}

TEST(Config, TheStarterConfigAndTheShippedExamplesAreValid) {
  TempDir dir;
  Starter values;
  values.today = "2026-11-29";
  auto starter = dir.write("starter.toml", starter_config(values));
  auto cfg = load(starter.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->creator.email, "you@example.org");
  EXPECT_EQ(cfg->digest.start, 1795910400);  // 2026-11-29
  EXPECT_TRUE(cfg->feeds.empty() && cfg->mailboxes.empty() && !cfg->smtp.enabled);
  // Values that need escaping stay one valid TOML string each.
  values.name = "Sam \"The Gardener\" Rivera\\";
  values.feed = "https://slowgarden.example/feed.xml";
  auto quoted = dir.write("quoted.toml", starter_config(values));
  auto q = load(quoted.string());
  ASSERT_TRUE(q.ok()) << q.error().to_string();
  EXPECT_EQ(q->creator.name, "Sam \"The Gardener\" Rivera\\");
  ASSERT_EQ(q->feeds.size(), 1u);
  EXPECT_EQ(q->feeds[0].url, "https://slowgarden.example/feed.xml");
  for (const char* shipped : {"config/rapport.example.toml", "config/demo.toml"}) {
    auto problems = check(std::string(RAPPORT_SOURCE_DIR) + "/" + shipped);
    EXPECT_TRUE(problems.empty()) << shipped << ": "
                                  << (problems.empty() ? "" : problems[0].to_string());
  }
}

TEST(Config, ReadsTheDigestScheduleAndWeights) {
  TempDir dir;
  auto path = dir.write("rapport.toml", std::string(kValid) +
                                            "[digest]\nat = \"07:45\"\ndays = \"mon-wed,fri\"\n"
                                            "timezone = \"Europe/Berlin\"\nmin_wait_hours = 2\n"
                                            "[digest.weights]\nquestion = 4\nsupporter = 0.5\n");
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->digest.at_minute, 7 * 60 + 45);
  EXPECT_EQ(cfg->digest.days, (std::array<bool, 7>{false, true, true, true, false, true, false}));
  EXPECT_EQ(cfg->digest.timezone, "Europe/Berlin");
  EXPECT_EQ(cfg->digest.min_wait_hours, 2);
  EXPECT_EQ(cfg->digest.weights.at("question"), 4.0);
  EXPECT_EQ(cfg->digest.weights.at("supporter"), 0.5);
  auto bad =
      dir.write("bad.toml", std::string(kValid) +
                                "[digest]\nat = \"8am\"\ndays = \"someday\"\n"
                                "timezone = \"Mars/Olympus\"\n[digest.weights]\nquestoin = 1\n");
  auto problems = check(bad.string());
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_NE(problems[0].what.find("not a time of day"), std::string::npos);
  EXPECT_NE(problems[1].what.find("not a set of days"), std::string::npos);
  EXPECT_NE(problems[2].what.find("not a known time zone"), std::string::npos);
  EXPECT_EQ(problems[3].hint, "did you mean \"question\"?");
}

TEST(Config, ReadsSocialSourcesWithTheirDefaults) {
  TempDir dir;
  auto path = dir.write("rapport.toml", R"(
[creator]
name = "Sam"
email = "sam@slowgarden.example"

[[social]]
name = "reviews"
kind = "apple_reviews"
show_id = "https://podcasts.apple.com/gb/podcast/the-slow-garden/id1500000001?i=1000612345"
countries = ["US", "gb", "us"]

[[social]]
name = "yt"
kind = "youtube"
channel_id = "UCslowgarden000000000000"
key_file = "secrets/youtube-key"

[[social]]
name = "masto"
kind = "mastodon"
instance = "Podcasts.Social"
token_env = "MASTODON_TOKEN"

[[social]]
name = "sky"
kind = "bluesky"
handle = "@slowgarden.bsky.social"
password_env = "BLUESKY_APP_PASSWORD"
api_url = "recorded/bluesky"
interval_minutes = 30
)");
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  ASSERT_EQ(cfg->social.size(), 4u);
  EXPECT_EQ(cfg->social[0].countries, (std::vector<std::string>{"us", "gb"}));
  EXPECT_EQ(cfg->social[0].interval_minutes, 360) << "reviews change slowly: every 6 hours";
  EXPECT_EQ(cfg->social[0].api_url, "") << "the provider's own";
  EXPECT_EQ(cfg->social[0].show_id, "1500000001") << "the show's link pasted whole";
  EXPECT_EQ(cfg->social[1].key.file, (dir.path() / "secrets/youtube-key").string());
  EXPECT_EQ(cfg->social[1].interval_minutes, 60);
  EXPECT_EQ(cfg->social[2].api_url, "https://podcasts.social") << "a server named by its host";
  EXPECT_EQ(cfg->social[2].token.env, "MASTODON_TOKEN");
  EXPECT_EQ(cfg->social[2].interval_minutes, 15);
  EXPECT_EQ(cfg->social[3].handle, "slowgarden.bsky.social");
  EXPECT_EQ(cfg->social[3].api_url, (dir.path() / "recorded/bluesky").string());
  EXPECT_EQ(cfg->social[3].interval_minutes, 30);
  EXPECT_EQ(cfg->social[3].max_pages, 10);
}

TEST(Config, ReadsImapPop3AndMboxMailboxesWithTheirDefaults) {
  TempDir dir;
  auto path = dir.write("rapport.toml", R"(
[creator]
name = "Sam"
email = "sam@slowgarden.example"

[[mailbox]]
name = "gmail"
kind = "imap"
host = "imap.gmail.com"
username = "sam@slowgarden.example"
token_command = "oauth2-token gmail"
folder = "Listeners/Replies"
since = "2026-01-31"

[[mailbox]]
name = "old-pop"
kind = "pop3"
host = "pop.example.net"
security = "starttls"
username = "sam"
password_file = "secrets/pop"
batch_size = 50
max_message_bytes = 1048576

[[mailbox]]
name = "archive"
kind = "mbox"
path = "archive.mbox"
format = "mboxo"
role = "sent"
)");
  auto cfg = load(path.string());
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  ASSERT_EQ(cfg->mailboxes.size(), 3u);
  const MailboxConfig& imap = cfg->mailboxes[0];
  EXPECT_EQ(imap.port, 993);
  EXPECT_EQ(imap.security, "tls");
  EXPECT_EQ(imap.folder, "Listeners/Replies");
  EXPECT_EQ(imap.since, 1769817600);  // 2026-01-31T00:00:00Z
  EXPECT_EQ(imap.token_command, "oauth2-token gmail");
  EXPECT_EQ(imap.batch_size, 200);
  EXPECT_EQ(imap.max_message_bytes, 16 * 1024 * 1024);
  const MailboxConfig& pop = cfg->mailboxes[1];
  EXPECT_EQ(pop.port, 110);
  EXPECT_EQ(pop.password.file, (dir.path() / "secrets/pop").string());
  EXPECT_EQ(pop.batch_size, 50);
  EXPECT_EQ(pop.max_message_bytes, 1048576);
  const MailboxConfig& mbox = cfg->mailboxes[2];
  EXPECT_EQ(mbox.path, (dir.path() / "archive.mbox").string());
  EXPECT_EQ(mbox.format, "mboxo");
  EXPECT_EQ(mbox.role, "sent");
}

TEST(Config, NearestSuggestsOnlyCloseWords) {
  EXPECT_EQ(nearest("mailbx", {"mailbox", "feed", "digest"}), "mailbox");
  EXPECT_EQ(nearest("MAX_PEOPLE", {"max_people", "to"}), "max_people");
  EXPECT_EQ(nearest("colour", {"mailbox", "feed", "digest"}), "");
}

TEST(Config, AQuotedKeyOrValueWithANewlineOrEscapeIsEchoedEscapedOnOneLine) {
  // The raw key went to the terminal: a second line without FILE:LINE:COL, and escapes.
  TempDir dir;
  std::string path = dir.write("rapport.toml",
                               "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
                               "\"na\\nme\\u001b[31m\" = \"x\"\n"
                               "[[mailbox]]\nname = \"m\"\nkind = \"ima\\u001b]0;t\\u0007p\"\n")
                         .string();
  auto errors = check(path);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].where, path + ":4:1");
  EXPECT_EQ(errors[0].what, "unknown key \"creator.na\\nme\\x1b[31m\"");
  EXPECT_EQ(errors[1].what, "mailbox.kind \"ima\\x1b]0;t\\x07p\" is not a kind this version reads");
  for (const auto& e : errors) {
    for (char c : e.to_string()) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << e.to_string();
  }
}

TEST(Config, AFileOverAMegabyteIsRefusedAtOnce) {
  // 16 MB of keys took 10 s and 963 MB to check.
  std::string big = "[creator]\nname = \"S\"\nemail = \"s@x.example\"\n[digest]\n";
  for (int i = 0; big.size() < 2'000'000; ++i) big += "k" + std::to_string(i) + " = 1\n";
  auto errors = check_text(big, "/x/rapport.toml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].what, "the config file is larger than 1 MB (kMaxConfigBytes)");
}

}  // namespace
}  // namespace rapport::config
