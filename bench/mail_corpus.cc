// The mail benchmark's corpus (not a test):
//
//   rapport_mail_corpus MESSAGES DIR
//
// writes MESSAGES listener replies, the same ones twice: DIR/replies.mbox (mboxrd) and
// DIR/Maildir (cur/), plus DIR/feed.xml (the show's 60 episodes the replies answer) and
// DIR/rapport.toml that reads the feed and the mbox. Deterministic: a fixed seed.
//
// The replies are what a show's mailbox holds: Gmail (multipart/alternative, quoted-printable,
// gmail_quote), Apple Mail (format=flowed off, "Sent from my iPhone"), Outlook (windows-1252,
// From:/Sent:/To: block, HTML divRplyFwdMsg), Thunderbird (format=flowed), Yahoo (base64),
// GMX (ISO-8859-1, German quote header), French (base64 UTF-8), a Japanese ISO-2022-JP reply;
// 5% out-of-office auto-replies, 1% Postfix bounces, 3% with a photo attached. 20,000 distinct
// people (RFC 2047 names where they are not ASCII), answering one of 60 episodes.
#include <iconv.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char* kFirst[] = {"Ana",     "Ben",   "Chloé",  "Dmitri", "Eva",   "Farah", "Gustav",
                        "Hana",    "Ilse",  "José",   "Kofi",   "Lucía", "Mads",  "Noor",
                        "Øystein", "Priya", "Quinn",  "Renée",  "Søren", "Tomás", "Ulla",
                        "Vera",    "Wen",   "Ximena", "Yusuf",  "Zoë",   "Grace", "Klaus"};
const char* kLast[] = {"Lopez",  "Okafor",   "Müller",    "Nakamura", "Svensson", "Dubois",
                       "García", "Kowalski", "Fernández", "Kim",      "Becker",   "Rossi",
                       "Jensen", "Novák",    "O'Brien",   "Haddad",   "Åkesson",  "Silva"};
const char* kDomains[] = {"gmail.com", "icloud.com",   "outlook.com", "yahoo.com",   "gmx.de",
                          "orange.fr", "fastmail.com", "proton.me",   "example.org", "web.de"};
const char* kWords[] = {
    "garden", "seed",   "compost", "tomato", "balcony",  "soil",   "water",     "winter",
    "thank",  "you",    "episode", "loved",  "question", "about",  "the",       "my",
    "and",    "tried",  "this",    "year",   "really",   "helped", "neighbour", "kids",
    "bees",   "meadow", "rain",    "frost",  "beans",    "shade",  "worms",     "mulch",
    "grew",   "first",  "time",    "would",  "could",    "maybe",  "next",      "season"};

std::mt19937 rng(20261125);

int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }

template <typename T, size_t N>
const T& one(const T (&a)[N]) {
  return a[pick(static_cast<int>(N))];
}

std::string sentence() {
  std::string s;
  int n = 6 + pick(14);
  for (int i = 0; i < n; ++i) {
    std::string w = one(kWords);
    if (i == 0) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    s += (i ? " " : "") + w;
  }
  return s + (pick(5) == 0 ? "?" : ".");
}

// Paragraphs of plain words, lines under 76 characters.
std::string paragraphs(int count) {
  std::string out;
  for (int p = 0; p < count; ++p) {
    std::string line;
    int sentences = 1 + pick(4);
    for (int s = 0; s < sentences; ++s) {
      std::string sen = sentence();
      for (size_t at = 0; at < sen.size();) {
        size_t space = sen.find(' ', at);
        std::string word =
            sen.substr(at, space == std::string::npos ? std::string::npos : space - at);
        at = space == std::string::npos ? sen.size() : space + 1;
        if (line.size() + word.size() + 1 > 72) {
          out += line + "\n";
          line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
      }
    }
    out += line + "\n\n";
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[v & 63] : '=';
    if ((line += 4) >= 76) {
      out += "\n";
      line = 0;
    }
  }
  return out + "\n";
}

// Quoted-printable of UTF-8 or 8-bit text, soft line breaks at 76.
std::string qp(const std::string& in) {
  std::string out;
  size_t col = 0;
  for (unsigned char c : in) {
    if (c == '\n') {
      out += "\n";
      col = 0;
      continue;
    }
    std::string enc;
    if (c == '=' || c >= 0x80) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "=%02X", c);
      enc = buf;
    } else {
      enc = std::string(1, static_cast<char>(c));
    }
    if (col + enc.size() > 75) {
      out += "=\n";
      col = 0;
    }
    out += enc;
    col += enc.size();
  }
  return out;
}

