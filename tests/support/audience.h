// A realistic audience, generated from a seed, with the truth about who is who: people whose
// names collide (a few thousand names for tens of thousands of people, dozens sharing the
// commonest), addresses spelt from names the way people and employers spell them (the same
// local part at several providers, often by different people), and some people split over
// several contacts the way a creator's mail splits them — an old address at another provider, a
// work address, a form with only a phone, a handle — under their name, a first name only, a
// variant or none. For contacts suggest's precision and recall (bench/ and the suite).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/model.h"

namespace rapport::testing {

struct Audience {
  std::vector<ContactRecord> contacts;          // ids 1..n
  std::map<std::int64_t, std::int64_t> person;  // contact id -> the person it belongs to
  // contact id -> how a person's second or third contact came about ("same address name
  // elsewhere", "work address", "another spelling", "phone only", "handle", "third address")
  std::map<std::int64_t, std::string> how;
  int people = 0;                               // how many people
  int split_people = 0;                         // of them, known as several contacts
};

// `people` people; the same seed gives the same audience on every machine.
Audience generate_audience(int people, std::uint64_t seed);

}  // namespace rapport::testing
