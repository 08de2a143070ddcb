#include "tests/support/audience.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "pipeline/identity.h"

namespace rapport::testing {
namespace {

// Draws from the generator itself (not std:: distributions, whose results differ between
// standard libraries), so a seed means one audience everywhere.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() % 1000000) < p * 1000000.0; }
  template <typename T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }

 private:
  std::mt19937_64 rng_;
};

constexpr std::string_view kFirst[] = {
    "Ana", "Lucía", "María", "Sofía", "Carmen", "Javier", "Pablo", "Diego", "Marta", "Elena",
    "James", "John", "Michael", "David", "Sarah", "Emma", "Olivia", "Daniel", "Laura", "Chris",
    "Jessica", "Emily", "Matthew", "Andrew", "Rachel", "Hannah", "Thomas", "Kate", "Ben", "Amy",
    "Lukas", "Jonas", "Anna", "Lena", "Felix", "Julia", "Paul", "Sophie", "Max", "Leonie",
    "Camille", "Léa", "Chloé", "Hugo", "Louis", "Manon", "Élodie", "Théo", "Inès", "Zoé",
    "Marco", "Giulia", "Luca", "Chiara", "Francesca", "Matteo", "Sara", "Davide", "Alessia",
    "Piotr", "Katarzyna", "Agnieszka", "Tomasz", "Magdalena", "Michał", "Ewa", "Paweł",
    "Chidi", "Ngozi", "Emeka", "Amaka", "Tunde", "Funmi", "Kofi", "Ama", "Kwame", "Abena",
    "Priya", "Rahul", "Ananya", "Arjun", "Deepa", "Vikram", "Sunita", "Rohan", "Kavya",
    "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Wei", "Li", "Jing", "Hao", "Min",
    "Ahmed", "Fatima", "Omar", "Layla", "Youssef", "Nour", "Karim", "Salma", "Mehmet", "Elif",
    "Sean", "Siobhán", "Niamh", "Ciarán", "Aoife", "Lars", "Ingrid", "Sven", "Astrid", "Mikko"};
constexpr std::string_view kLast[] = {
    "García", "Fernández", "López", "Martínez", "Pérez", "Sánchez", "Romero", "Navarro", "Torres",
    "Ruiz", "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Walker",
    "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
    "Harris", "Clarke", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
    "Becker", "Schulz", "Hoffmann", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard",
    "Petit", "Durand", "Leroy", "Moreau", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Colombo", "Ricci", "Marino", "Greco", "Nowak", "Kowalski", "Wiśniewski",
    "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Okafor", "Okeke", "Adeyemi",
    "Balogun", "Eze", "Nwosu", "Mensah", "Owusu", "Boateng", "Asante", "Sharma", "Patel",
    "Gupta", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Rao", "Das", "Tanaka", "Suzuki",
    "Takahashi", "Watanabe", "Ito", "Nakamura", "Kobayashi", "Wang", "Zhang", "Liu", "Chen",
    "Yang", "Huang", "Zhao", "Wu", "Hassan", "Ali", "Mahmoud", "Ibrahim", "Khalil", "Haddad",
    "Yılmaz", "Kaya", "Demir", "Şahin", "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan",
    "O'Sullivan", "Walsh", "Andersen", "Nielsen", "Hansen", "Johansson", "Karlsson", "Virtanen",
    "Korhonen", "Lindqvist", "Berg", "Dahl", "Novak", "Horvat", "Kovač", "Popescu", "Ionescu",
    "Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Carvalho"};
constexpr std::string_view kWords[] = {
    "moon", "river", "garden", "baker", "fox", "crow", "hedge", "pixel", "tea", "rain",
    "salt", "cedar", "ember", "fern", "harbor", "lark", "maple", "night", "oak", "pine",
    "quill", "reed", "sparrow", "stone", "thistle", "vinyl", "wander", "willow", "wren", "zen",
    "bike", "coffee", "jazz", "kite", "lemon", "mango", "otter", "panda", "tiger", "wolf"};
constexpr std::string_view kFreemail[] = {
    "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com",
    "yahoo.com", "yahoo.com", "hotmail.com", "hotmail.com", "outlook.com", "outlook.com",
    "icloud.com", "icloud.com", "gmx.de", "web.de", "orange.fr", "libero.it", "wp.pl",
    "yahoo.co.uk", "proton.me", "aol.com", "mail.ru", "qq.com"};