// UTF-8 to ISO-8859-1 for the Latin-1 letters the names and quotes use.
std::string latin1(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c == 0xc3 && i + 1 < utf8.size()) {
      out += static_cast<char>(static_cast<unsigned char>(utf8[++i]) + 0x40);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += '?';
    }
  }
  return out;
}

bool ascii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string encoded_name(const std::string& name) {
  if (ascii(name)) return name.find('\'') == std::string::npos ? name : "\"" + name + "\"";
  std::string b = base64(name);
  b.pop_back();
  return "=?UTF-8?B?" + b + "?=";
}

const char* kJapanese[] = {
    "エピソードを聞いて、ベランダでトマトを育て始めました。ありがとうございます。",
    "堆肥の話がとても役に立ちました。冬の間はどうすればいいですか？",
    "種の保存について、もっと詳しく知りたいです。"};

std::string to_iso2022jp(const std::string& utf8) {
  iconv_t cd = iconv_open("ISO-2022-JP", "UTF-8");
  std::string in = utf8;
  std::string out(in.size() * 4 + 16, '\0');
  char* ip = in.data();
  char* op = out.data();
  size_t il = in.size(), ol = out.size();
  iconv(cd, &ip, &il, &op, &ol);
  iconv(cd, nullptr, nullptr, &op, &ol);  // back to ASCII at the end
  iconv_close(cd);
  out.resize(out.size() - ol);
  return out;
}

struct Person {
  std::string name;
  std::string address;
};

std::string episode_title(int n) {
  static const char* kTopics[] = {
      "Saving Seed",     "Compost Heat", "Balcony Tomatoes", "Meadow Making", "Winter Beds",
      "Bees and Borage", "Rain Gardens", "No-Dig Soil",      "Shade Plants",  "Worm Farms"};
  return "Ep. " + std::to_string(n) + ": " + kTopics[n % 10];
}

std::string date(long t) {
  char buf[64];
  time_t tt = t;
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", gmtime(&tt));
  return buf;
}

std::string asctime_utc(long t) {
  char buf[64];
  time_t tt = t;
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", gmtime(&tt));
  return buf;
}

