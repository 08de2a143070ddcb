// End to end: the built `rapport` binary, run the way a user runs it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/text.h"
#include "tests/support/http_post.h"
#include "web/login.h"
#include "tests/support/postgres_server.h"
#include "tests/support/smtp_server.h"
#include "tests/support/temp_dir.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the binary with `args` (already shell-safe), capturing stdout and stderr.
// The bundled demo's mail arrived in late November 2026; a run on a copy of it (copy_demo) takes
// the next morning as now, as scripts/demo.sh does, so its digest reads the same on any day.
constexpr char kDemoMorning[] = "RAPPORT_NOW=2026-11-30T08:00:00Z";

Outcome rapport(const TempDir& dir, const std::string& args, const std::string& env = "") {
  fs::path out = dir.path() / "stdout.txt";
  fs::path err = dir.path() / "stderr.txt";
  const bool demo = fs::exists(dir.path() / "config/demo.toml");
  std::string cmd = (demo ? std::string(kDemoMorning) + " " : std::string()) + env + " " +
                    std::string(RAPPORT_BINARY) + " " + args + " >" + out.string() +
                    " 2>" + err.string() + " </dev/null";
  int rc = std::system(cmd.c_str());
  Outcome r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::int64_t query(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::int64_t v = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

// A copy of the bundled demo in a temporary folder: config/demo.toml and config/demo/.
fs::path copy_demo(const TempDir& dir) {
  fs::path src = fs::path(RAPPORT_SOURCE_DIR) / "config";
  fs::create_directories(dir.path() / "config");
  fs::copy_file(src / "demo.toml", dir.path() / "config/demo.toml");
  fs::copy(src / "demo", dir.path() / "config/demo", fs::copy_options::recursive);
  // A maildir is read in the order of its files' times: the copies keep the originals', so
  // two copies made across a second's edge read (and number) the mail alike.
  for (const auto& e : fs::recursive_directory_iterator(src / "demo")) {
    fs::path copy = dir.path() / "config/demo" / fs::relative(e.path(), src / "demo");
    if (e.is_regular_file()) fs::last_write_time(copy, fs::last_write_time(e.path()));
  }
  return dir.path() / "config/demo.toml";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RapportBinary, AFeedOfAQuarterMillionUnclosedItemsNeverStopsTheRunOrTheDigest) {
  // Once `rapport run` crashed on such a feed before recording anything, and every later run
  // crashed the same way: no digest ever again.
  TempDir dir;
  fs::path config = copy_demo(dir);
  std::string hostile = "<rss><channel><title>Broken</title>";
  for (int i = 0; i < 260000; ++i) hostile += "<item>";
  {
    std::ofstream(dir.path() / "config/demo/hostile.xml") << hostile;
    std::ofstream(config, std::ios::app)
        << "\n[[feed]]\nname = \"hostile\"\nurl = \"demo/hostile.xml\"\n";
  }
  for (int pass = 0; pass < 2; ++pass) {
    Outcome run = rapport(dir, "run --all --config " + config.string());
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "Good morning, Sam.")) << run.out;
    EXPECT_TRUE(contains(run.err, "hostile (feed):")) << run.err;
  }
  fs::path db = dir.path() / "state/demo.db";
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM sources WHERE reading_since IS NOT NULL"), 0);
  EXPECT_EQ(query(db,
                  "SELECT COUNT(*) FROM episodes WHERE source_id = "
                  "(SELECT id FROM sources WHERE name = 'hostile')"),
            1)
      << "items without a guid, link or title are one item by their hash";
  EXPECT_EQ(query(db,
                  "SELECT instr(last_warnings, 'kMaxItems') > 0 FROM sources "
                  "WHERE name = 'hostile'"),
            1);
}

TEST(RapportBinary, RunsTheDemoThenAddsNothingTheSecondTime) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  Outcome first = rapport(dir, "run --config " + config.string());
  ASSERT_EQ(first.status, 0) << first.err;
  // The digest, printed: newest relationships first, machines left out.
  EXPECT_TRUE(contains(first.out, "Good morning, Sam. 10 people to answer personally today."))
      << first.out;
  EXPECT_TRUE(contains(first.out, "The Slow Garden · "));
  EXPECT_TRUE(contains(first.out, "1. Lucía Fernández <lucia.fernandez@gmail.com>"));
  // Marcus asked in his first message and wrote twice more: the question still counts.
  EXPECT_TRUE(contains(first.out, "2. Marcus Okafor <marcus.okafor@gmail.com>\n"
                                  "   3rd message, never answered · asked a question"));
  EXPECT_TRUE(contains(first.out, "Lucía Fernández <lucia.fernandez@gmail.com>"));
  EXPECT_TRUE(contains(first.out, "3rd message, never answered · asked a question · waiting"));
  EXPECT_TRUE(contains(first.out, "replied to Ep. 9: Saving Seed for Beginners"));
  // What she asked, past her "Hola Sam,".
  EXPECT_TRUE(contains(first.out, "   “Guardé semillas de judías este verano gracias a tu episodio. A "
                                  "question in English: do you know if seeds saved from a plant that "
                                  "had rust (the orange spots) will carry the disease?”\n"));
  EXPECT_TRUE(contains(first.out, "   2nd message: “Sam, quick one: when you say you"));
  EXPECT_TRUE(contains(
      first.out, "24 people are waiting in all; these are the 10 most worth answering today."));
  EXPECT_TRUE(contains(first.out, "43 messages from 25 people so far; 2 automatic"));
  EXPECT_FALSE(contains(first.out, "Klaus Becker"));  // only an out-of-office
  EXPECT_FALSE(contains(first.out, "MAILER-DAEMON"));
  EXPECT_FALSE(contains(first.out, "> Half the lawn"));  // quoted text is not their words
  EXPECT_TRUE(contains(first.err, "podcast (feed): 10 new episodes")) << first.err;
  EXPECT_TRUE(
      contains(first.err,
               "replies (maildir): 30 new messages (28 from people, 2 automatic), 16 new people"));

  fs::path db = dir.path() / "state/demo.db";
  fs::path eml = dir.path() / "state/digests/digest-2026-11-30.eml";  // the demo's morning
  ASSERT_TRUE(fs::exists(eml)) << first.err;
  std::string email = read_file(eml);
  EXPECT_TRUE(contains(email, "Subject: Rapport: 10 people to answer today\r\n"));
  EXPECT_TRUE(contains(email, "Content-Type: multipart/alternative;"));
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM episodes"), 10);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages"), 43);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE class = 'human'"), 41);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE kind = 'form'"), 5);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE class = 'auto_reply'"), 1);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE class = 'bounce'"), 1);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE episode_id IS NOT NULL"), 36);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM contacts"), 25);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM identities"), 25);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests WHERE delivered_at IS NOT NULL"), 1);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digest_items"), 10);

  Outcome second = rapport(dir, "run --json --config " + config.string());
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_TRUE(
      contains(second.out, "\"episodes_added\":0,\"episodes_updated\":0,\"messages_added\":0"));
  EXPECT_FALSE(contains(second.out, "\"messages_added\":1"));
  EXPECT_TRUE(
      contains(second.out,
               "\"counts\":{\"episodes\":10,\"messages\":43,\"human_messages\":41,\"people\":25"));
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages"), 43);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM contacts"), 25);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM episodes"), 10);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests"), 1);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digest_items"), 10);
}

TEST(RapportBinary, AFailingSourceIsReportedAndTheRestStillRuns) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  fs::remove(dir.path() / "config/demo/feed.xml");
  Outcome r = rapport(dir, "run --config " + config.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "podcast (feed) failed: file://")) << r.err;
  EXPECT_TRUE(contains(r.err, "replies (maildir): 30 new messages"));
  EXPECT_TRUE(contains(r.out, "Good morning, Sam."));
  Outcome status = rapport(dir, "status --json --config " + config.string());
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "\"name\":\"podcast\",\"kind\":\"feed\"")) << status.out;
  EXPECT_TRUE(contains(status.out, "\"consecutive_failures\":1"));
  EXPECT_TRUE(contains(status.out, "\"last_success\":null"));
}

