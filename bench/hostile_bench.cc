// Hostile inputs against every parser, at 1, 4 and 16 MB: time and peak memory of each, in a
// child process of its own. Linear parsers take about 16 times as long at 16 MB as at 1 MB;
// a quadratic one about 256 times. Not part of ctest: see bench/README.md.
//
//   rapport_hostile_bench [CASE_SUBSTRING]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/http.h"
#include "ingest/decode/date_parse.h"
#include "ingest/decode/html_text.h"
#include "ingest/feed/feed_parser.h"
#include "ingest/inbound/csv_reader.h"
#include "ingest/inbound/import_source.h"
#include "ingest/inbound/inbound.h"
#include "ingest/mail/mail_parser.h"
#include "pipeline/classify.h"
#include "pipeline/digest_reply.h"
#include "pipeline/extract.h"

namespace {

using namespace rapport;

// `unit` repeated until the whole is at least `size` bytes, between `head` and `tail`.
std::string fill(const std::string& head, const std::string& unit, const std::string& tail,
                 size_t size) {
  std::string s = head;
  s.reserve(size + tail.size() + unit.size());
  while (s.size() < size) s += unit;
  return s + tail;
}

struct Case {
  const char* name;
  std::function<std::string(size_t)> make;
  std::function<void(const std::string&)> run;
};

void feed(const std::string& s) { (void)ingest::parse_feed(s, "https://x.example/feed"); }
void mail(const std::string& s) {
  Message m = ingest::parse_mail(s, 0);
  (void)pipeline::classify(m);
  (void)pipeline::extract_reply(m.text);
}
void html(const std::string& s) { (void)ingest::html_to_text(s); }
void reply(const std::string& s) { (void)pipeline::extract_reply(s); }
// An export read as the sources read it: a batch of rows at a time.
void table(const std::string& s, ingest::InboxKind kind) {
  ingest::Inbox inbox{"export", kind, {}};
  auto reader =
      ingest::TableReader::open(std::make_unique<std::istringstream>(s), "bench", inbox, 0);
  if (!reader) return;
  while (!(*reader)->done()) (void)(*reader)->next(ingest::kImportBatchRows);
}
void csv(const std::string& s) { table(s, ingest::InboxKind::kCsv); }
void jsonl(const std::string& s) { table(s, ingest::InboxKind::kJsonLines); }
void webhook(const std::string& s) {
  ingest::Inbox inbox{"hook", ingest::InboxKind::kGeneric, {}};
  (void)ingest::message_from_json(s, inbox, 0);
}
void config_text(const std::string& s) { (void)config::check_text(s, "/bench/rapport.toml"); }
void dates(const std::string& s) { (void)ingest::parse_date(s); }
void commands(const std::string& s) { (void)pipeline::parse_digest_commands(s); }
void http(const std::string& s) {
  HttpLimits limits;
  limits.max_body_bytes = 32 << 20;
  limits.max_header_bytes = 32 << 20;
  limits.max_headers = 1 << 20;
  RequestParser p(limits);
  // In 1,460-byte pieces, as TCP delivers them.
  for (size_t at = 0; at < s.size() && p.state() != RequestParser::State::kError &&
                      p.state() != RequestParser::State::kDone;
       at += 1460) {
    p.feed(std::string_view(s).substr(at, 1460));
  }
}

const std::string kMailHead = "From: a@example.org\nMessage-ID: <b@x>\n";

std::vector<Case> cases() {
  return {
      {"feed: unclosed <item> tags",
       [](size_t n) { return fill("<rss><channel>", "<item>", "", n); }, feed},
      {"feed: unclosed items with titles",
       [](size_t n) { return fill("<rss><channel>", "<item><title>Episode</title>", "", n); },
       feed},
      {"feed: xmlns declarations",
       [](size_t n) {
         std::string s = "<rss";
         for (int i = 0; s.size() < n; ++i) s += " xmlns:p" + std::to_string(i) + "=\"urn:x\"";
         return s + "><channel><item><title>t</title>";
       },
       feed},
      {"feed: nested elements",
       [](size_t n) { return fill("<rss><channel><item><title>", "<b>", "", n); }, feed},
      {"feed: entities in a title",
       [](size_t n) {
         return fill("<rss><channel><item><title>", "&amp;&lt;b&gt;", "</title></item>", n);
       },
       feed},
      {"feed: escaped nested quotes",
       [](size_t n) {
         return fill("<rss><channel><item><title>", "&lt;blockquote&gt;", "</title>", n);
       },
       feed},
      {"mail: unterminated encoded words",
       [](size_t n) { return fill(kMailHead + "Subject: ", "=?utf-8?q?a", "\n\nhi\n", n); }, mail},
      {"mail: Content-Type parameters",
       [](size_t n) {
         return fill(kMailHead + "Content-Type: text/plain", "; a=b", "\n\nhi\n", n);
       },
       mail},
      {"mail: folded header lines",
       [](size_t n) { return fill(kMailHead + "Subject: x", "\n y", "\n\nhi\n", n); }, mail},
      {"mail: boundary lines",
       [](size_t n) {
         return fill(kMailHead + "Content-Type: multipart/mixed; boundary=b\n\n", "--b\n\nx\n", "",
                     n);
       },
       mail},
      {"mail: nested blockquotes (HTML)",
       [](size_t n) {
         return fill(kMailHead + "Content-Type: text/html\n\n", "<blockquote>x\n", "", n);
       },
       mail},
      {"mail: quoted-printable '='",
       [](size_t n) {
         return fill(kMailHead + "Content-Transfer-Encoding: quoted-printable\n\n", "=", "", n);
       },
       mail},
      {"html: unclosed tag with quotes", [](size_t n) { return fill("<a ", "\"'", "", n); }, html},
      {"html: unterminated comments", [](size_t n) { return fill("", "<!--", "", n); }, html},
      {"html: script never closed", [](size_t n) { return fill("<script>", "</scrip", "", n); },
       html},
      {"html: ampersands", [](size_t n) { return fill("<p>", "&", "", n); }, html},
      {"html: spaces in pre then blocks",
       [](size_t n) { return fill("<pre>" + std::string(n / 2, ' '), "<div>", "", n); }, html},
      {"reply: all quoted", [](size_t n) { return fill("Thanks!\n", "> quoted line\n", "", n); },
       reply},
      {"reply: 'Am' lines", [](size_t n) { return fill("", "Am Montag\n", "", n); }, reply},
      {"reply: 'From:' lines", [](size_t n) { return fill("", "From: x\n", "", n); }, reply},
      {"reply: one long line", [](size_t n) { return fill("", "word ", "", n); }, reply},
      {"csv: one long quoted field",
       [](size_t n) { return fill("name,text\nA,\"", "x\"\"", "\"\n", n); }, csv},
      {"csv: many rows",
       [](size_t n) { return fill("name,email,text\n", "Ana,ana@example.org,hello\n", "", n); },
       csv},
      {"jsonl: many lines",
       [](size_t n) {
         return fill("", "{\"email\":\"ana@example.org\",\"text\":\"hello\"}\n", "", n);
       },
       jsonl},
      {"jsonl: one long line", [](size_t n) { return fill("{\"text\":\"", "a", "\"}\n", n); },
       jsonl},
      {"webhook: deep nesting", [](size_t n) { return fill("", "[", "", n); }, webhook},
      {"webhook: long string",
       [](size_t n) { return fill("{\"email\":\"a@b.c\",\"text\":\"", "\\u00e9", "\"}", n); },
       webhook},
      {"config: many keys",
       [](size_t n) {
         std::string s = "[creator]\nname = \"S\"\nemail = \"s@x.example\"\n[digest]\n";
         for (int i = 0; s.size() < n; ++i) s += "k" + std::to_string(i) + " = 1\n";
         return s;
       },
       config_text},
      {"config: many feeds",
       [](size_t n) {
         std::string s = "[creator]\nname = \"S\"\nemail = \"s@x.example\"\n";
         for (int i = 0; s.size() < n; ++i) {
           s += "[[feed]]\nname = \"f" + std::to_string(i) + "\"\nurl = \"https://x.example/\"\n";
         }
         return s;
       },
       config_text},
      {"dates: long garbage", [](size_t n) { return fill("Tue, 24 Nov ", "2026 ", "", n); }, dates},
      {"digest commands: many lines", [](size_t n) { return fill("", "snooze 1 7d\n", "", n); },
       commands},
      {"http: many header lines",
       [](size_t n) { return fill("GET / HTTP/1.1\r\nHost: x\r\n", "X-A: b\r\n", "\r\n", n); },
       http},
      {"http: one-byte chunks",
       [](size_t n) {
         return fill("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                     "1\r\na\r\n", "0\r\n\r\n", n);
       },
       http},
  };
}

struct Measure {
  double seconds = 0;
  long peak_kb = 0;
};

// Runs one case at one size in a child, so its peak memory is its own.
Measure measure(const Case& c, size_t size) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string input = c.make(size);
    auto start = std::chrono::steady_clock::now();
    c.run(input);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    Measure m{s, u.ru_maxrss};
    (void)!write(fds[1], &m, sizeof m);
    _exit(0);
  }
  close(fds[1]);
  Measure m{-1, 0};
  (void)!read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only = argc > 1 ? argv[1] : "";
  std::printf("%-38s %9s %9s %9s %7s %10s\n", "case", "1 MB", "4 MB", "16 MB", "16/1", "peak@16MB");
  for (const Case& c : cases()) {
    if (!only.empty() && std::string(c.name).find(only) == std::string::npos) continue;
    Measure m1 = measure(c, 1 << 20);
    Measure m4 = measure(c, 4 << 20);
    Measure m16 = measure(c, 16 << 20);
    double ratio = m1.seconds > 0.0005 ? m16.seconds / m1.seconds : 0;
    std::printf("%-38s %8.3fs %8.3fs %8.3fs %7.1f %8ld MB\n", c.name, m1.seconds, m4.seconds,
                m16.seconds, ratio, m16.peak_kb / 1024);
    std::fflush(stdout);
  }
  return 0;
}