// The ASCII a person types for their name in an address: accents gone, lower case.
std::string ascii_of(std::string_view s) {
  static const std::array<std::pair<std::string_view, char>, 28> kMap = {{
      {"á", 'a'}, {"à", 'a'}, {"ä", 'a'}, {"é", 'e'}, {"è", 'e'}, {"ë", 'e'}, {"í", 'i'},
      {"ı", 'i'}, {"ó", 'o'}, {"ö", 'o'}, {"ú", 'u'}, {"ü", 'u'}, {"ñ", 'n'}, {"ç", 'c'},
      {"ł", 'l'}, {"ś", 's'}, {"ń", 'n'}, {"ż", 'z'}, {"ć", 'c'}, {"ş", 's'}, {"š", 's'},
      {"č", 'c'}, {"É", 'e'}, {"Ł", 'l'}, {"Ś", 's'}, {"Ş", 's'}, {"Ż", 'z'}, {"Š", 's'},
  }};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [from, to] : kMap) {
      if (s.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        done = true;
        break;
      }
    }
    if (done) continue;
    char c = s[i++];
    if (c == '\'' || c == ' ') continue;
    if (static_cast<unsigned char>(c) >= 0x80) continue;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

struct Name {
  std::string first, last;
  std::string full() const { return first + " " + last; }
};

// A local part spelt from a name, the ways people and employers spell them.
std::string name_local(const Name& n, Draw& d, bool work) {
  std::string f = ascii_of(n.first), l = ascii_of(n.last);
  if (work) {
    switch (d.below(4)) {
      case 0: return f + "." + l;
      case 1: return f.substr(0, 1) + l;
      case 2: return f;
      default: return f + "." + l;
    }
  }
  // At the big providers the plain spellings were taken long ago: most people's carry a year,
  // a number or a middle initial.
  std::string year = std::to_string(d.chance(0.5) ? 1960 + d.below(50) : 60 + d.below(40));
  std::string initial(1, static_cast<char>('a' + d.below(26)));
  switch (d.below(20)) {
    case 0:
    case 1:
    case 2: return f + "." + l;
    case 3:
    case 4: return f + l;
    case 5: return f.substr(0, 1) + l;
    case 6: return f + "_" + l;
    case 7: return l + "." + f;
    case 8:
    case 9:
    case 10:
    case 11:
    case 12: return f + "." + l + year;
    case 13:
    case 14:
    case 15: return f + l + std::to_string(d.below(100));
    case 16:
    case 17: return f + "." + initial + "." + l;
    default: return f.substr(0, 1) + "." + l + std::to_string(d.below(100));
  }
}

std::string word_local(Draw& d) {
  return std::string(d.pick(kWords)) + std::string(d.pick(kWords)) + std::to_string(d.below(1000));
}

Identity email(std::string local, std::string_view domain) {
  return Identity{"email", local + "@" + std::string(domain), ""};
}

}  // namespace