TEST(RapportBinary, CheckReportsConfigErrorsWithLineColumnAndHint) {
  TempDir dir;
  fs::path config =
      dir.write("rapport.toml",
                "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n\n[[mailbox]]\n"
                "name = \"replies\"\nknd = \"maildir\"\npath = \"Maildir\"\n");
  Outcome r = rapport(dir, "check --config " + config.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(
      contains(r.err, "rapport: " + config.string() +
                          ":7:1: unknown key \"mailbox.knd\" (hint: did you mean \"kind\"?)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, config.string() + ":5:1: missing required key \"mailbox.kind\""));
  Outcome run = rapport(dir, "run --config " + config.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_TRUE(r.out.empty());
  Outcome unreadable = rapport(dir, "check --config " + (dir.path() / "missing.toml").string());
  EXPECT_EQ(unreadable.status, 2);
  EXPECT_TRUE(contains(unreadable.err, "cannot read the config file"));
}

TEST(RapportBinary, NeverPrintsASecret) {
  TempDir dir;
  fs::path config =
      dir.write("rapport.toml",
                "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n[store]\npath = \"db\"\n"
                "[[feed]]\nname = \"private\"\nurl = \"http://127.0.0.1:9/feed\"\n"
                "username = \"sam\"\npassword_env = \"RAPPORT_E2E_PW\"\n"
                "[digest]\noutput_dir = \"out\"\n");
  Outcome r =
      rapport(dir, "run --config " + config.string(), "RAPPORT_E2E_PW=correct-horse-battery");
  EXPECT_EQ(r.status, 1);  // nothing listens on port 9
  EXPECT_FALSE(contains(r.out + r.err, "correct-horse-battery"));
  EXPECT_EQ(query(dir.path() / "db",
                  "SELECT COUNT(*) FROM sources WHERE last_error LIKE '%correct-horse%'"),
            0);
  Outcome unset = rapport(dir, "run --config " + config.string(), "env -u RAPPORT_E2E_PW");
  EXPECT_EQ(unset.status, 2);
  EXPECT_TRUE(contains(unset.err, "environment variable RAPPORT_E2E_PW is not set")) << unset.err;
}

TEST(RapportBinary, InitWritesAStarterThatPassesCheckAndRunsAndRefusesToOverwrite) {
  // The starter used to be the full example: an IMAP server, a Maildir and exports that do
  // not exist, so `check` passed and the first `run` failed.
  TempDir dir;
  fs::path path = dir.path() / "conf" / "rapport.toml";
  std::string env = "XDG_DATA_HOME=" + (dir.path() / "data").string();
  Outcome init = rapport(dir,
                         "init --name 'Sam Rivera' --email sam@slowgarden.example "
                         "--show 'The Slow Garden' --config " + path.string(),
                         env);
  ASSERT_EQ(init.status, 0) << init.err;
  std::string text = read_file(path);
  EXPECT_TRUE(contains(text, "name = \"Sam Rivera\"\nemail = \"sam@slowgarden.example\""));
  EXPECT_TRUE(contains(text, "start = \"" + local_date(std::time(nullptr)) + "\""));
  EXPECT_TRUE(contains(text, "#   [smtp]")) << "not set up yet: commented out";
  EXPECT_TRUE(contains(text, "#   [[mailbox]]"));
  Outcome check = rapport(dir, "check --config " + path.string(), env);
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_TRUE(check.err.empty()) << "no warning either: " << check.err;
  EXPECT_TRUE(contains(check.out, ": ok (0 feeds, 0 mailboxes, 0 inboxes;")) << check.out;
  Outcome run = rapport(dir, "run --all --config " + path.string(), env);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(contains(run.out, "Good morning, Sam.")) << run.out;
  // Its own folder: a second show on this machine would have another.
  fs::path eml = dir.path() / "data/rapport/conf/digests" /
                 ("digest-" + local_date(std::time(nullptr)) + ".eml");
  EXPECT_TRUE(fs::exists(eml)) << run.err;
  EXPECT_TRUE(fs::exists(dir.path() / "data/rapport/conf/rapport.db"));

  Outcome again = rapport(dir, "init --config " + path.string(), env);
  EXPECT_EQ(again.status, 2);
  EXPECT_TRUE(contains(again.err, "--force"));
  Outcome forced = rapport(dir, "init --force --config " + path.string(), env);
  EXPECT_EQ(forced.status, 0);
  Outcome bad = rapport(dir, "init --force --email nobody --config " + path.string(), env);
  EXPECT_EQ(bad.status, 2) << "init refuses to write what check would refuse";
  EXPECT_TRUE(contains(bad.err, "is not an email address")) << bad.err;
}

TEST(RapportBinary, CheckCatchesWhatWouldFailAtRunTimeWithLineColumnAndHint) {
  TempDir dir;
  dir.write("a-folder/.keep", "");
  fs::path config = dir.write(
      "rapport.toml",
      "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
      "[[mailbox]]\nname = \"replies\"\nkind = \"maildir\"\npath = \"Mail\"\n"
      "[[mailbox]]\nname = \"archive\"\nkind = \"mbox\"\npath = \"archive.mbox\"\n"
      "[[inbox]]\nname = \"drops\"\nkind = \"csv\"\ndrop_folder = \"drop\"\n"
      "[smtp]\nhost = \"smtp.x.example\"\nusername = \"sam\"\n"
      "password_file = \"smtp-password\"\nca_file = \"a-folder\"\n"
      "[[feed]]\nname = \"show\"\nurl = \"https://x.example/feed\"\nusername = \"sam\"\n"
      "password_env = \"RAPPORT_TEST_UNSET_VARIABLE\"\n");
  std::string f = config.string();
  const std::string unset = "env -u RAPPORT_TEST_UNSET_VARIABLE";
  Outcome r = rapport(dir, "check --config " + f, unset);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(contains(r.err, f + ":7:8: mailbox.path: no such folder: " +
                                  (dir.path() / "Mail").string() +
                                  " (hint: the Maildir folder is the one that holds new/ and cur/)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, f + ":11:8: mailbox.path: no such file: " +
                                  (dir.path() / "archive.mbox").string()));
  EXPECT_TRUE(contains(r.err, f + ":15:15: inbox.drop_folder: no such folder: "));
  EXPECT_TRUE(contains(r.err, "(hint: create it (mkdir -p "));
  EXPECT_TRUE(contains(r.err, f + ":19:17: smtp.password_file: no such file: "));
  EXPECT_TRUE(contains(r.err, f + ":20:11: smtp.ca_file: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "is a folder, not a file"));
  // An unset variable may be set by the service later: a warning, not an error.
  EXPECT_TRUE(contains(r.err, "rapport: warning: " + f +
                                  ":25:16: feed.password_env: the environment variable "
                                  "RAPPORT_TEST_UNSET_VARIABLE is not set here"))
      << r.err;
  // Fixed: only the warning is left, and check passes (exit 0).
  dir.write("Mail/cur/.keep", "");
  dir.write("Mail/new/.keep", "");
  dir.write("archive.mbox", "");
  dir.write("drop/.keep", "");
  dir.write("smtp-password", "hunter2\n");
  std::string fixed = read_file(config);
  std::string ca = "ca_file = \"a-folder\"\n";
  fixed.replace(fixed.find(ca), ca.size(), "");
  dir.write("rapport.toml", fixed);
  Outcome ok = rapport(dir, "check --config " + f, unset);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(contains(ok.out, "; 1 warning")) << ok.out;
  Outcome json = rapport(dir, "check --json --config " + f, unset);
  EXPECT_TRUE(contains(json.out, "\"valid\":true,\"problems\":[],\"warnings\":[{")) << json.out;
  Outcome set = rapport(dir, "check --config " + f, "RAPPORT_TEST_UNSET_VARIABLE=x");
  EXPECT_EQ(set.status, 0);
  EXPECT_TRUE(set.err.empty()) << set.err;
}

TEST(RapportBinary, InspectFeedPrintsTheStableJson) {
  TempDir dir;
  std::string feed = std::string(RAPPORT_SOURCE_DIR) + "/config/demo/feed.xml";
  Outcome json = rapport(dir, "inspect feed " + feed + " --json");
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(
      json.out.rfind("{\"format\":\"rss\",\"feed\":{\"title\":\"The Slow Garden\","
                     "\"link\":\"https://slowgarden.example/\",\"language\":\"en-gb\","
                     "\"author\":\"Sam Rivera\","
                     "\"image\":\"https://slowgarden.example/art/cover-3000.jpg\"},\"items\":[",
                     0),
      0u)
      << json.out;
  EXPECT_TRUE(contains(json.out,
                       "{\"guid\":\"slowgarden-ep-010\",\"title\":\"Ep. 10: Letting the Meadow "
                       "Decide\",\"link\":\"https://slowgarden.example/episodes/"
                       "10-letting-the-meadow-decide\",\"published\":\"2026-11-17T06:00:00Z\","
                       "\"updated\":null,\"author\":null,\"enclosure\":{\"url\":\"https://"
                       "media.slowgarden.example/ep010.mp3\",\"type\":\"audio/mpeg\",\"length\":"
                       "41876112},\"episode\":10,\"season\":1,\"duration_seconds\":2617,"
                       "\"comments_feed\":null}"))
      << json.out;
  EXPECT_TRUE(contains(json.out, "],\"warnings\":[]}\n"));
  Outcome text = rapport(dir, "inspect feed " + feed);
  ASSERT_EQ(text.status, 0);
  EXPECT_TRUE(contains(text.out, "10 items"));
  EXPECT_TRUE(contains(text.out, "published 2026-11-17T06:00:00Z · episode 10 · season 1 · 43:37"));
  Outcome missing = rapport(dir, "inspect feed " + (dir.path() / "nope.xml").string());
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.err, "nope.xml")) << missing.err;
  Outcome usage = rapport(dir, "inspect mailbox x");
  EXPECT_EQ(usage.status, 2);
}

// A feed over the 20 MB default (a show with 3,000 episodes and full notes) is read when asked
// with --max-bytes, as a [[feed]] with that max_bytes reads it; the refusal says how.
TEST(RapportBinary, InspectFeedReadsAFeedOverTheDefaultLimitWithMaxBytes) {
  TempDir dir;
  std::string items;
  const std::string notes(7000, 'n');
  for (int i = 1; i <= 3000; ++i) {
    items += "<item><title>Episode " + std::to_string(i) + "</title><guid>ep-" +
             std::to_string(i) + "</guid><description>" + notes + "</description></item>\n";
  }
  fs::path feed = dir.write("big.xml", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                                       "<title>The Long Show</title>" + items +
                                       "</channel></rss>\n");
  ASSERT_GT(fs::file_size(feed), 20u * 1024 * 1024);
  Outcome refused = rapport(dir, "inspect feed " + feed.string());
  EXPECT_EQ(refused.status, 1);
  EXPECT_TRUE(contains(refused.err, "larger than the limit of 20971520 bytes")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "hint: read it with --max-bytes N")) << refused.err;
  Outcome read = rapport(dir, "inspect feed " + feed.string() + " --max-bytes 31457280 --json");
  ASSERT_EQ(read.status, 0) << read.err;
  EXPECT_TRUE(contains(read.out, "{\"guid\":\"ep-3000\",\"title\":\"Episode 3000\"")) << read.err;
  EXPECT_TRUE(contains(read.out, "],\"warnings\":[]}\n"));
  Outcome small = rapport(dir, "inspect feed " + feed.string() + " --max-bytes 1048576");
  EXPECT_EQ(small.status, 1);
  EXPECT_TRUE(contains(small.err, "larger than the limit of 1048576 bytes")) << small.err;
  for (const char* bad : {"12x", "-5", "100", "99999999999"}) {
    Outcome wrong = rapport(dir, "inspect feed " + feed.string() + " --max-bytes " + bad);
    EXPECT_EQ(wrong.status, 2) << bad;
    EXPECT_TRUE(contains(wrong.err, "is not a number of bytes from 1024")) << wrong.err;
  }
}

TEST(RapportBinary, InspectMailShowsWhatIsReadFromAMessageOrAnMbox) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  fs::path maildir = dir.path() / "config/demo/Maildir/cur";
  fs::path lucia = maildir / "1762956000.M7P12.mail:2,S";
  fs::path klaus = maildir / "1763359270.M1P7711.mail:2,S";
  fs::path bounce = maildir / "1763359320.M20P5.mail:2,S";

  // Without a database nothing is matched to an episode; the rest is all there.
  Outcome alone =
      rapport(dir, "inspect mail --json --config /nonexistent.toml '" + lucia.string() + "'");
  ASSERT_EQ(alone.status, 0) << alone.err;
  EXPECT_EQ(alone.out.rfind("{\"from\":{\"name\":\"Lucía Fernández\",\"address\":"
                            "\"lucia.fernandez@gmail.com\"},\"to\":[{\"name\":\"Sam Rivera\","
                            "\"address\":\"sam@slowgarden.example\"}],\"subject\":\"Re: Ep. 9: "
                            "Saving Seed for Beginners\",\"message_id\":"
                            "\"CAKs9tR2vY5w+Ab3Cd5Ef7Gh9Ij1Kl3Mn@mail.gmail.com\",\"in_reply_to\":"
                            "\"ep009.newsletter@slowgarden.example\",",
                            0),
            0u)
      << alone.out;
  EXPECT_TRUE(contains(alone.out,
                       "\"date\":\"2026-11-12T14:00:00Z\",\"class\":\"human\","
                       "\"class_reason\":null,"));
  EXPECT_TRUE(contains(alone.out, "\"reply_text\":\"Hola Sam,\\n\\nGuardé semillas"));
  EXPECT_TRUE(contains(alone.out, "\"episode\":null,\"attachments\":[],\"warnings\":[]}\n"));

  // With the demo's database the episode is found.
  ASSERT_EQ(rapport(dir, "run --config " + config.string()).status, 0);
  Outcome matched =
      rapport(dir, "inspect mail --json --config " + config.string() + " '" + lucia.string() + "'");
  ASSERT_EQ(matched.status, 0) << matched.err;
  EXPECT_TRUE(contains(matched.out,
                       "\"episode\":{\"guid\":\"slowgarden-ep-009\",\"title\":"
                       "\"Ep. 9: Saving Seed for Beginners\"}"))
      << matched.out;

  // An mbox of three: one JSON object per line, in file order.
  std::string mbox;
  for (const fs::path& p : {lucia, klaus, bounce}) {
    mbox += "From sender@example.org Tue Nov 17 06:00:00 2026\n" + read_file(p) + "\n";
  }
  fs::path file = dir.write("three.mbox", mbox);
  Outcome lines = rapport(dir, "inspect mail --json --config /nonexistent.toml " + file.string());
  ASSERT_EQ(lines.status, 0) << lines.err;
  EXPECT_EQ(std::count(lines.out.begin(), lines.out.end(), '\n'), 3) << lines.out;
  EXPECT_TRUE(contains(lines.out,
                       "\"class\":\"auto_reply\",\"class_reason\":\"Auto-Submitted: "
                       "auto-replied\""));
  EXPECT_TRUE(contains(lines.out,
                       "\"class\":\"bounce\",\"class_reason\":\"a delivery status "
                       "report (multipart/report); failed address "));
  Outcome text = rapport(dir, "inspect mail --config /nonexistent.toml '" + klaus.string() + "'");
  ASSERT_EQ(text.status, 0);
  EXPECT_TRUE(contains(text.out, "class:       auto_reply (Auto-Submitted: auto-replied)\n"));
  EXPECT_TRUE(contains(text.out, "from:        Klaus Becker <klaus.becker@gmx.de>\n"));

  Outcome missing = rapport(dir, "inspect mail " + (dir.path() / "nope.eml").string());
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.err, "nope.eml: cannot be read")) << missing.err;
}