std::string message(int n, const Person& p, long when) {
  const int ep = 1 + pick(60);
  const std::string title = episode_title(ep);
  const std::string id = "<" + std::to_string(n) + "." + std::to_string(when) + "@mail.bench>";
  const std::string head = "From: " + encoded_name(p.name) + " <" + p.address + ">\n" +
                           "To: Sam Rivera <sam@slowgarden.example>\n" + "Date: " + date(when) +
                           "\n" + "Message-ID: " + id + "\n" + "In-Reply-To: <ep" +
                           std::to_string(ep) + ".newsletter@slowgarden.example>\n";
  const std::string words = "Hi Sam,\n\n" + paragraphs(1 + pick(5)) + p.name + "\n";
  const std::string quote_body =
      "> This week on the show: " + title + ".\n> " + sentence() + "\n> " + sentence() + "\n";
  int kind = pick(100);
  if (kind < 5) {  // an out-of-office
    return head + "Subject: Out of Office: " + title +
           "\nAuto-Submitted: auto-replied\nX-Autoreply: yes\nContent-Type: text/plain; "
           "charset=utf-8\n\nI am away until Monday with no access to email.\n";
  }
  if (kind < 6) {  // a bounce
    std::string b = "bounce-" + std::to_string(n);
    return "From: MAILER-DAEMON@mx.slowgarden.example (Mail Delivery System)\n"
           "To: sam@slowgarden.example\nSubject: Undelivered Mail Returned to Sender\nDate: " +
           date(when) + "\nMessage-ID: <" + b +
           "@mx.slowgarden.example>\nMIME-Version: 1.0\nContent-Type: multipart/report; "
           "report-type=delivery-status; boundary=\"" +
           b + "\"\n\n--" + b +
           "\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host "
           "mx.slowgarden.example.\n\n<" +
           p.address + ">: host mx said: 550 5.1.1 User unknown\n\n--" + b +
           "\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.slowgarden.example\n"
           "Final-Recipient: rfc822; " +
           p.address + "\nAction: failed\nStatus: 5.1.1\n\n--" + b + "--\n";
  }
  std::string subject = "Subject: Re: " + title + "\n";
  std::string out;
  int client = pick(8);
  if (client == 0) {  // Gmail
    std::string b = "000000000000" + std::to_string(n) + "gm";
    std::string text =
        words + "\nOn Mon, Nov 23, 2026 at 9:00 AM Sam Rivera <sam@slowgarden.example> wrote:\n\n" +
        quote_body;
    std::string html =
        "<div dir=\"ltr\">" + words +
        "</div><br><div class=\"gmail_quote\"><div "
        "dir=\"ltr\" class=\"gmail_attr\">On Mon, Nov 23, 2026 at 9:00 AM Sam Rivera "
        "wrote:<br></div><blockquote class=\"gmail_quote\">" +
        quote_body + "</blockquote></div>\n";
    out = head + subject + "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"" +
          b + "\"\n\n--" + b +
          "\nContent-Type: text/plain; charset=\"UTF-8\"\n"
          "Content-Transfer-Encoding: quoted-printable\n\n" +
          qp(text) + "\n--" + b +
          "\nContent-Type: text/html; charset=\"UTF-8\"\nContent-Transfer-Encoding: "
          "quoted-printable\n\n" +
          qp(html) + "\n--" + b + "--\n";
  } else if (client == 1) {  // Apple Mail on an iPhone
    out = head + subject +
          "Mime-Version: 1.0 (1.0)\nContent-Type: text/plain; charset=utf-8\n"
          "Content-Transfer-Encoding: quoted-printable\nX-Mailer: iPhone Mail (21G93)\n\n" +
          qp(words +
             "\nSent from my iPhone\n\n> On 23 Nov 2026, at 09:00, Sam Rivera "
             "<sam@slowgarden.example> wrote:\n>\n" +
             quote_body);
  } else if (client == 2) {  // Outlook
    std::string b = "_000_DB9PR07MB" + std::to_string(n) + "_";
    std::string text = latin1(words) +
                       "\n________________________________\nFrom: Sam Rivera "
                       "<sam@slowgarden.example>\nSent: Monday, November 23, 2026 9:00 AM\nTo: " +
                       latin1(p.name) + "\nSubject: " + title + "\n\n" + quote_body;
    out = head + subject + "Thread-Topic: " + title +
          "\nContent-Language: en-GB\nMIME-Version: "
          "1.0\nContent-Type: multipart/alternative; boundary=\"" +
          b + "\"\n\n--" + b +
          "\nContent-Type: text/plain; charset=\"Windows-1252\"\nContent-Transfer-Encoding: "
          "quoted-printable\n\n" +
          qp(text) + "\n--" + b +
          "\nContent-Type: text/html; charset=\"Windows-1252\"\nContent-Transfer-Encoding: "
          "quoted-printable\n\n" +
          qp("<html><body><div>" + latin1(words) +
             "</div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Sam Rivera<br><b>Sent:</b> Monday"
             "</div><div>" +
             quote_body + "</div></body></html>") +
          "\n--" + b + "--\n";
  } else if (client == 3) {  // Thunderbird
    out = head + subject +
          "User-Agent: Mozilla/5.0 Thunderbird/128.5.0\nMIME-Version: 1.0\n"
          "Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: "
          "8bit\n\n" +
          words + "\nOn 11/23/26 09:00, Sam Rivera wrote:\n" + quote_body;
  } else if (client == 4) {  // Yahoo
    std::string b = "----=_Part_" + std::to_string(n) + "_yahoo";
    out = head + subject + "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"" +
          b + "\"\nX-Mailer: WebService/1.1.22876 YMailNorrin\n\n--" + b +
          "\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n" +
          base64(words +
                 "\n    On Monday, 23 November 2026 at 09:00:00 GMT, Sam Rivera "
                 "<sam@slowgarden.example> wrote:\n\n" +
                 quote_body) +
          "--" + b +
          "\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n" +
          base64("<html><body><div class=\"ydp\">" + words + "</div><div class=\"yahoo_quoted\">" +
                 quote_body + "</div></body></html>") +
          "--" + b + "--\n";
  } else if (client == 5) {  // GMX, German, Latin-1
    out = head + subject +
          "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\n"
          "Content-Transfer-Encoding: quoted-printable\n\n" +
          qp(latin1("Hallo Sam,\n\n" + paragraphs(1 + pick(3)) + "Grüße\n" + p.name +
                    "\n\nAm 23.11.2026 um 09:00 schrieb Sam Rivera:\n" + quote_body));
  } else if (client == 6) {  // French, base64 UTF-8
    out =
        head + subject +
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n\n" +
        base64("Bonjour Sam,\n\n" + paragraphs(1 + pick(3)) + "Amitiés,\n" + p.name +
               "\n\nLe lun. 23 nov. 2026 à 09:00, Sam Rivera <sam@slowgarden.example> a écrit :\n" +
               quote_body);
  } else if (pick(4) != 0) {  // Japanese, ISO-2022-JP
    out = head + subject +
          "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
          "Content-Transfer-Encoding: 7bit\n\n" +
          to_iso2022jp(
              "サムさん、こんにちは。\n\n" + std::string(kJapanese[pick(3)]) + "\n\n" + p.name +
              "\n\n2026年11月23日(月) 9:00 Sam Rivera <sam@slowgarden.example>:\n" + quote_body);
  } else {  // a reply with a photo of the garden
    std::string b = "Apple-Mail=_" + std::to_string(n);
    std::string photo(20000 + pick(20000), '\0');
    for (auto& c : photo) c = static_cast<char>(rng());
    out = head + subject +
          "Mime-Version: 1.0 (Mac OS X Mail 16.0)\nContent-Type: multipart/mixed; boundary=\"" + b +
          "\"\n\n--" + b +
          "\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" +
          words + "\n--" + b +
          "\nContent-Disposition: attachment; filename=garden.jpg\n"
          "Content-Type: image/jpeg; name=\"garden.jpg\"\nContent-Transfer-Encoding: base64\n\n" +
          base64(photo) + "\n--" + b + "--\n";
  }
  return out;
}

