// The vocabulary of rapport.toml: every table's keys with their types, and the words the loader
// checks values against. Used by the loader only.
#pragma once

#include <toml++/toml.h>

namespace rapport::config {

enum class Type { kString, kInteger, kBool, kTable, kStringArray };

struct KeySpec {
  const char* name;
  Type type;
  bool required;
};

inline constexpr KeySpec kCreatorKeys[] = {
    {"name", Type::kString, true},
    {"email", Type::kString, true},
    {"show", Type::kString, false},
};
inline constexpr KeySpec kStoreKeys[] = {
    {"path", Type::kString, false},
    {"url", Type::kString, false},
    {"password_env", Type::kString, false},
    {"password_file", Type::kString, false},
    {"show", Type::kString, false},
    {"share_contacts", Type::kBool, false},
};
inline constexpr KeySpec kFeedKeys[] = {
    {"name", Type::kString, true},           {"url", Type::kString, true},
    {"kind", Type::kString, false},          {"username", Type::kString, false},
    {"ca_file", Type::kString, false},       {"password_env", Type::kString, false},
    {"password_file", Type::kString, false}, {"timeout_seconds", Type::kInteger, false},
    {"max_bytes", Type::kInteger, false},    {"interval_minutes", Type::kInteger, false},
};
inline constexpr KeySpec kMailboxKeys[] = {
    {"name", Type::kString, true},           {"kind", Type::kString, true},
    {"path", Type::kString, false},          {"interval_minutes", Type::kInteger, false},
    {"role", Type::kString, false},          {"host", Type::kString, false},
    {"port", Type::kInteger, false},         {"security", Type::kString, false},
    {"username", Type::kString, false},      {"password_env", Type::kString, false},
    {"password_file", Type::kString, false}, {"token_command", Type::kString, false},
    {"ca_file", Type::kString, false},       {"timeout_seconds", Type::kInteger, false},
    {"folder", Type::kString, false},        {"since", Type::kString, false},
    {"batch_size", Type::kInteger, false},   {"format", Type::kString, false},
    {"max_message_bytes", Type::kInteger, false},
};
inline constexpr KeySpec kSocialKeys[] = {
    {"name", Type::kString, true},           {"kind", Type::kString, true},
    {"api_url", Type::kString, false},       {"instance", Type::kString, false},
    {"show_id", Type::kString, false},       {"countries", Type::kStringArray, false},
    {"channel_id", Type::kString, false},    {"key_env", Type::kString, false},
    {"key_file", Type::kString, false},      {"token_env", Type::kString, false},
    {"token_file", Type::kString, false},    {"handle", Type::kString, false},
    {"password_env", Type::kString, false},  {"password_file", Type::kString, false},
    {"ca_file", Type::kString, false},       {"timeout_seconds", Type::kInteger, false},
    {"max_pages", Type::kInteger, false},    {"interval_minutes", Type::kInteger, false},
};
inline constexpr const char* kSocialKinds[] = {"apple_reviews", "youtube", "mastodon", "bluesky"};
inline constexpr KeySpec kListenerKeys[] = {
    {"address", Type::kString, false},
    {"port", Type::kInteger, false},
    {"max_body_bytes", Type::kInteger, false},
    {"trusted_proxy", Type::kString, false},
};
inline constexpr KeySpec kWebKeys[] = {
    {"address", Type::kString, false},
    {"port", Type::kInteger, false},
    {"public_url", Type::kString, false},
    {"password_file", Type::kString, false},
    {"trusted_proxy", Type::kString, false},
};
inline constexpr KeySpec kInboxKeys[] = {
    {"name", Type::kString, true},
    {"kind", Type::kString, true},
    {"fields", Type::kTable, false},
    {"token_env", Type::kString, false},
    {"token_file", Type::kString, false},
    {"hmac_secret_env", Type::kString, false},
    {"hmac_secret_file", Type::kString, false},
    {"signature_header", Type::kString, false},
    {"open", Type::kBool, false},
    {"rate_limit_per_hour", Type::kInteger, false},
    {"honeypot", Type::kString, false},
    {"thank_you_url", Type::kString, false},
    {"path", Type::kString, false},
    {"drop_folder", Type::kString, false},
    {"interval_minutes", Type::kInteger, false},
    {"date_order", Type::kString, false},
};
inline constexpr KeySpec kSmtpKeys[] = {
    {"host", Type::kString, true},
    {"port", Type::kInteger, false},
    {"security", Type::kString, false},
    {"username", Type::kString, false},
    {"password_env", Type::kString, false},
    {"password_file", Type::kString, false},
    {"token_command", Type::kString, false},
    {"ca_file", Type::kString, false},
    {"timeout_seconds", Type::kInteger, false},
};
inline constexpr KeySpec kContactsKeys[] = {
    {"default_country", Type::kString, false},
    {"strip_plus_tags", Type::kBool, false},
    {"case_sensitive_domains", Type::kStringArray, false},
};
inline constexpr KeySpec kDaemonKeys[] = {
    {"max_backoff_minutes", Type::kInteger, false},
    {"concurrency", Type::kInteger, false},
};
inline constexpr const char* kInboxKinds[] = {"generic", "voicemail", "boostagram",
                                              "form",    "csv",       "jsonl"};
inline constexpr KeySpec kFetchKeys[] = {
    {"max_connections", Type::kInteger, false},
    {"max_connections_per_host", Type::kInteger, false},
    {"episode_comment_feeds", Type::kInteger, false},
};
inline constexpr KeySpec kDigestKeys[] = {
    {"to", Type::kString, false},
    {"max_people", Type::kInteger, false},
    {"excerpt_chars", Type::kInteger, false},
    {"output_dir", Type::kString, false},
    {"at", Type::kString, false},
    {"days", Type::kString, false},
    {"timezone", Type::kString, false},
    {"min_wait_hours", Type::kInteger, false},
    {"relist_after_days", Type::kInteger, false},
    {"start", Type::kString, false},
    {"reply_subject", Type::kString, false},
    {"weights", Type::kTable, false},
};
inline constexpr const char* kWeightNames[] = {"first_time",  "question",      "effort",
                                               "waiting_day", "unanswered",    "since_answer_month",
                                               "supporter",   "recent_episode"};
inline constexpr const char* kTopLevel[] = {"creator", "store",    "feed",    "mailbox",
                                            "inbox",   "social",   "listener", "fetch",   "daemon",
                                            "digest",  "smtp",     "contacts", "web"};
// Keys that would hold a secret inline. Refused with a pointer to the _env/_file form.
inline constexpr const char* kSecretWords[] = {"password", "pass",    "token",
                                               "secret",   "api_key", "apikey"};

// "a string", "an integer", … for messages.
const char* type_name(Type t);
// What a TOML node is, in the same words.
const char* node_type_name(const toml::node& n);
// Whether `n` holds a value of type `t`.
bool has_type(const toml::node& n, Type t);

}  // namespace rapport::config