TEST(RapportBinary, ContactsListShowSuggestMergeUnmergeTagNoteExport) {
  TempDir dir;
  fs::path config = dir.write("rapport.toml",
                              "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
                              "[store]\npath = \"db\"\n[digest]\noutput_dir = \"out\"\n"
                              "[contacts]\ndefault_country = \"GB\"\n"
                              "[[inbox]]\nname = \"site\"\nkind = \"jsonl\"\n");
  fs::path jsonl = dir.write(
      "export.jsonl",
      R"J({"id":"1","name":"Priya Raman","email":"priya@raman-studio.example","text":"Loved ep 3"}
{"id":"2","name":"Priya Raman","email":"Priya.Raman@gmail.com","text":"From my other address"}
{"id":"6","name":"Tomás","email":"tomas@ruiz.example","text":"First, by email"}
{"id":"3","name":"Tomás Ruiz","phone":"07700 900123","text":"Call me back?"}
{"id":"4","name":"Tomás Ruiz","email":"tomas@ruiz.example","phone":"+44 7700 900123","handle":{"platform":"instagram","value":"@TomasGrows"},"text":"Everything at once"}
{"id":"5","name":"=HYPERLINK(\"http://evil.example\")","email":"eve@example.org","text":"hi"}
)J");
  auto run = [&](const std::string& args) {
    return rapport(dir, "contacts " + args + " --config " + config.string());
  };
  ASSERT_EQ(rapport(dir, "import " + jsonl.string() + " --source site --config " + config.string())
                .status,
            0);
  Outcome list = run("list --json");
  ASSERT_EQ(list.status, 0) << list.err;
  // Priya twice, Tomás once (his email, his phone and the form with both are one person), Eve.
  size_t people = 0;
  for (size_t at = 0; (at = list.out.find("\"sources\"", at)) != std::string::npos; ++at) ++people;
  EXPECT_EQ(people, 4u) << list.out;

  // Tomás: the phone-only message and the form with everything are one person, by a merge.
  Outcome tomas = run("show 07700900123 --json");
  ASSERT_EQ(tomas.status, 0) << tomas.err;
  // As written, with the normal form matching uses.
  EXPECT_TRUE(contains(tomas.out,
                       "{\"kind\":\"phone\",\"value\":\"+44 7700 900123\",\"normal\":\"+447700900123\"}"))
      << tomas.out;
  EXPECT_TRUE(contains(tomas.out, "{\"kind\":\"handle\",\"value\":\"instagram:tomasgrows\""));
  EXPECT_TRUE(contains(tomas.out, "\"kind\":\"merge\""));
  EXPECT_TRUE(contains(tomas.out, "is from both email tomas@ruiz.example and phone +447700900123"));
  EXPECT_TRUE(contains(tomas.out, "\"messages\":3"));

  // Priya: suggested, never merged on its own; merged by hand, then undone.
  Outcome suggest = run("suggest");
  ASSERT_EQ(suggest.status, 0) << suggest.err;
  EXPECT_TRUE(contains(suggest.out, "the same name, \"priya raman\", a rare name here (on 2 contacts)"))
      << suggest.out;
  EXPECT_TRUE(contains(suggest.out, "a work address spelt from the name, priya@raman-studio.example"));
  EXPECT_TRUE(contains(suggest.out, "1 suggestion scored 0.80 or more\n"));
  // The threshold and the limit are the creator's to move; a bad one is refused.
  EXPECT_TRUE(contains(run("suggest --min-score 1").out,
                       "0 suggestions scored 1.00 or more; 1 weaker one not shown"));
  EXPECT_TRUE(contains(run("suggest --limit 0").out, "1 suggestion scored 0.80 or more\n"));
  Outcome bad = run("suggest --min-score high");
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "--min-score \"high\" is not a score from 0 to 1")) << bad.err;
  Outcome merge = run("merge priya.raman@gmail.com priya@raman-studio.example");
  ASSERT_EQ(merge.status, 0) << merge.err;
  EXPECT_TRUE(contains(merge.out, "merged contact ")) << merge.out;
  EXPECT_TRUE(contains(run("list").out, "3 people\n"));
  EXPECT_TRUE(contains(run("suggest").out, "0 suggestions scored 0.80 or more\n"));
  std::string merge_id = merge.out.substr(merge.out.find("(merge ") + 7);
  merge_id = merge_id.substr(0, merge_id.find(';'));
  Outcome unmerge = run("unmerge " + merge_id);
  ASSERT_EQ(unmerge.status, 0) << unmerge.err;
  EXPECT_TRUE(contains(run("list").out, "4 people\n"));
  EXPECT_TRUE(contains(run("suggest").out, "0 suggestions scored 0.80 or more\n"));  // the creator said: two people
  EXPECT_EQ(run("unmerge " + merge_id).status, 2);               // once only

  ASSERT_EQ(run("tag tomas@ruiz.example supporter").status, 0);
  Outcome noted = run("note tomas@ruiz.example 'Sent him seeds' --json");
  ASSERT_EQ(noted.status, 0);
  EXPECT_TRUE(contains(noted.out, "\"added\":true")) << noted.out;
  Outcome supporters = run("list --tag supporter");
  EXPECT_TRUE(contains(supporters.out, "Tomás Ruiz")) << supporters.out;
  EXPECT_TRUE(contains(supporters.out, "1 person\n"));
  EXPECT_TRUE(contains(run("show tomas@ruiz.example").out, " Sent him seeds\n"));

  Outcome csv = run("export --format csv");
  ASSERT_EQ(csv.status, 0);
  EXPECT_EQ(csv.out.rfind("id,name,emails,phones,handles,websites,first_seen,last_seen,messages,"
                          "waiting,tags,notes\r\n",
                          0),
            0u);
  EXPECT_TRUE(contains(csv.out, "\"'=HYPERLINK(\"\"http://evil.example\"\")\""))
      << csv.out;  // a formula made inert
  EXPECT_TRUE(contains(csv.out, "\"+44 7700 900123\""));  // as the person wrote it
  Outcome vcard = run("export --format vcard");
  EXPECT_EQ(std::count(vcard.out.begin(), vcard.out.end(), 'B'), 4) << vcard.out;  // BEGIN:VCARD x4
  EXPECT_TRUE(contains(vcard.out,
                       "FN:Tomás Ruiz\r\nEMAIL:tomas@ruiz.example\r\n"
                       "TEL;VALUE=uri:tel:+447700900123\r\n"));
  EXPECT_TRUE(contains(vcard.out, "CATEGORIES:supporter\r\n"));
  EXPECT_EQ(run("show nobody@example.org").status, 2);
}