// mboxrd: a line that is "From " after any number of '>' gets one more '>'.
std::string mboxrd_escape(const std::string& m) {
  std::string out;
  out.reserve(m.size() + 64);
  size_t at = 0;
  while (at < m.size()) {
    size_t nl = m.find('\n', at);
    size_t end = nl == std::string::npos ? m.size() : nl + 1;
    size_t gt = at;
    while (gt < end && m[gt] == '>') ++gt;
    if (m.compare(gt, 5, "From ") == 0) out += '>';
    out.append(m, at, end - at);
    at = end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: rapport_mail_corpus MESSAGES DIR\n";
    return 2;
  }
  const int count = std::atoi(argv[1]);
  const fs::path dir = argv[2];
  fs::create_directories(dir / "Maildir/cur");
  fs::create_directories(dir / "Maildir/new");
  fs::create_directories(dir / "Maildir/tmp");

  std::vector<Person> people;
  for (int i = 0; i < 20000; ++i) {
    std::string first = one(kFirst);
    std::string last = one(kLast);
    std::string local;
    for (char c : first + "." + last + std::to_string(i)) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.') {
        local += static_cast<char>(std::tolower(c));
      }
    }
    people.push_back({first + " " + last, local + "@" + one(kDomains)});
  }

  std::ofstream mbox(dir / "replies.mbox", std::ios::binary);
  long when = 1767225600;  // 2026-01-01
  size_t bytes = 0;
  for (int n = 0; n < count; ++n) {
    when += 1 + pick(300);
    const Person& p = people[static_cast<size_t>(pick(static_cast<int>(people.size())))];
    std::string m = message(n, p, when);
    mbox << "From " << p.address << " " << asctime_utc(when) << "\n" << mboxrd_escape(m) << "\n";
    std::ofstream(
        dir / "Maildir/cur" / (std::to_string(when) + ".M" + std::to_string(n) + "P1.bench:2,S"),
        std::ios::binary)
        << m;
    bytes += m.size();
  }

  std::ofstream feed(dir / "feed.xml");
  feed << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
          "<title>The Slow Garden</title><link>https://slowgarden.example/</link>\n";
  for (int e = 1; e <= 60; ++e) {
    feed << "<item><title>" << episode_title(e) << "</title><guid>ep-" << e
         << "</guid><link>https://slowgarden.example/episodes/" << e << "</link><pubDate>"
         << date(1767225600 + e * 86400L * 6) << "</pubDate></item>\n";
  }
  feed << "</channel></rss>\n";

  std::ofstream(dir / "rapport.toml")
      << "[creator]\nname = \"Sam Rivera\"\nemail = \"sam@slowgarden.example\"\n\n"
         "[store]\npath = \"rapport.db\"\n\n[[feed]]\nname = \"show\"\nurl = \"feed.xml\"\n\n"
         "[[mailbox]]\nname = \"replies\"\nkind = \"mbox\"\npath = \"replies.mbox\"\n"
         "batch_size = 1000\n\n[digest]\noutput_dir = \"digests\"\n";
  std::cout << count << " messages, " << bytes / (1024 * 1024) << " MB, in " << dir.string()
            << "\n";
  return 0;
}
