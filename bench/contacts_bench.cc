// Contacts benchmark (not a test):
//
//   rapport_contacts_bench [MESSAGES] [PEOPLE]      (default 1,000,000 and 200,000)
//
// 1. Resolution: MESSAGES messages from PEOPLE people — email replies, form posts that carry
//    an email and a phone, voicemails known by the phone alone, comments with a handle — go
//    through resolve (normal forms: Gmail dots, E.164, handles) and into a SQLite file in
//    batches of 1,000, as a mail pass stores them: identities found or created, people tied
//    together and merged. Reports messages per second.
// 2. Suggestions: every contact read back from that database, then one full pass of
//    suggest_duplicates over them. 2% of the people also wrote from a second address under
//    the same name, which makes them a second contact to be suggested.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "pipeline/duplicates.h"
#include "pipeline/resolve.h"
#include "store/sql_store.h"

namespace fs = std::filesystem;
using Wall = std::chrono::steady_clock;
using namespace rapport;

namespace {

double since(Wall::time_point t) { return std::chrono::duration<double>(Wall::now() - t).count(); }

const char* kSyllables[] = {"an",  "be", "ca", "da", "el", "fa",  "ga", "ha", "il", "jo", "ka",
                            "lu",  "ma", "na", "ol", "pa", "qui", "ra", "sa", "ta", "ul", "va",
                            "wen", "xi", "ya", "zo", "mé", "lø",  "sø", "ñu", "ré", "kö"};
const char* kDomains[] = {"gmail.com", "outlook.com", "icloud.com", "yahoo.com",   "proton.me",
                          "gmx.de",    "web.de",      "orange.fr",  "fastmail.com"};

struct Person {
  std::string name;
  std::string email;
  std::string second_email;  // the 2% who also write from another address
  std::string phone;         // national, read with default_country GB
  std::string handle;
};

std::string word(std::mt19937& rng, int syllables) {
  std::string w;
  for (int i = 0; i < syllables; ++i) w += kSyllables[rng() % std::size(kSyllables)];
  w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  return w;
}

std::string ascii(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const int people_count = argc > 2 ? std::atoi(argv[2]) : 200000;
  // A third argument keeps the database there (for rapport_search_bench), else it is removed.
  const std::string keep = argc > 3 ? argv[3] : "";
  std::mt19937 rng(42);
  std::vector<Person> people;
  people.reserve(static_cast<size_t>(people_count));
  for (int i = 0; i < people_count; ++i) {
    Person p;
    std::string first = word(rng, 2), last = word(rng, 3);
    p.name = first + " " + last;
    std::string local = ascii(first) + "." + ascii(last) + std::to_string(i % 97);
    p.email = local + "@" + kDomains[rng() % std::size(kDomains)];
    if (rng() % 50 == 0)
      p.second_email =
          ascii(last) + std::to_string(i) + "@work" + std::to_string(i % 500) + ".example";
    char phone[32];
    std::snprintf(phone, sizeof phone, "07700 9%05d", i % 100000);
    p.phone = i < 100000 ? phone : "";
    if (rng() % 5 == 0) p.handle = ascii(first) + ascii(last);
    people.push_back(std::move(p));
  }

  fs::path dir = fs::temp_directory_path() / "rapport-bench-contacts";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto store = SqlStore::open((dir / "bench.db").string());
  if (!store) {
    std::cerr << store.error().to_string() << "\n";
    return 1;
  }
  auto source = (*store)->source("form", "bench", "", 1);
  pipeline::IdentityRules rules;
  rules.default_country = "GB";

  auto start = Wall::now();
  double resolve_seconds = 0;
  Batch batch;
  UnixTime t = 1767225600;
  for (int n = 0; n < messages; ++n) {
    const Person& p = people[rng() % people.size()];
    Message m;
    m.natural_key = "bench:" + std::to_string(n);
    m.received_at = t += 1 + static_cast<UnixTime>(rng() % 30);
    m.text = m.reply_text = "Thanks for the episode.";
    int channel = static_cast<int>(rng() % 10);
    if (channel < 6 || p.phone.empty()) {  // an email reply, sometimes from the other address
      m.kind = MessageKind::kEmail;
      m.from = {p.name, !p.second_email.empty() && rng() % 2 ? p.second_email : p.email};
    } else if (channel < 8) {  // a form with an email and a phone
      m.kind = MessageKind::kForm;
      m.from = {p.name, p.email};
      m.claimed = {"phone", p.phone};
    } else if (channel < 9) {  // a voicemail: the phone alone
      m.kind = MessageKind::kVoicemail;
      m.claimed = {"phone", p.phone};
    } else {  // a comment with a handle, and the email when they gave it
      m.kind = MessageKind::kForm;
      m.from = {p.name, p.email};
      if (!p.handle.empty()) m.claims = {{"handle", "instagram:" + p.handle}};
    }
    auto r0 = Wall::now();
    pipeline::resolve(m, rules);
    resolve_seconds += since(r0);
    batch.messages.push_back(std::move(m));
    if (batch.messages.size() == 1000 || n + 1 == messages) {
      auto stored = (*store)->commit_batch(source->id, batch, t);
      if (!stored) {
        std::cerr << stored.error().to_string() << "\n";
        return 1;
      }
      batch.messages.clear();
    }
  }
  double seconds = since(start);
  auto counts = (*store)->counts();
  std::printf(
      "resolution: %d messages from %d people in %.2f s (%.0f messages/s; resolve %.2f s, "
      "store %.2f s); %lld contacts, %lld identities\n",
      messages, people_count, seconds, messages / seconds, resolve_seconds,
      seconds - resolve_seconds, static_cast<long long>(counts->contacts),
      static_cast<long long>(counts->identities));

  start = Wall::now();
  auto records = (*store)->contact_records();
  double load = since(start);
  auto apart = (*store)->contacts_apart();
  auto s0 = Wall::now();
  auto found = pipeline::suggest_duplicates(*records, *apart);
  double pass = since(s0);
  size_t planted = 0;
  for (const auto& p : people) planted += !p.second_email.empty();
  std::printf(
      "suggestions: %zu contacts read in %.2f s, one pass in %.2f s (%.2f s in all); "
      "%zu suggestions (%zu people wrote from a second address)\n",
      records->size(), load, pass, load + pass, found.size(), planted);
  store->reset();
  if (!keep.empty()) fs::rename(dir / "bench.db", keep);
  fs::remove_all(dir);
  return 0;
}