TEST(RapportBinary, ImportsACsvReportingBadRowsAndAddsNothingTheSecondTime) {
  TempDir dir;
  fs::path config = dir.write("rapport.toml",
                              "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
                              "[store]\npath = \"db\"\n[digest]\noutput_dir = \"out\"\n"
                              "[[inbox]]\nname = \"google-form\"\nkind = \"csv\"\n"
                              "fields = { email = \"Email address\", name = \"Your name\", "
                              "text = \"Your message\", episode = \"Episode number\", "
                              "received_at = \"Timestamp\", handle = \"Instagram\" }\n");
  std::string csv = std::string(RAPPORT_TEST_DATA) + "/csv/google_forms_export.csv";
  Outcome first =
      rapport(dir, "import " + csv + " --source google-form --config " + config.string());
  EXPECT_EQ(first.status, 1);  // some rows were refused
  EXPECT_TRUE(
      contains(first.out, ": 5 rows: 2 imported, 0 already stored, 3 refused; 2 new people"))
      << first.out << first.err;
  EXPECT_TRUE(contains(first.err,
                       "google_forms_export.csv: line 6: Email address: is not an email address"))
      << first.err;
  Outcome second =
      rapport(dir, "import " + csv + " --source google-form --json --config " + config.string());
  EXPECT_TRUE(contains(second.out, "\"rows\":5,\"imported\":0,\"already_stored\":2")) << second.out;
  EXPECT_EQ(query(dir.path() / "db", "SELECT COUNT(*) FROM messages"), 2);
  Outcome wrong =
      rapport(dir, "import " + csv + " --source google-from --config " + config.string());
  EXPECT_EQ(wrong.status, 2);
  EXPECT_TRUE(contains(wrong.err, "did you mean \"google-form\"?")) << wrong.err;
}

TEST(RapportBinary, WebPasswdWritesAnArgon2idHashOnlyItsOwnerCanRead) {
  TempDir dir;
  fs::path config = dir.write("rapport.toml",
                              "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
                              "[store]\npath = \"db\"\n[web]\npassword_file = \"web-password\"\n");
  auto passwd = [&](const std::string& password) {
    fs::path in = dir.write("typed.txt", password + "\n");
    fs::path err = dir.path() / "passwd.err";
    std::string cmd = std::string(RAPPORT_BINARY) + " web passwd --config " + config.string() +
                      " <" + in.string() + " >/dev/null 2>" + err.string();
    int rc = std::system(cmd.c_str());
    return std::make_pair(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(err));
  };
  auto [short_rc, short_err] = passwd("garden");
  EXPECT_EQ(short_rc, 2);
  EXPECT_NE(short_err.find("shorter than 10"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "web-password"));
  auto [rc, err] = passwd("tomatoes on the balcony");
  ASSERT_EQ(rc, 0) << err;
  fs::path file = dir.path() / "web-password";
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto hash = web::read_password_hash(file.string());
  ASSERT_TRUE(hash) << hash.error().to_string();
  EXPECT_EQ(read_file(file).find("tomatoes"), std::string::npos);
  web::Login login(*hash);
  EXPECT_EQ(login.attempt("127.0.0.1", "tomatoes on the balcony", 1).outcome,
            web::Login::Outcome::kIn);
  EXPECT_EQ(login.attempt("127.0.0.1", "tomatoes on the balcon", 1).outcome,
            web::Login::Outcome::kWrong);
}

TEST(RapportBinary, ServeTakesMessagesAndStopsOnSigterm) {
  TempDir dir;
  fs::path config = dir.write("rapport.toml",
                              "[creator]\nname = \"Sam\"\nemail = \"sam@x.example\"\n"
                              "[store]\npath = \"db\"\n[listener]\nport = 0\n"
                              "[[inbox]]\nname = \"site\"\nkind = \"generic\"\n"
                              "token_env = \"RAPPORT_E2E_TOKEN\"\n");
  fs::path err = dir.path() / "serve.err";
  std::string cmd = "RAPPORT_E2E_TOKEN=tok " + std::string(RAPPORT_BINARY) + " serve --config " +
                    config.string() + " 2>" + err.string() + " & echo $!";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  int pid = 0;
  ASSERT_EQ(fscanf(p, "%d", &pid), 1);
  pclose(p);
  // Wait for "listening on http://127.0.0.1:PORT".
  int port = 0;
  for (int i = 0; i < 100 && port == 0; ++i) {
    std::string log = read_file(err);
    size_t at = log.find("listening on http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(log.c_str() + at + 30);
    if (port == 0) usleep(50 * 1000);
  }
  ASSERT_NE(port, 0) << read_file(err);
  auto r = testing::http_request("POST",
                                 "http://127.0.0.1:" + std::to_string(port) + "/v1/messages/site",
                                 R"({"email": "ines@example.org", "text": "Hello from a webhook"})",
                                 {"Authorization: Bearer tok"});
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (kill(pid, 0) != 0) break;  // gone
    usleep(50 * 1000);
  }
  EXPECT_NE(kill(pid, 0), 0) << "rapport serve did not stop within 5 seconds";
  (void)status;
  EXPECT_TRUE(contains(read_file(err), "stopping (SIGTERM)"));
  EXPECT_EQ(query(dir.path() / "db", "SELECT COUNT(*) FROM messages"), 1);
}

