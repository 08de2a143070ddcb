#include "bench/feed_corpus.h"

#include <cstdio>
#include <random>

namespace rapport::bench {
namespace {

const char* kWords[] = {"garden", "seed", "soil",   "meadow", "compost", "rain",    "frost",
                        "bean",   "pea",  "tomato", "slug",   "hedge",   "orchard", "bee",
                        "winter", "root", "leaf",   "sow",    "harvest", "clay",    "worm"};

std::string words(std::mt19937& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[rng() % (sizeof kWords / sizeof kWords[0])];
  }
  return s;
}

}  // namespace

std::string podcast_feed(int items, int seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
      "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
      "xmlns:podcast=\"https://podcastindex.org/namespace/1.0\">\n<channel>\n"
      "<title>Show " +
      std::to_string(seed) + ": " + words(rng, 3) +
      "</title>\n"
      "<link>https://show" +
      std::to_string(seed) +
      ".example/</link>\n"
      "<language>en</language>\n<itunes:author>Host " +
      std::to_string(seed) +
      "</itunes:author>\n<itunes:image href=\"https://show.example/cover.jpg\"/>\n"
      "<description>" +
      words(rng, 40) + "</description>\n";
  for (int i = items; i >= 1; --i) {
    char date[64];
    int day = 1 + (i * 7) % 28;
    int month = 1 + (i / 4) % 12;
    int year = 2026 - (items - i) / 52;
    std::snprintf(date, sizeof date, "%s, %02d %s %d 06:00:00 +0000",
                  (const char*[]){"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}[i % 7], day,
                  (const char*[]){"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                  "Oct", "Nov", "Dec"}[month - 1],
                  year);
    std::string n = std::to_string(i);
    std::string notes = "<p>" + words(rng, 60) + "</p><ul><li>" + words(rng, 8) +
                        " <a href=\"https://example.org/" + n + "\">link</a></li><li>" +
                        words(rng, 10) + "</li></ul><p>" + words(rng, 120) + " &amp; " +
                        words(rng, 30) + "</p>";
    out +=
        "<item>\n<title>Ep. " + n + ": " + words(rng, 4) + " &amp; " + words(rng, 2) +
        "</title>\n<itunes:title>" + words(rng, 4) +
        "</itunes:title>\n"
        "<link>https://show.example/episodes/" +
        n +
        "</link>\n"
        "<guid isPermaLink=\"false\">show-" +
        std::to_string(seed) + "-ep-" + n +
        "</guid>\n"
        "<pubDate>" +
        date +
        "</pubDate>\n"
        "<description><![CDATA[" +
        notes.substr(0, 600) +
        "]]></description>\n"
        "<content:encoded><![CDATA[" +
        notes +
        "]]></content:encoded>\n"
        "<enclosure url=\"https://media.show.example/ep" +
        n + ".mp3\" length=\"" + std::to_string(20000000 + rng() % 30000000) +
        "\" type=\"audio/mpeg\"/>\n"
        "<itunes:duration>" +
        std::to_string(rng() % 2 + 0) + ":" + std::to_string(10 + rng() % 50) + ":" +
        std::to_string(10 + rng() % 50) + "</itunes:duration>\n<itunes:episode>" + n +
        "</itunes:episode>\n"
        "<itunes:season>" +
        std::to_string(1 + i / 52) +
        "</itunes:season>\n"
        "<itunes:episodeType>full</itunes:episodeType>\n<itunes:explicit>false</itunes:explicit>\n"
        "<podcast:transcript url=\"https://show.example/t/" +
        n +
        ".vtt\" type=\"text/vtt\"/>\n"
        "</item>\n";
  }
  out += "</channel>\n</rss>\n";
  return out;
}

}  // namespace rapport::bench
