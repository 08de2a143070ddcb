// A creator's first week, played with the built binary the way a new user plays it: init,
// the usual mistakes, a fixed config, a first read of a mailbox with years in it, a Google
// Sheets export, answering by the address the digest printed, undo, a renamed source, a feed
// that was down and comes back, and a second show on the same machine. Every step checks what
// the creator sees and what the database holds.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>

#include "core/text.h"
#include "tests/support/http_server.h"
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

// The creator's machine: a home with its own XDG folders, and the binary run from it.
class Machine {
 public:
  Machine() {
    fs::create_directories(home() / ".config/rapport");
    env_ = "HOME=" + home().string() + " XDG_CONFIG_HOME=" + (home() / ".config").string() +
           " XDG_DATA_HOME=" + (home() / ".local/share").string();
  }
  fs::path home() const { return dir_.path() / "home"; }
  fs::path config() const { return home() / ".config/rapport/rapport.toml"; }
  fs::path data() const { return home() / ".local/share/rapport"; }
  const TempDir& dir() const { return dir_; }

  Outcome run(const std::string& args) const {
    fs::path out = dir_.path() / "stdout.txt";
    fs::path err = dir_.path() / "stderr.txt";
    std::string cmd = "cd " + home().string() + " && " + env_ + " " + RAPPORT_BINARY + " " + args +
                      " >" + out.string() + " 2>" + err.string() + " </dev/null";
    int rc = std::system(cmd.c_str());
    Outcome r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  void write(const fs::path& path, const std::string& text) const {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  // The config as the creator edits it: one text replaced by another.
  void edit(const std::string& from, const std::string& to) const {
    std::string text = read_file(config());
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "the config has no " << from;
    text.replace(at, from.size(), to);
    write(config(), text);
  }

 private:
  TempDir dir_;
  std::string env_;
};

std::int64_t query(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::int64_t v = -1;
  if (stmt && sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::time_t kNow = std::time(nullptr);
constexpr std::int64_t kDay = 86400;

std::string rfc5322(std::time_t t) { return format_rfc5322(t); }

// The first names and domains of the years of mail: enough to collide ("Ana López" twice).
const char* const kFirst[] = {"Ana",   "Ben",  "Chloé", "Dmitri", "Emeka", "Fatima",
                              "Greta", "Hiro", "Ines",  "Jonas",  "Kwame", "Lena"};
const char* const kLast[] = {"López", "Okafor", "Schmidt", "Tanaka", "Novak", "Haddad", "Berg"};
const char* const kDomains[] = {"gmail.com", "outlook.com", "icloud.com", "web.de", "yahoo.co.uk"};

// One reply as Gmail writes it: multipart/alternative, the quoted episode mail below.
std::string gmail_reply(const std::string& from_name, const std::string& from, std::time_t at,
                        const std::string& id, const std::string& subject,
                        const std::string& words, int episode = 12) {
  const std::string n = std::to_string(episode);
  return "Delivered-To: mara@slowgarden.example\r\n"
         "Received: by 2002:a05:6402:1d4c:b0:5c2 with SMTP id x12csp; " + rfc5322(at) + "\r\n"
         "MIME-Version: 1.0\r\n"
         "From: " + from_name + " <" + from + ">\r\n"
         "Date: " + rfc5322(at) + "\r\n"
         "Message-ID: <" + id + "@mail.gmail.com>\r\n"
         "Subject: " + subject + "\r\n"
         "To: Mara Quinn <mara@slowgarden.example>\r\n"
         "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r\n\r\n"
         "--000000000000a1b2c3\r\n"
         "Content-Type: text/plain; charset=\"UTF-8\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         words + "\r\n\r\nOn Tue, Mara Quinn <mara@slowgarden.example> wrote:\r\n"
         "> This week's episode, and what the garden did in it.\r\n"
         "> Listen: https://slowgarden.example/" + n + "\r\n\r\n"
         "--000000000000a1b2c3\r\n"
         "Content-Type: text/html; charset=\"UTF-8\"\r\n\r\n"
         "<div dir=\"ltr\">" + words + "</div><br><div class=\"gmail_quote\">"
         "<blockquote>This week's episode.</blockquote></div>\r\n"
         "--000000000000a1b2c3--\r\n";
}

// Outlook with a photo attached.
std::string outlook_with_photo(std::time_t at) {
  return "From: Tariq Haddad <Tariq.Haddad@outlook.com>\r\n"
         "To: \"mara@slowgarden.example\" <mara@slowgarden.example>\r\n"
         "Subject: RE: Ep. 12: Compost, slowly\r\n"
         "Thread-Topic: Ep. 12: Compost, slowly\r\n"
         "Date: " + rfc5322(at) + "\r\n"
         "Message-ID: <AM9PR07MB7001A2B3C4D5E6F7@AM9PR07MB7001.eurprd07.prod.outlook.com>\r\n"
         "Content-Language: en-GB\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"_004_AM9PR07MB7001_\"\r\n\r\n"
         "--_004_AM9PR07MB7001_\r\n"
         "Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
         "Here is my pile after your episode =96 is this too wet?\r\n\r\n"
         "________________________________\r\n"
         "From: Mara Quinn <mara@slowgarden.example>\r\n"
         "Sent: 17 November 2026 07:00\r\n"
         "Subject: Ep. 12: Compost, slowly\r\n\r\n"
         "This week: compost, slowly.\r\n\r\n"
         "--_004_AM9PR07MB7001_\r\n"
         "Content-Type: image/jpeg; name=\"pile.jpg\"\r\n"
         "Content-Disposition: attachment; filename=\"pile.jpg\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n"
         "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsN\r\n"
         "--_004_AM9PR07MB7001_--\r\n";
}

// A client that cannot write an address.
std::string broken_sender(std::time_t at) {
  return "From: Ola Nordmann <ola@@broken>\r\n"
         "To: mara@slowgarden.example\r\n"
         "Subject: Hei fra Norge\r\n"
         "Date: " + rfc5322(at) + "\r\n"
         "Message-ID: <c0ffee01@broken>\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n\r\n"
         "Hei Mara! Which seeds would survive a Bergen winter?\r\n";
}

// Years of mail, then a week of it: 420 old replies from 84 people, and the week's.
void write_mailbox(const Machine& m) {
  fs::path cur = m.home() / "Mail/replies/cur";
  fs::create_directories(m.home() / "Mail/replies/new");
  fs::create_directories(m.home() / "Mail/replies/tmp");
  int n = 0;
  auto put = [&](std::time_t at, const std::string& text) {
    m.write(cur / (std::to_string(at) + ".M" + std::to_string(++n) + "P42.laptop:2,S"), text);
  };
  for (int i = 0; i < 420; ++i) {
    int person = i % 84;
    std::string first = kFirst[person % 12];
    std::string last = kLast[person % 7];
    std::string address = ascii_lower(first.substr(0, 1)) + std::to_string(person) + "." +
                          ascii_lower(std::string(kLast[person % 7]).substr(0, 3)) + "@" +
                          kDomains[person % 5];
    std::time_t at = kNow - (40 + (i * 83) % 700) * kDay;  // from 40 days to two years ago
    put(at, gmail_reply(first + " " + last, address, at, "old" + std::to_string(i),
                        "Re: Ep. " + std::to_string(1 + i % 11) + " of the show",
                        "Thanks for episode " + std::to_string(1 + i % 11) + ", it helped.",
                        1 + i % 11));
  }
  put(kNow - 2 * kDay,
      gmail_reply("Lucía Fernández", "lucia.fernandez@gmail.com", kNow - 2 * kDay, "lucia1",
                  "Re: Ep. 12: Compost, slowly",
                  "Hola Mara, =C2=BFpuedo usar posos de caf=C3=A9 en el compost? Gracias."));
  put(kNow - 3 * kDay, gmail_reply("Ana López", "ana.lopez@gmail.com", kNow - 3 * kDay, "ana1",
                                   "Re: Ep. 12: Compost, slowly", "How often do you turn it?"));
  put(kNow - 3 * kDay + 600,
      gmail_reply("Ana Lopez", "ana@lopez-garden.example", kNow - 3 * kDay + 600, "ana2",
                  "Re: Ep. 12: Compost, slowly", "Loved it, no question, just thanks."));
  put(kNow - 4 * kDay, outlook_with_photo(kNow - 4 * kDay));
  put(kNow - 1 * kDay, broken_sender(kNow - 1 * kDay));
}

// "11/25/2026 14:03:12", as Google Sheets (English, US) writes its Timestamp column.
std::string sheets_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);  // the suite runs with TZ=UTC: local and UTC agree
  char buf[40];
  std::snprintf(buf, sizeof buf, "%d/%d/%d %d:%02d:%02d", tm.tm_mon + 1, tm.tm_mday,
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// The form's responses since it was made: one from two months ago on the 20th (a date that
// reads only month first), then the week's. Lines end in CRLF, as the export's do.
std::time_t old_response_time() {
  std::time_t t = kNow - 60 * kDay;
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_mday = 20;
  tm.tm_hour = 9;
  tm.tm_min = 14;
  tm.tm_sec = 3;
  return timegm(&tm);
}

std::string sheets_export() {
  return "\xEF\xBB\xBFTimestamp,Email Address,Your name,Your message\r\n" +
         sheets_time(old_response_time()) +
         ",june.park@gmail.com,June Park,Love the show!\r\n" + sheets_time(kNow - 5 * kDay) +
         ",kwame.mensah@yahoo.com,Kwame Mensah,\"Two questions:\r\n1. Do you sell seeds?\r\n"
         "2. Will you come to Accra?\"\r\n" +
         sheets_time(kNow - 2 * kDay + 3600) +
         ",grace.kim@icloud.com,Grace Kim,Started my first pile because of you.\r\n";
}

// The feed: down (503) until the test brings it up.
struct Feed {
  testing::HttpTestServer server;
  std::mutex mutex;
  bool up = false;
  Feed() {
    server.route("/feed.xml", [this](testing::HttpExchange& x) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!up) {
        x.status = 503;
        x.body = "<html><body>Service Unavailable</body></html>";
        return;
      }
      x.response_headers["Content-Type"] = "application/rss+xml; charset=utf-8";
      x.body = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>The Slow Garden</title><link>https://slowgarden.example/</link>
<item><title>Ep. 12: Compost, slowly</title><guid>slowgarden-12</guid>
<link>https://slowgarden.example/12</link><pubDate>)" +
               rfc5322(kNow - 12 * kDay) + R"(</pubDate><itunes:episode>12</itunes:episode></item>
<item><title>Ep. 11: Seeds that keep</title><guid>slowgarden-11</guid>
<link>https://slowgarden.example/11</link><pubDate>)" +
               rfc5322(kNow - 40 * kDay) + R"(</pubDate><itunes:episode>11</itunes:episode></item>
</channel></rss>)";
    });
  }
  void bring_up() {
    std::lock_guard<std::mutex> lock(mutex);
    up = true;
  }
};

TEST(FirstWeek, FromInitToADigestTheCreatorTrusts) {
  Machine m;
  Feed feed;
  const std::string today = local_date(kNow);
  const std::string week_ago = local_date(kNow - 7 * kDay);

  // Day 1. init writes a starter that passes check and runs.
  Outcome init = m.run("init --name 'Mara Quinn' --email mara@slowgarden.example --show 'The "
                       "Slow Garden' --feed " + feed.server.url("/feed.xml"));
  ASSERT_EQ(init.status, 0) << init.err;
  ASSERT_TRUE(fs::exists(m.config()));
  Outcome ok = m.run("check");
  EXPECT_EQ(ok.status, 0) << ok.err;

  // The usual mistakes: a folder name misspelt, a key misspelt. check names each, at its line.
  write_mailbox(m);
  m.write(m.home() / "exports/Listener form (Responses) - Form Responses 1.csv", sheets_export());
  std::string mailbox =
      "\n[[mailbox]]\nname = \"replies\"\nkind = \"maildir\"\npath = \"~/Mail/replys\"\n"
      "batch_size = 100\n"
      "\n[[inbox]]\nname = \"listener-form\"\nkind = \"csv\"\n"
      "path = \"~/exports/Listener form (Responses) - Form Responses 1.csv\"\n"
      "feilds = { email = \"Email Address\", name = \"Your name\", text = \"Your message\", "
      "received_at = \"Timestamp\" }\n";
  {
    std::string text = read_file(m.config());
    m.write(m.config(), text + mailbox);
  }
  Outcome bad = m.run("check");
  EXPECT_EQ(bad.status, 2);
  const std::string where = m.config().string() + ":";
  EXPECT_TRUE(std::regex_search(bad.err, std::regex(where + "[0-9]+:[0-9]+: .*feilds")))
      << bad.err;
  EXPECT_TRUE(contains(bad.err, "fields")) << "the hint names the key it looks like: " << bad.err;
  EXPECT_TRUE(contains(bad.err, "Mail/replys")) << bad.err;
  Outcome refused = m.run("run --all");
  EXPECT_EQ(refused.status, 2) << "a config with errors reads nothing";
  EXPECT_FALSE(fs::exists(m.data() / "rapport.db"));

  // Fixed; and the start line lost while copying from a friend's config.
  m.edit("Mail/replys", "Mail/replies");
  m.edit("feilds =", "fields =");
  m.edit("start = \"" + today + "\"", "# start = \"" + today + "\"");
  ASSERT_EQ(m.run("check").status, 0) << m.run("check").err;

  // The first read, with years of mail: nothing is asked, the backlog is offered a start.
  Outcome first = m.run("run --first-read");
  EXPECT_EQ(first.status, 1) << "the feed is down: " << first.err;
  fs::path db = m.data() / "rapport.db";
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE kind = 'email'"), 425);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE kind = 'form'"), 3);
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM digests"), 0) << "no digest on a first read";
  EXPECT_TRUE(contains(first.out, "Read every source; no digest was made.")) << first.out;
  EXPECT_TRUE(std::regex_search(first.out, std::regex("9[0-9] people wait for an answer; with "
                                                       "\\[digest\\] start = \"" + today +
                                                       "\" 0 would\\.")))
      << first.out;
  EXPECT_TRUE(contains(first.out, "  start = \"" + today + "\"\n"));
  // Its progress, a line a batch in the log (stderr is not a terminal here).
  EXPECT_TRUE(contains(first.err, "replies (maildir): 100 of 425 messages (23%)")) << first.err;
  EXPECT_TRUE(contains(first.err, "replies (maildir): 425 of 425 messages (100%)"));
  EXPECT_TRUE(contains(first.err, "podcast (feed) failed")) << first.err;

  // The Google Sheets export: US dates, read month first by its own rows; CRLF in a cell.
  EXPECT_EQ(query(db, "SELECT received_at FROM messages WHERE from_address = "
                      "'june.park@gmail.com'"),
            old_response_time());
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE body_text = 'Two questions:\n1. Do "
                      "you sell seeds?\n2. Will you come to Accra?'"),
            1);

  // A start a week back: the week's people wait, the years are history.
  m.edit("# start = \"" + today + "\"", "start = \"" + week_ago + "\"");
  Outcome day1 = m.run("run --all");
  EXPECT_EQ(day1.status, 1) << "still the feed";
  const std::string& digest = day1.out;
  EXPECT_TRUE(contains(digest, "Good morning, Mara. 7 people to answer personally today."))
      << digest;
  EXPECT_TRUE(contains(digest, "Lucía Fernández <lucia.fernandez@gmail.com>")) << digest;
  EXPECT_TRUE(contains(digest, "Ana López <ana.lopez@gmail.com>"));
  EXPECT_TRUE(contains(digest, "Ana Lopez <ana@lopez-garden.example>"));
  EXPECT_TRUE(contains(digest, "Tariq Haddad <Tariq.Haddad@outlook.com>")) << "as written";
  EXPECT_TRUE(contains(digest, "Ola Nordmann <ola@@broken>"));
  EXPECT_TRUE(contains(digest, "unknown sender: no address to answer"));
  EXPECT_FALSE(contains(digest, "June Park")) << "before start: history";
  EXPECT_TRUE(contains(digest, "mailto:kwame.mensah@yahoo.com?subject=Re%3A%20your%20message%"
                               "20to%20The%20Slow%20Garden"))
      << "a form has no subject: " << digest;
  EXPECT_FALSE(contains(digest, "subject=Re%3A%20&")) << digest;
  EXPECT_TRUE(contains(digest, "- podcast (feed): failing, 2 times in a row")) << digest;
  EXPECT_FALSE(contains(digest, "replied to Ep. 12")) << "the feed never came";
  EXPECT_TRUE(contains(day1.err, "digest written to " +
                                     (m.data() / "digests" / ("digest-" + today + ".eml")).string()))
      << day1.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages WHERE episode_id IS NOT NULL"), 0);

  // Answering Lucía by the address the digest printed; then taking it back.
  Outcome answered = m.run("answered lucia.fernandez@gmail.com");
  EXPECT_EQ(answered.status, 0) << answered.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM answers"), 1);
  Outcome preview = m.run("digest --preview");
  EXPECT_FALSE(contains(preview.out, "Lucía")) << preview.out;
  Outcome undo = m.run("answered --undo 'Lucia Fernandez'");
  EXPECT_EQ(undo.status, 0) << undo.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM answers"), 0);
  EXPECT_TRUE(contains(m.run("digest --preview").out, "Lucía Fernández"));
  Outcome two = m.run("answered 'Ana'");
  EXPECT_EQ(two.status, 2) << "two people called Ana";
  EXPECT_TRUE(contains(two.err, "ana.lopez@gmail.com")) << two.err;
  EXPECT_TRUE(contains(two.err, "ana@lopez-garden.example"));

  // Day 2. The feed is back: the week's replies find their episode.
  feed.bring_up();
  Outcome day2 = m.run("run --all");
  EXPECT_EQ(day2.status, 0) << day2.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages m JOIN episodes e ON e.id = m.episode_id "
                      "WHERE e.guid = 'slowgarden-12'"),
            4)
      << "Lucía, both Anas and Tariq replied to Ep. 12";
  EXPECT_TRUE(contains(day2.out, "replied to Ep. 12: Compost, slowly")) << day2.out;
  EXPECT_FALSE(contains(day2.out, "failing")) << "recovered: out of the health section";

  // Nothing due: --json still prints an object; --quiet prints nothing at all.
  Outcome json = m.run("run --json");
  EXPECT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(json.out.rfind("{\"sources\":[", 0), 0u) << json.out;
  EXPECT_TRUE(contains(json.out, "\"digest\":null")) << json.out;
  Outcome quiet = m.run("run --quiet");
  EXPECT_EQ(quiet.status, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");
  EXPECT_EQ(quiet.err, "");

  // The mailbox renamed: the old name is not failing forever; nothing is stored twice.
  std::int64_t before = query(db, "SELECT COUNT(*) FROM messages");
  m.edit("[[mailbox]]\nname = \"replies\"", "[[mailbox]]\nname = \"mail\"");
  Outcome renamed = m.run("run --all");
  EXPECT_EQ(renamed.status, 0) << renamed.err;
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM messages"), before);
  EXPECT_EQ(query(db, "SELECT retired_at IS NOT NULL FROM sources WHERE name = 'replies'"), 1);
  Outcome status = m.run("status");
  EXPECT_FALSE(contains(status.out, "replies (maildir)")) << status.out;
  EXPECT_TRUE(contains(status.out, "mail (maildir)")) << status.out;
  EXPECT_TRUE(contains(status.out, "1 source is no longer in the config")) << status.out;
  Outcome sources = m.run("sources");
  EXPECT_TRUE(contains(sources.out, "replies (maildir)")) << sources.out;
  EXPECT_TRUE(contains(sources.out, "not in the config since")) << sources.out;
  EXPECT_FALSE(contains(m.run("digest --preview").out, "replies (maildir)"));

  // A second show on this machine: its own database, folder and digest file.
  fs::path first_digest = m.data() / "digests" / ("digest-" + today + ".eml");
  std::string first_text = read_file(first_digest);
  fs::path night = m.home() / ".config/rapport/night-shift.toml";
  Outcome init2 = m.run("init --config " + night.string() +
                        " --name 'Mara Quinn' --email mara@slowgarden.example --show 'Night "
                        "Shift Radio'");
  ASSERT_EQ(init2.status, 0) << init2.err;
  Outcome night_run = m.run("run --all --config " + night.string());
  EXPECT_EQ(night_run.status, 0) << night_run.err;
  EXPECT_TRUE(contains(night_run.out, "Night Shift Radio")) << night_run.out;
  EXPECT_TRUE(fs::exists(m.data() / "night-shift/rapport.db"));
  EXPECT_TRUE(fs::exists(m.data() / "night-shift/digests" / ("digest-" + today + ".eml")));
  EXPECT_EQ(read_file(first_digest), first_text) << "the first show's digest untouched";
  EXPECT_EQ(query(m.data() / "night-shift/rapport.db", "SELECT COUNT(*) FROM messages"), 0);
}

}  // namespace
}  // namespace rapport