TEST(RapportBinary, SendsTheDigestOverSmtpOncePerDayEvenWhenTheServerWasDown) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  auto with_smtp = [&](int port, const std::string& ca) {
    std::string text = read_file(config);
    text = text.substr(0, text.find("\n[smtp]"));
    text += "\n[smtp]\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
            "\nusername = \"sam@slowgarden.example\"\npassword_env = \"RAPPORT_E2E_SMTP\"\n"
            "ca_file = \"" +
            ca + "\"\ntimeout_seconds = 5\n";
    std::ofstream(config, std::ios::trunc) << text;
  };
  fs::path db = dir.path() / "state/demo.db";
  const std::string env = "RAPPORT_E2E_SMTP=open-sesame";
  // The mail server is down: the run reports it, and nothing is recorded as sent.
  with_smtp(testing::closed_port(), "/nonexistent.pem");
  Outcome down = rapport(dir, "run --config " + config.string(), env);
  EXPECT_EQ(down.status, 1);
  EXPECT_TRUE(contains(down.err, "SMTP delivery failed")) << down.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests WHERE delivered_at IS NOT NULL"), 0);
  // It is back: the next run sends the digest, once.
  testing::SmtpTestServer server("sam@slowgarden.example", "open-sesame");
  ASSERT_TRUE(server.ready());
  with_smtp(server.port(), server.ca_file());
  Outcome up = rapport(dir, "run --config " + config.string(), env);
  EXPECT_EQ(up.status, 0) << up.err;
  EXPECT_TRUE(contains(up.err, "digest sent: smtp 127.0.0.1:")) << up.err;
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_TRUE(contains(server.messages()[0], "Subject: Rapport: 10 people to answer today"));
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests WHERE delivered_at IS NOT NULL"), 1);
  Outcome again = rapport(dir, "run --config " + config.string(), env);
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "was already sent")) << again.err;
  EXPECT_EQ(server.messages().size(), 1u);  // not twice for the same day
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests"), 1);
  // The password never shows.
  EXPECT_FALSE(contains(down.out + down.err + up.out + up.err, "open-sesame"));
}

TEST(RapportBinary, AnsweredAndSnoozedPeopleLeaveTheDigest) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  ASSERT_EQ(rapport(dir, "run --config " + config.string()).status, 0);
  std::string c = " --config " + config.string();
  Outcome answered = rapport(dir, "answered kwame.mensah@outlook.com" + c);
  EXPECT_EQ(answered.status, 0) << answered.err;
  EXPECT_EQ(answered.out.rfind("answered: Kwame Mensah <kwame.mensah@outlook.com> (take it back "
                               "with `rapport answered --undo ",
                               0),
            0u)
      << answered.out;
  Outcome snoozed = rapport(dir, "snooze 'Sofía Ortega' 7d" + c);
  EXPECT_EQ(snoozed.status, 0) << snoozed.err;
  EXPECT_TRUE(contains(snoozed.out, "snoozed until ")) << snoozed.out;
  fs::path html = dir.path() / "preview.html";
  Outcome preview = rapport(dir, "digest --preview --html " + html.string() + c);
  ASSERT_EQ(preview.status, 0) << preview.err;
  EXPECT_FALSE(contains(preview.out, "Kwame Mensah"));
  EXPECT_FALSE(contains(preview.out, "Sofía Ortega"));
  EXPECT_TRUE(contains(preview.out, "1. Lucía Fernández <lucia.fernandez@gmail.com>"))
      << preview.out;
  EXPECT_TRUE(contains(preview.out, "22 people are waiting in all"));
  EXPECT_TRUE(contains(read_file(html), "<strong>1. Lucía Fernández</strong>"));
  Outcome send = rapport(dir, "digest --send" + c);
  EXPECT_EQ(send.status, 0) << send.err;
  EXPECT_TRUE(contains(send.out, " written to ")) << send.out;
  EXPECT_EQ(rapport(dir, "answered nobody@example.org" + c).status, 2);
  EXPECT_EQ(rapport(dir, "snooze kwame.mensah@outlook.com soon" + c).status, 2);
  EXPECT_EQ(rapport(dir, "digest" + c).status, 2);

  // Undone: Kwame waits again, Sofía comes back now, and both say so.
  Outcome undo = rapport(dir, "answered --undo 'Kwame Mensah'" + c);
  EXPECT_EQ(undo.status, 0) << undo.err;
  EXPECT_TRUE(contains(undo.out, "taken back: Kwame Mensah")) << undo.out;
  EXPECT_EQ(rapport(dir, "answered --undo 'Kwame Mensah'" + c).status, 2) << "nothing left";
  Outcome shown = rapport(dir, "contacts show sofia.ortega@gmail.com" + c);
  EXPECT_TRUE(contains(shown.out, "snoozed until ")) << shown.out;
  Outcome listed = rapport(dir, "contacts list --unanswered" + c);
  EXPECT_TRUE(contains(listed.out, "waiting · snoozed until ")) << listed.out;
  Outcome clear = rapport(dir, "snooze --clear sofia.ortega@gmail.com" + c);
  EXPECT_EQ(clear.status, 0) << clear.err;
  EXPECT_TRUE(contains(clear.out, "no longer snoozed: Sofía Ortega")) << clear.out;
  Outcome back = rapport(dir, "digest --preview" + c);
  EXPECT_TRUE(contains(back.out, "24 people are waiting in all")) << back.out;
  EXPECT_TRUE(contains(back.out, "Sofía Ortega"));
  EXPECT_TRUE(contains(rapport(dir, "contacts list --unanswered" + c).out, "Kwame Mensah"));
}

TEST(RapportBinary, ASentFolderAnswersPeopleWhoLeaveTheDigest) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  // Sam's Sent folder (Thunderbird's): an answer to Lucía, after her message of 12 Nov.
  dir.write("Sent/cur/1763130000.M1.laptop:2,S",
            "From: Sam Rivera <sam@slowgarden.example>\n"
            "To: =?UTF-8?Q?Luc=C3=ADa_Fern=C3=A1ndez?= <Lucia.Fernandez@gmail.com>\n"
            "Cc: seedswap@example.org\n"
            "Subject: Re: Ep. 9: Saving Seed for Beginners\n"
            "Date: Fri, 13 Nov 2026 09:00:00 +0000\n"
            "Message-ID: <answer-lucia@slowgarden.example>\n"
            "In-Reply-To: <CAKs9tR2vY5w+Ab3Cd5Ef7Gh9Ij1Kl3Mn@mail.gmail.com>\n\n"
            "Hola Lucía! Rust does not travel in the seed, but dry them well.\n");
  fs::create_directories(dir.path() / "Sent/new");
  std::ofstream(config, std::ios::app)
      << "\n[[mailbox]]\nname = \"sent\"\nkind = \"maildir\"\nrole = \"sent\"\npath = \""
      << (dir.path() / "Sent").string() << "\"\n";
  Outcome r = rapport(dir, "run --config " + config.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "sent (sent folder): 2 answers found")) << r.err;
  EXPECT_FALSE(contains(r.out, "Lucía Fernández")) << r.out;
  EXPECT_TRUE(contains(r.out, "23 people are waiting in all")) << r.out;
  EXPECT_EQ(query(dir.path() / "state/demo.db", "SELECT COUNT(*) FROM messages"), 43);
}

TEST(RapportBinary, RapportNowIsTheMomentEveryCommandTakesAsNow) {
  TempDir dir;
  fs::path config = copy_demo(dir);  // runs as of the demo's morning, 2026-11-30 08:00 UTC
  Outcome morning = rapport(dir, "run --config " + config.string(), "TZ=UTC");
  ASSERT_EQ(morning.status, 0) << morning.err;
  EXPECT_TRUE(contains(morning.out, "The Slow Garden · Monday 30 November 2026")) << morning.out;
  // Marcus's last message came on 29 October.
  EXPECT_TRUE(contains(morning.out, "never answered · asked a question · waiting 32 days · "
                                    "replied to Ep. 7"))
      << morning.out;
  EXPECT_TRUE(fs::exists(dir.path() / "state/digests/digest-2026-11-30.eml"));

  // A later one given on the command line wins: ten days on, he has waited 42.
  TempDir later_dir;
  fs::path later_config = copy_demo(later_dir);
  Outcome later = rapport(later_dir, "run --config " + later_config.string(),
                          "TZ=UTC RAPPORT_NOW=2026-12-10T08:00:00Z");
  ASSERT_EQ(later.status, 0) << later.err;
  EXPECT_TRUE(contains(later.out, "The Slow Garden · Thursday 10 December 2026")) << later.out;
  EXPECT_TRUE(contains(later.out, "waiting 42 days · replied to Ep. 7")) << later.out;
  EXPECT_TRUE(fs::exists(later_dir.path() / "state/digests/digest-2026-12-10.eml"));

  Outcome bad = rapport(dir, "status --config " + config.string(), "RAPPORT_NOW=tomorrow");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err,
            "rapport: RAPPORT_NOW: \"tomorrow\" is not a moment Rapport can read (hint: write it "
            "as 2026-11-30T08:00:00Z, or unset it to use the machine's clock)\n");
  Outcome daemon = rapport(dir, "daemon --config " + config.string());
  EXPECT_EQ(daemon.status, 2);
  EXPECT_TRUE(contains(daemon.err, "a daemon whose clock stands still")) << daemon.err;
}

// Starts `rapport daemon` in the background with `env`, its stderr to `err`; returns its pid
// once it says it started, or 0 (and `err` says why).
int start_daemon(const fs::path& config, const fs::path& err, const std::string& env) {
  std::string cmd = env + " RAPPORT_DEMO_VOICEMAIL_TOKEN=demo " + std::string(RAPPORT_BINARY) +
                    " daemon --config " + config.string() + " 2>" + err.string() +
                    " >/dev/null & echo $!";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  int pid = 0;
  if (fscanf(p, "%d", &pid) != 1) pid = 0;
  pclose(p);
  for (int i = 0; i < 100 && !contains(read_file(err), "started"); ++i) usleep(50 * 1000);
  return contains(read_file(err), "started") ? pid : 0;
}