Audience generate_audience(int people, std::uint64_t seed) {
  Draw d(seed);
  // The names: first and last names drawn apart, each as often as its rank says (a few very
  // common, a long tail), so "maría garcía" is shared by dozens and most combinations by no
  // one else; no name is carried by more than 36 people.
  auto zipf = [&](size_t n, double s) {
    std::vector<double> c;
    double t = 0;
    for (size_t r = 0; r < n; ++r) c.push_back(t += 1.0 / std::pow(static_cast<double>(r + 1), s));
    return c;
  };
  const std::vector<double> first_cdf = zipf(std::size(kFirst), 0.75);
  const std::vector<double> last_cdf = zipf(std::size(kLast), 0.75);
  auto draw = [&](const std::vector<double>& cdf) {
    double x = static_cast<double>(d.below(1u << 30)) / (1u << 30) * cdf.back();
    size_t i = static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), x) - cdf.begin());
    return std::min(i, cdf.size() - 1);
  };
  std::map<std::string, int> carried;
  // Companies: own domains, where colleagues share a domain and a scheme.
  std::vector<std::string> companies;
  for (int i = 0; i < people / 20 + 10; ++i) {
    companies.push_back(std::string(d.pick(kWords)) + "-" + std::string(d.pick(kWords)) +
                        (d.chance(0.5) ? ".example.com" : ".example.org"));
  }

  Audience a;
  a.people = people;
  std::int64_t next_id = 1;
  // Every identity is one contact's, as in the store: an address someone else already has is
  // taken by another person with a number added (ana.perez2@…), as providers make people do.
  std::set<std::string> taken;
  auto add = [&](std::int64_t person, std::string name, std::vector<Identity> ids) {
    ContactRecord c;
    c.id = next_id++;
    c.display_name = std::move(name);
    for (Identity& i : ids) {
      if (i.kind == "email") {
        std::string written = i.value;
        size_t at = written.rfind('@');
        i = pipeline::email_identity(written);
        for (int n = 2; taken.count(i.kind + ":" + i.value); ++n) {
          i = pipeline::email_identity(written.substr(0, at) + std::to_string(n) + written.substr(at));
        }
        i.written = written;
      } else {
        for (int n = 2; taken.count(i.kind + ":" + i.value); ++n) i.value += std::to_string(n % 10);
      }
      taken.insert(i.kind + ":" + i.value);
    }
    c.identities = std::move(ids);
    a.person[c.id] = person;
    a.contacts.push_back(std::move(c));
  };
  for (int p = 0; p < people; ++p) {
    Name name;
    do {
      name = Name{std::string(kFirst[draw(first_cdf)]), std::string(kLast[draw(last_cdf)])};
    } while (carried[name.full()] >= 36);
    ++carried[name.full()];
    // Their main address: mostly at a public provider (listeners write from home), spelt from
    // the name or a nickname.
    bool own_domain = d.chance(0.08);
    std::string local = d.chance(0.7) ? name_local(name, d, own_domain) : word_local(d);
    std::string domain = own_domain ? companies[d.below(companies.size())]
                                    : std::string(d.pick(kFreemail));
    std::vector<Identity> main{email(local, domain)};
    add(p, name.full(), main);
    if (!d.chance(0.25)) continue;
    ++a.split_people;
    // Known a second time: how, and under what name.
    std::string second_name = name.full();
    double r = static_cast<double>(d.below(100));
    if (r < 12) {
      second_name = name.first;  // "Ana": a first name only
    } else if (r < 18) {
      second_name = ascii_of(name.first) + " " + ascii_of(name.last);  // typed without accents
    } else if (r < 22) {
      second_name = "";  // no name at all
    }
    int how = static_cast<int>(d.below(100));
    std::vector<Identity> ids;
    const char* why = how < 35 ? "same address name elsewhere" : how < 60 ? "work address"
                      : how < 75 ? "another spelling" : how < 90 ? "phone only" : "handle";
    if (how < 35) {
      // The same local part at another public provider: an old or a spare address.
      std::string other;
      do {
        other = std::string(d.pick(kFreemail));
      } while (other == domain);
      ids.push_back(email(local, other));
    } else if (how < 60) {
      // A work address spelt from the name at their employer.
      ids.push_back(email(name_local(name, d, true), companies[d.below(companies.size())]));
    } else if (how < 75) {
      // Another spelling of the name at another provider.
      std::string other_local;
      do {
        other_local = name_local(name, d, false);
      } while (other_local == local);
      ids.push_back(email(other_local, d.pick(kFreemail)));
    } else if (how < 90) {
      // A listener form or a voicemail: a phone only.
      ids.push_back(Identity{"phone", "+44" + std::to_string(7000000000LL + d.below(999999999)), ""});
    } else {
      // A handle on Mastodon or Bluesky, often the nickname of the address.
      std::string handle = local.size() >= 5 && d.chance(0.6) ? local : word_local(d);
      ids.push_back(Identity{"handle", std::string(d.chance(0.5) ? "mastodon:" : "bluesky:") + handle, ""});
      if (d.chance(0.5)) ids.push_back(Identity{"handle", "instagram:" + handle, ""});
    }
    a.how[next_id] = why;
    add(p, second_name, ids);
    if (d.chance(0.15)) {
      // A third: yet another provider with the same local part.
      a.how[next_id] = "third address";
      add(p, name.full(), {email(local, d.pick(kFreemail))});
    }
  }
  return a;
}

}  // namespace rapport::testing
