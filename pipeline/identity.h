// Identity: how an address, a phone number, a handle or a website is written so that the same
// one always reads the same, and how names are compared.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/unicode.h"  // nfc() and fold_name(), used with these

namespace rapport::pipeline {

// The [contacts] settings that decide when two spellings are one identity.
struct IdentityRules {
  std::string default_country;   // ISO 3166 code ("GB"): national phone numbers are read there
  bool strip_plus_tags = false;  // "ana+podcast@x" is "ana@x" everywhere (some providers: always)
  std::vector<std::string> case_sensitive_domains;  // local parts kept as written there
};

// "Ana.Lopez+show@GoogleMail.com" -> email "analopez@gmail.com". Domains are case-folded;
// local parts too, except at the domains the rules name; Gmail ignores dots. +tags go at the
// providers that deliver them to the same mailbox (Gmail, Outlook/Hotmail/Live/MSN, iCloud,
// Fastmail, Proton, Hey, Zoho), elsewhere only when the rules say so. A quoted local part
// ("\"ana lopez\"@x") keeps its quotes, unless it needs none. Empty when it is not an address.
Identity email_identity(std::string_view address, const IdentityRules& rules = {});

// A phone number in E.164 ("+441632960961"), read by libphonenumber: "+44 (0)1632 960961",
// "0044…", and national numbers in `default_country` ("01632 960961" with "GB", "8 (912)
// 345-67-89" with "RU"); an extension is the same line. Empty when it cannot be read as one:
// not a possible length for its country, local-only, or national without a country.
std::string e164(std::string_view raw, std::string_view default_country);

// A handle on a platform: "platform:handle", both lower-cased, without a leading "@".
Identity handle_identity(std::string_view platform, std::string_view handle);

// A website: without scheme, "www.", query and trailing slash.
Identity website_identity(std::string_view url);

// Jaro-Winkler similarity of two strings, 0 (nothing alike) to 1 (equal).
double jaro_winkler(std::string_view a, std::string_view b);

// Whether `domain` is a mailbox provider anyone can sign up at (gmail.com, outlook.com, …):
// sharing one says nothing about two people.
bool is_freemail(std::string_view domain);

}  // namespace rapport::pipeline