// Points a copy of the demo at a PostgreSQL database instead of its SQLite file (`extra`: more
// [store] lines), its listener and inbox on ports of their own (the demo's are fixed).
void use_postgres(const fs::path& config, const std::string& url, const std::string& extra = "") {
  std::string text = read_file(config);
  const std::string path_line = "path = \"../state/demo.db\"\n";
  ASSERT_NE(text.find(path_line), std::string::npos);
  text.replace(text.find(path_line), path_line.size(),
               "url = \"" + url + "\"\npassword_env = \"RAPPORT_DB_PASSWORD\"\n" + extra);
  text.replace(text.find("port = 8787"), 11, "port = 0");
  text.replace(text.find("port = 8788"), 11, "port = 0");
  std::ofstream(config) << text;
}

// A creator who grew: the same demo with [store] url on a PostgreSQL server reads the same
// people and prints the same digest as on SQLite; a second pass adds nothing; the daemon's
// lock is PostgreSQL's and names who holds it; the password is never shown.
TEST(RapportBinary, TheDemoOnPostgresqlReadsAndDigestsAsOnSqlite) {
  testing::PostgresTestServer server;
  ASSERT_TRUE(server.ready()) << server.why_not_ready();
  ASSERT_TRUE(server.create_database("slowgarden"));
  TempDir lite_dir, pg_dir;
  fs::path lite = copy_demo(lite_dir);
  fs::path pg = copy_demo(pg_dir);
  use_postgres(pg, server.url("slowgarden"));
  const std::string password = "RAPPORT_DB_PASSWORD=" + testing::PostgresTestServer::password();

  Outcome on_sqlite = rapport(lite_dir, "run --config " + lite.string());
  Outcome on_postgres = rapport(pg_dir, "run --config " + pg.string(), password);
  ASSERT_EQ(on_postgres.status, 0) << on_postgres.err;
  EXPECT_TRUE(contains(on_postgres.out, "Good morning, Sam. 10 people to answer personally today."))
      << on_postgres.out;
  EXPECT_EQ(on_postgres.out, on_sqlite.out);
  EXPECT_TRUE(contains(on_postgres.err,
                       "replies (maildir): 30 new messages (28 from people, 2 automatic), 16 new "
                       "people"))
      << on_postgres.err;
  EXPECT_EQ(server.psql("SELECT count(*) FROM messages", "slowgarden"), "43");
  EXPECT_EQ(server.psql("SELECT count(*) FROM contacts WHERE merged_into IS NULL", "slowgarden"),
            "25");

  Outcome again = rapport(pg_dir, "run --all --config " + pg.string(), password);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "replies (maildir): 0 new messages (0 from people, 0 "
                                  "automatic), 0 new people"))
      << again.err;
  EXPECT_EQ(server.psql("SELECT count(*) FROM messages", "slowgarden"), "43");

  Outcome status = rapport(pg_dir, "status --config " + pg.string(), password);
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "database " + server.url("slowgarden") + " (PostgreSQL)"))
      << status.out;
  EXPECT_TRUE(contains(status.out, "reading sources: no daemon or run now\n")) << status.out;

  // The daemon holds the database; a run beside it is refused, naming it.
  fs::path daemon_err = pg_dir.path() / "daemon.err";
  const int pid = start_daemon(pg, daemon_err, password);
  ASSERT_NE(pid, 0) << read_file(daemon_err);
  Outcome beside = rapport(pg_dir, "run --config " + pg.string(), password);
  EXPECT_EQ(beside.status, 1);  // as beside a daemon on SQLite: try again later
  EXPECT_TRUE(contains(beside.err, "rapport daemon (pid " + std::to_string(pid) + " on "))
      << beside.err;
  EXPECT_TRUE(contains(beside.err, "is already reading sources into this database"));
  Outcome watching = rapport(pg_dir, "status --config " + pg.string(), password);
  EXPECT_TRUE(contains(watching.out, "reading sources: rapport daemon (pid " +
                                         std::to_string(pid) + " on "))
      << watching.out;
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) usleep(50 * 1000);
  EXPECT_NE(kill(pid, 0), 0) << "the daemon did not stop";
  Outcome after = rapport(pg_dir, "run --config " + pg.string(), password);
  EXPECT_EQ(after.status, 0) << after.err;  // its lock went with it

  for (const Outcome* o : {&on_postgres, &again, &status, &beside, &after}) {
    EXPECT_FALSE(contains(o->out + o->err, testing::PostgresTestServer::password()));
  }
  EXPECT_FALSE(contains(read_file(daemon_err), testing::PostgresTestServer::password()));
}

// A network of two shows in one PostgreSQL database, sharing its people: each show's run
// reads and digests its own mail; a listener who writes to both is one person; the daemons of
// the two shows run side by side, and a second one for the same show is refused naming the
// first; `rapport status` names the other show's daemon. A third show, one creator's SQLite
// history, is copied in with `store copy --show`.
TEST(RapportBinary, TwoShowsOfANetworkShareOneDatabaseAndItsPeople) {
  testing::PostgresTestServer server;
  ASSERT_TRUE(server.ready()) << server.why_not_ready();
  ASSERT_TRUE(server.create_database("network"));
  auto on_network = [&](const fs::path& config, const std::string& show) {
    use_postgres(config, server.url("network"), "show = \"" + show + "\"\nshare_contacts = true\n");
  };
  TempDir garden_dir, owls_dir;
  fs::path garden = copy_demo(garden_dir);
  fs::path owls = copy_demo(owls_dir);
  on_network(garden, "slowgarden");
  on_network(owls, "night-owls");
  // The second show's listeners: the demo's, less the three oldest letters to its inbox.
  std::vector<fs::path> letters;
  for (const auto& e : fs::recursive_directory_iterator(owls_dir.path() / "config/demo")) {
    if (e.is_regular_file() && e.path().parent_path().filename() == "cur") {
      letters.push_back(e.path());
    }
  }
  ASSERT_GT(letters.size(), 10u);
  std::sort(letters.begin(), letters.end());
  for (int i = 0; i < 3; ++i) fs::remove(letters[static_cast<size_t>(i)]);
  const std::string password = "RAPPORT_DB_PASSWORD=" + testing::PostgresTestServer::password();

  Outcome garden_run = rapport(garden_dir, "run --config " + garden.string(), password);
  ASSERT_EQ(garden_run.status, 0) << garden_run.err;
  EXPECT_TRUE(contains(garden_run.out, "Good morning, Sam. 10 people to answer personally today."))
      << garden_run.out;
  Outcome owls_run = rapport(owls_dir, "run --config " + owls.string(), password);
  ASSERT_EQ(owls_run.status, 0) << owls_run.err;
  EXPECT_TRUE(contains(owls_run.err, "new messages")) << owls_run.err;
  const std::string garden_messages =
      server.psql("SELECT count(*) FROM show_slowgarden.messages", "network");
  const std::string owls_messages =
      server.psql("SELECT count(*) FROM show_night_owls.messages", "network");
  EXPECT_EQ(garden_messages, "43");
  EXPECT_EQ(std::stoi(owls_messages), 40) << "three letters fewer";
  // The same listeners, known once: the network has the demo's 25 people, not 50.
  EXPECT_EQ(server.psql("SELECT count(*) FROM rapport_people.contacts WHERE merged_into IS NULL",
                        "network"),
            "25");
  Outcome again = rapport(owls_dir, "run --all --config " + owls.string(), password);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(server.psql("SELECT count(*) FROM show_night_owls.messages", "network"), owls_messages);

  // The first show's daemon; the second show's run goes on beside it.
  fs::path daemon_err = garden_dir.path() / "daemon.err";
  const int pid = start_daemon(garden, daemon_err, password);
  ASSERT_NE(pid, 0) << read_file(daemon_err);
  Outcome beside = rapport(owls_dir, "run --all --config " + owls.string(), password);
  EXPECT_EQ(beside.status, 0) << beside.err;
  Outcome second = rapport(garden_dir, "run --config " + garden.string(), password);
  EXPECT_EQ(second.status, 1);
  EXPECT_TRUE(contains(second.err, "rapport daemon of slowgarden (pid " + std::to_string(pid) +
                                       " on "))
      << second.err;
  EXPECT_TRUE(contains(second.err, "reading the sources of show slowgarden")) << second.err;
  Outcome status = rapport(owls_dir, "status --config " + owls.string(), password);
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "show night-owls, its people shared with the database's other "
                                   "shows\n"))
      << status.out;
  EXPECT_TRUE(contains(status.out, "reading sources: no daemon or run now\n")) << status.out;
  EXPECT_TRUE(contains(status.out, "another show: rapport daemon of slowgarden (pid " +
                                       std::to_string(pid) + " on "))
      << status.out;
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) usleep(50 * 1000);
  EXPECT_NE(kill(pid, 0), 0) << "the daemon did not stop";

  // A creator joining the network brings their SQLite history as a show of its own.
  TempDir lite_dir;
  fs::path lite = copy_demo(lite_dir);
  ASSERT_EQ(rapport(lite_dir, "run --config " + lite.string()).status, 0);
  Outcome copied = rapport(lite_dir,
                           "store copy --to " + server.url("network") +
                               " --show archive --password-env RAPPORT_DB_PASSWORD --config " +
                               lite.string(),
                           password);
  ASSERT_EQ(copied.status, 0) << copied.err;
  EXPECT_TRUE(contains(copied.out, "into " + server.url("network") + " (show archive)"))
      << copied.out;
  EXPECT_TRUE(contains(copied.out, "show = \"archive\"")) << copied.out;
  EXPECT_EQ(server.psql("SELECT count(*) FROM show_archive.messages", "network"), "43");
  Outcome shared_copy = rapport(lite_dir,
                                "store copy --to " + server.url("network") +
                                    " --show archive-two --share-contacts --password-env "
                                    "RAPPORT_DB_PASSWORD --config " +
                                    lite.string(),
                                password);
  EXPECT_NE(shared_copy.status, 0) << "the network's people are there already";
  EXPECT_TRUE(contains(shared_copy.err, "already holds contacts")) << shared_copy.err;

  // The creator turns sharing off for a show begun sharing: a config error (exit 2, so the
  // service is not started again as it is), saying how to put it back.
  {
    std::string text = read_file(garden);
    text.replace(text.find("share_contacts = true"), 21, "share_contacts = false");
    std::ofstream(garden) << text;
  }
  Outcome unshared = rapport(garden_dir, "run --config " + garden.string(), password);
  EXPECT_EQ(unshared.status, 2) << unshared.err;
  EXPECT_TRUE(contains(unshared.err, "show schema show_slowgarden shares the network's people: it "
                                     "was begun with share_contacts on (hint: set [store] "
                                     "share_contacts = true again"))
      << unshared.err;

  for (const Outcome* o : {&garden_run, &owls_run, &beside, &second, &status, &copied}) {
    EXPECT_FALSE(contains(o->out + o->err, testing::PostgresTestServer::password()));
  }
}

// A creator who grew moves: `rapport store copy` puts everything of the SQLite database into
// an empty PostgreSQL one, verified; the config pointed at it shows the same people and the
// same digest, reads nothing twice; and the way back to an SQLite file works the same.
TEST(RapportBinary, StoreCopyMovesTheDemoIntoPostgresqlAndBack) {
  testing::PostgresTestServer server;
  ASSERT_TRUE(server.ready()) << server.why_not_ready();
  ASSERT_TRUE(server.create_database("moved"));
  TempDir dir;
  fs::path lite = copy_demo(dir);
  ASSERT_EQ(rapport(dir, "run --config " + lite.string()).status, 0);
  // Snooze someone and note something, so more than the messages has to move.
  ASSERT_EQ(rapport(dir, "snooze lucia.fernandez@gmail.com 7d --config " + lite.string()).status,
            0);
  ASSERT_EQ(rapport(dir, "contacts note marcus.okafor@gmail.com \"Sent him the verge letter\" "
                         "--config " +
                             lite.string())
                .status,
            0);
  const std::string password = "RAPPORT_DB_PASSWORD=" + testing::PostgresTestServer::password();
  const std::string url = server.url("moved");

  Outcome copied = rapport(dir, "store copy --to " + url +
                                    " --password-env RAPPORT_DB_PASSWORD --config " + lite.string(),
                           password);
  ASSERT_EQ(copied.status, 0) << copied.err;
  EXPECT_TRUE(contains(copied.out, "  messages: 43\n")) << copied.out;
  EXPECT_TRUE(contains(copied.out, "  contact_notes: 1\n")) << copied.out;
  EXPECT_TRUE(contains(copied.out, "verified: ")) << copied.out;
  EXPECT_EQ(server.psql("SELECT count(*) FROM messages", "moved"), "43");

  // Into a database that already holds a show: refused, nothing touched.
  Outcome twice = rapport(dir, "store copy --to " + url +
                                   " --password-env RAPPORT_DB_PASSWORD --config " + lite.string(),
                          password);
  EXPECT_EQ(twice.status, 2);
  EXPECT_TRUE(contains(twice.err, "already holds sources")) << twice.err;
  Outcome secret_in_url =
      rapport(dir, "store copy --to postgresql://rapport:hunter2@127.0.0.1/x --config " +
                       lite.string());
  EXPECT_EQ(secret_in_url.status, 2);
  EXPECT_FALSE(contains(secret_in_url.err, "hunter2")) << secret_in_url.err;

  fs::path pg = dir.path() / "config/on-postgres.toml";
  {
    std::string text = read_file(lite);
    const std::string path_line = "path = \"../state/demo.db\"\n";
    text.replace(text.find(path_line), path_line.size(),
                 "url = \"" + url + "\"\npassword_env = \"RAPPORT_DB_PASSWORD\"\n");
    std::ofstream(pg) << text;
  }
  for (const char* command : {"contacts list", "digest --preview",
                              "contacts show marcus.okafor@gmail.com"}) {
    Outcome on_sqlite = rapport(dir, std::string(command) + " --config " + lite.string());
    Outcome on_postgres = rapport(dir, std::string(command) + " --config " + pg.string(), password);
    ASSERT_EQ(on_postgres.status, 0) << command << ": " << on_postgres.err;
    EXPECT_EQ(on_postgres.out, on_sqlite.out) << command;
  }
  Outcome next = rapport(dir, "run --all --config " + pg.string(), password);
  ASSERT_EQ(next.status, 0) << next.err;
  EXPECT_TRUE(contains(next.err, "replies (maildir): 0 new messages")) << next.err;

  // And back into a new SQLite file.
  fs::path back_db = dir.path() / "back/rapport.db";
  Outcome back = rapport(dir, "store copy --to sqlite:" + back_db.string() + " --config " +
                                  pg.string(),
                         password);
  ASSERT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(query(back_db, "SELECT COUNT(*) FROM messages"), 43);
  EXPECT_EQ(query(back_db, "SELECT COUNT(*) FROM contacts WHERE snoozed_until IS NOT NULL"), 1);
  EXPECT_EQ(query(back_db, "SELECT COUNT(*) FROM contact_notes"), 1);
}

TEST(RapportBinary, HelpAndUsageErrors) {
  TempDir dir;
  Outcome help = rapport(dir, "--help");
  EXPECT_EQ(help.status, 0);
  for (const char* c : {"run", "check", "init", "status", "inspect", "serve", "import", "daemon",
                        "digest", "answered", "snooze", "help"}) {
    EXPECT_TRUE(contains(help.out, std::string("\n  ") + c + " ")) << c;
  }
  Outcome run_help = rapport(dir, "run --help");
  EXPECT_EQ(run_help.status, 0);
  EXPECT_TRUE(contains(run_help.out, "--config FILE"));
  EXPECT_TRUE(contains(run_help.out, "--json"));
  Outcome typo = rapport(dir, "stauts");
  EXPECT_EQ(typo.status, 2);
  EXPECT_EQ(typo.err,
            "rapport: unknown command \"stauts\" (hint: did you mean `rapport status`?)\n");
  Outcome none = rapport(dir, "");
  EXPECT_EQ(none.status, 2);
  Outcome version = rapport(dir, "--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(contains(version.out, "rapport 0."));
  // The commit it was built from: twelve hex digits (and -dirty), or unknown outside git.
  size_t at = version.out.find(" (commit ");
  ASSERT_NE(at, std::string::npos) << version.out;
  std::string commit = version.out.substr(at + 9, version.out.find(')', at) - at - 9);
  EXPECT_TRUE(commit == "unknown" ||
              (commit.size() >= 12 &&
               commit.substr(0, 12).find_first_not_of("0123456789abcdef") == std::string::npos))
      << commit;
}

}  // namespace
}  // namespace rapport

namespace rapport {
namespace {

// A creator reads one person's whole conversation: an HTML-only reply from Apple Mail with a
// link and two attachments, found through the digest's message ids, shown whole.
TEST(RapportBinary, TheWholeMessageAnywhereWithItsLinksAndAttachments) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  const std::string jpeg(3000, '\xFF');
  std::string photo;
  {
    // Base64 of 3,000 bytes, 76 characters a line, as mail programs write it.
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (size_t i = 0; i < jpeg.size(); i += 3) {
      unsigned v = (static_cast<unsigned char>(jpeg[i]) << 16) |
                   (static_cast<unsigned char>(jpeg[i + 1]) << 8) | static_cast<unsigned char>(jpeg[i + 2]);
      for (int s = 18; s >= 0; s -= 6) b64 += k[(v >> s) & 63];
    }
    for (size_t i = 0; i < b64.size(); i += 76) photo += b64.substr(i, 76) + "\r\n";
  }
  std::string mail =
      "Return-Path: <ruth.abara@icloud.com>\r\n"
      "From: Ruth Abara <ruth.abara@icloud.com>\r\n"
      "To: Sam Rivera <sam@slowgarden.example>\r\n"
      "Subject: Re: Ep. 10: Letting the Meadow Decide\r\n"
      "Date: Thu, 26 Nov 2026 21:40:12 +0000\r\n"
      "Message-Id: <5B1E0C44-77A1-4C0E-9B0B-2F0D3E8A1C21@icloud.com>\r\n"
      "In-Reply-To: <ep010.newsletter@slowgarden.example>\r\n"
      "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\r\n"
      "Content-Type: multipart/mixed; boundary=\"Apple-Mail=_A1B2\"\r\n"
      "\r\n"
      "--Apple-Mail=_A1B2\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<html><body><div>Our verge meadow, two weeks in. I made a <a href=3D\"https://music.=\r\n"
      "example/playlist/meadow-walk\">playlist</a> for mowing-free Sundays.</div>=\r\n"
      "<div>Could you read the council's reply on the show?</div></body></html>\r\n"
      "--Apple-Mail=_A1B2\r\n"
      "Content-Disposition: inline; filename=verge.jpg\r\n"
      "Content-Type: image/jpeg; name=\"verge.jpg\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n" +
      photo +
      "--Apple-Mail=_A1B2\r\n"
      "Content-Disposition: attachment; filename*=utf-8''Brief%20vom%20Rat%20%E2%80%93%20Wiese.pdf\r\n"
      "Content-Type: application/pdf\r\n"
      "\r\n"
      "%PDF-1.4 not much of one\r\n"
      "--Apple-Mail=_A1B2--\r\n";
  {
    std::ofstream f(dir.path() / "config/demo/Maildir/new/1764193212.M1P42.mail", std::ios::binary);
    f << mail;
  }
  std::string c = " --config " + config.string();
  Outcome run = rapport(dir, "run" + c);
  ASSERT_EQ(run.status, 0) << run.err;

  // Her entry: what she asked, the link kept, her message's id to read it whole.
  Outcome shown = rapport(dir, "contacts show ruth.abara@icloud.com" + c);
  ASSERT_EQ(shown.status, 0) << shown.err;
  const std::string marker = " · message ";
  size_t at = shown.out.find(marker);
  ASSERT_NE(at, std::string::npos) << shown.out;
  at += marker.size();
  std::string id = shown.out.substr(at, shown.out.find('\n', at) - at);
  Outcome preview = rapport(dir, "digest --preview --json" + c);
  EXPECT_TRUE(contains(preview.out, "\"message_ids\":[" + id + "]")) << preview.out;
  EXPECT_TRUE(contains(preview.out, "Could you read the council's reply on the show?"));

  Outcome whole = rapport(dir, "message show " + id + c);
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_TRUE(contains(whole.out, "Message " + id + " · email via replies · human\n")) << whole.out;
  EXPECT_TRUE(contains(whole.out, "From:        Ruth Abara <ruth.abara@icloud.com>  (contact "));
  EXPECT_TRUE(contains(whole.out, "In-Reply-To: <ep010.newsletter@slowgarden.example>\n"));
  EXPECT_TRUE(contains(whole.out, "Episode:     Ep. 10: Letting the Meadow Decide <https://"));
  EXPECT_TRUE(contains(whole.out, "Attachment:  verge.jpg (image/jpeg, 2 KB)\n")) << whole.out;
  EXPECT_TRUE(contains(whole.out, "Attachment:  Brief vom Rat – Wiese.pdf (application/pdf, 24 bytes)\n"))
      << whole.out;
  EXPECT_TRUE(contains(whole.out, "I made a playlist <https://music.example/playlist/meadow-walk> "
                                  "for mowing-free Sundays."));
  Outcome json = rapport(dir, "message show " + id + " --json" + c);
  EXPECT_TRUE(contains(json.out, "{\"name\":\"verge.jpg\",\"type\":\"image/jpeg\",\"size\":"));
  Outcome full = rapport(dir, "contacts show ruth.abara@icloud.com --full" + c);
  EXPECT_TRUE(contains(full.out, "      Could you read the council's reply on the show?\n")) << full.out;
  Outcome missing = rapport(dir, "message show 99999" + c);
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "no message 99999")) << missing.err;
  EXPECT_EQ(rapport(dir, "message show first" + c).status, 2);
}

}  // namespace
}  // namespace rapport

namespace rapport {
namespace {

void add_mail(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.path() / "config/demo/Maildir/new" / name, std::ios::binary) << text;
}

// The story the digest once told badly, played with the binary: a listener's real request is in
// a long first email (two colleagues, a link, a question at the very end); a "one more thing"
// email and a "no rush!" through the form follow. The digest must show the request and the
// question, keep her near the top, and answer her email thread with her words quoted.
TEST(RapportBinary, TheDigestShowsWhatAPersonAskedAcrossTheirConversation) {
  TempDir dir;
  fs::path config = copy_demo(dir);
  std::string long_mail =
      "From: =?utf-8?q?Tove_Lindstr=C3=B6m?= <tove.lindstrom@gmail.com>\n"
      "To: Sam Rivera <sam@slowgarden.example>\n"
      "Subject: Re: Ep. 10: Letting the Meadow Decide\n"
      "Date: Tue, 24 Nov 2026 20:02:11 +0100\n"
      "Message-ID: <CAO+tove-1@mail.gmail.com>\n"
      "In-Reply-To: <ep010.newsletter@slowgarden.example>\n"
      "References: <ep010.newsletter@slowgarden.example>\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "Hi Sam,\n\n"
      "I work at the botanical garden in Gothenburg, and we have been letting our lawns go\n"
      "since 2021. ";
  for (int i = 0; i < 30; ++i) {
    long_mail += "The first year looked untidy and visitors complained; by the third the orchids came back. ";
  }
  long_mail +=
      "\n\nTwo colleagues of mine, Ingrid and Pelle, would be happy to talk about it on the show.\n"
      "Our survey is at https://botanic.example/meadow-survey-2026 if you want the numbers.\n"
      "Would you consider a follow-up episode with them at about 21 minutes, like the seed one?\n\n"
      "Tove\n\n"
      "On Tue, 17 Nov 2026 at 06:00, Sam Rivera <sam@slowgarden.example> wrote:\n"
      "> Half the lawn went unmown this year.\n";
  add_mail(dir, "1764010931.M1P1.mail", long_mail);
  add_mail(dir, "1764097331.M2P1.mail",
           "From: Tove Lindstrom <tove.lindstrom@gmail.com>\n"
           "To: Sam Rivera <sam@slowgarden.example>\n"
           "Subject: one more thing\n"
           "Date: Wed, 25 Nov 2026 20:02:11 +0100\n"
           "Message-ID: <CAO+tove-2@mail.gmail.com>\n"
           "\n"
           "One more thing: Pelle has photos from every summer since 2021.\n");
  {
    std::ofstream csv(dir.path() / "config/demo/form-export.csv", std::ios::app);
    csv << "t0ve9x,Tove Lindström,tove.lindstrom@gmail.com,No rush at all!,10,"
           "2026-11-27 08:00:00,2026-11-27 08:01:10,aa11\n";
  }
  std::string c = " --config " + config.string();
  Outcome run = rapport(dir, "run" + c);
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string& out = run.out;
  size_t entry = out.find(". Tove Lindström <tove.lindstrom@gmail.com>\n");
  ASSERT_NE(entry, std::string::npos) << out;
  std::string tove = out.substr(entry, out.find("\n\n", entry) - entry);
  // Near the top: the form's "no rush" did not lower her.
  EXPECT_LE(std::stoi(out.substr(out.rfind('\n', entry) + 1)), 3) << out;
  EXPECT_TRUE(contains(tove, "3rd message, never answered · asked a question")) << tove;
  // Her request, her question at the end of a long message, and the link, whole.
  EXPECT_TRUE(contains(tove, "1st message: “I work at the botanical garden in Gothenburg, and we have"
                             " been letting our lawns go since 2021. … Two colleagues of mine, "
                             "Ingrid and Pelle, would be happy to talk about it on the show."))
      << tove;
  EXPECT_TRUE(contains(tove, "Would you consider a follow-up episode with them at about 21 "
                             "minutes, like the seed one?"));
  EXPECT_TRUE(contains(tove, "https://botanic.example/meadow-survey-2026"));
  EXPECT_FALSE(contains(tove, "orchids came back. The first year")) << "not a prefix";
  EXPECT_FALSE(contains(tove, "Half the lawn")) << "never the creator's quoted words";
  // The reply answers her email thread, not the form, with her words below.
  EXPECT_TRUE(contains(tove, "Reply: mailto:tove.lindstrom@gmail.com?subject=Re%3A%20one%20more%20thing"
                             "&In-Reply-To=%3CCAO%2Btove-2@mail.gmail.com%3E"))
      << tove;
  EXPECT_FALSE(contains(tove, "&body=")) << "the text part's link is short; its excerpt shows her words";
  // The HTML part says the same, the survey a link, and its reply link quotes her words.
  fs::path html = dir.path() / "digest.html";
  ASSERT_EQ(rapport(dir, "digest --preview --html " + html.string() + c).status, 0);
  EXPECT_TRUE(contains(read_file(html), "<a href=\"https://botanic.example/meadow-survey-2026\""));
  EXPECT_TRUE(contains(read_file(html), "&amp;body=On%20Tuesday%2024%20November%202026%2C%20Tove"));
}

}  // namespace
}  // namespace rapport
