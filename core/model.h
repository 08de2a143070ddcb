// The shared model: plain structs that flow from the sources through the pipeline into
// the store and out to the digest. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace rapport {

// An item of one of the creator's own feeds: what replies get linked to.
struct Episode {
  std::int64_t id = 0;  // store id; 0 until stored
  std::string guid;     // natural key within its feed
  std::string title;    // plain text
  std::string link;
  std::optional<UnixTime> published_at;
  std::string published_text;  // the date as written, kept when it could not be read
  std::optional<int> number;   // itunes:episode
  std::optional<int> season;   // itunes:season
  std::optional<int> duration_seconds;
  std::string comments_feed;  // wfw:commentRss: where listeners' comments on it are
  // The Message-IDs of the newsletters the creator sent about it (from a Sent folder).
  std::vector<std::string> newsletter_ids;
  // podcast:socialInteract with protocol "activitypub": the root post of the episode's thread,
  // whose replies are read as listener messages.
  std::string social_thread;
};

// A review (Apple Podcasts) and a post (a Mastodon or Bluesky reply or mention) come from the
// social sources; a YouTube comment is a comment.
enum class MessageKind {
  kEmail,
  kComment,
  kForm,
  kVoicemail,
  kMessage,
  kBoostagram,
  kReview,
  kPost
};
// Who wrote a message: a person, or a machine (an auto-reply, a bounce, a spam complaint from a
// mailbox provider's feedback loop, list mail); or a person asking to leave the list.
enum class MessageClass { kHuman, kAutoReply, kBounce, kUnsubscribe, kList, kComplaint };

std::string_view to_string(MessageKind kind);
std::string_view to_string(MessageClass cls);
// How an answer was recorded, in words: "by hand" (rapport answered, the inbox), "through the
// digest" (a reply line or a one-tap link), "your Sent folder"; anything else as it is.
std::string_view answer_words(std::string_view how);
std::optional<MessageClass> message_class_from_string(std::string_view s);

struct Address {
  std::string name;     // display name, decoded; may be empty
  std::string address;  // addr-spec as written; may be empty
};

struct Header {
  std::string name;
  std::string value;  // unfolded and RFC 2047-decoded
};

// The fields a listener message (a webhook, a form, an export row) can carry, as config and
// adapters name them.
const std::vector<std::string>& listener_message_fields();

// A way to reach a person: an email address, a phone number, a handle, a website.
struct Identity {
  Identity() = default;
  Identity(std::string kind, std::string value, std::string written = {})
      : kind(std::move(kind)), value(std::move(value)), written(std::move(written)) {}
  std::string kind;     // "email", "phone", "handle", "website", "name", "boostagram"
  std::string value;    // normalised: what matching compares
  std::string written;  // as the person wrote it in this message ("Lucia.Fernandez@gmail.com")
  bool empty() const { return value.empty(); }
  // What people are shown: the spelling they used, else the normal form.
  const std::string& shown() const { return written.empty() ? value : written; }
};

// Everything a person sent. The source fills the first group of fields; the pipeline
// fills the second; the store persists both.
// A part of a message that is not its text: a photo, a PDF, a forwarded message.
struct Attachment {
  std::string name;        // its file name as sent ("" when it has none)
  std::string type;        // "image/jpeg"
  std::int64_t size = 0;   // bytes, decoded (estimated from the transfer encoding)
};

struct Message {
  // --- filled by the source ---
  std::string natural_key;  // "mid:<Message-ID>" or "sha256:<hex of the raw bytes>"
  MessageKind kind = MessageKind::kEmail;
  std::string source_ref;  // where in the source it came from (a Maildir file name)
  Address from;
  std::vector<Address> to;  // To and Cc
  std::string subject;
  std::string message_id;  // without angle brackets; empty when the message has none
  std::string in_reply_to;
  std::vector<std::string> references;
  UnixTime received_at = 0;  // the Date header, else when it was delivered
  std::string date_text;     // the Date header as written
  std::string text;          // the whole body as plain text (from HTML when no text part)
  bool text_from_html = false;
  std::vector<Header> headers;
  std::vector<Attachment> attachments;  // at most kMaxAttachments, in the order they came
  std::vector<std::string> warnings;  // what could not be read cleanly
  std::string url;                    // where it can be seen (a comment's permalink); may be empty
  std::string author_url;             // the sender's website, when they gave one
  std::string episode_guid;           // set when the source knows the episode (a per-episode feed)
  std::string episode_ref;       // the episode as a listener message names it: guid, URL or number
  Identity claimed;              // an identity the source vouches for (a phone, a handle)
  std::vector<Identity> claims;  // more identities it vouches for (a form's phone and handle)
  std::string details;           // what else the channel says, in words ("voicemail, 0:42")
  std::optional<std::int64_t> amount_sats;  // a boostagram's value
  std::optional<int> rating;                // a review's stars, 1 to 5
  bool outgoing = false;  // written by the creator (a Sent folder): it answers its recipients
  // An outgoing message sent to the list, not to a person: it answers no one, and replies to
  // it (by In-Reply-To or References) answer the episode or issue it is.
  bool newsletter = false;

  // --- filled by the pipeline ---
  MessageClass message_class = MessageClass::kHuman;
  std::string class_reason;
  std::string reply_text;  // the words this person wrote
  bool asks = false;       // reply_text asks something (a question or a request)
  std::optional<std::int64_t> episode_id;
  Identity identity;                 // empty when the sender is not a person (a bounce, list mail)
  std::vector<Identity> also;        // the sender's other identities this message ties to them
  std::vector<Identity> recipients;  // outgoing: each recipient's address, normalised
  std::string display_name;          // the person's name as it should be shown; may be empty

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// What one poll of a source produced, and the cursor to store with it. The store commits
// all of it, cursor included, in one transaction.
// How far a source's read has got, for progress lines: `done` of `total` (0: the source does
// not know its size) in `unit`s.
struct Progress {
  enum class Unit { kMessages, kBytes };
  std::int64_t done = 0;
  std::int64_t total = 0;
  Unit unit = Unit::kMessages;
};

struct Batch {
  std::vector<Episode> episodes;
  std::vector<Message> messages;
  std::vector<std::string> warnings;
  std::string cursor;
  std::string moved_to;                     // set when the source was permanently redirected here
  std::optional<std::int64_t> ttl_seconds;  // how long the source asks not to be polled (RSS ttl)
  // The source has more to read right now: poll it again with `cursor` once this batch is
  // committed (a large folder read in batches, each committed with its cursor).
  bool more = false;
  Progress progress;  // where this batch leaves the read (set by sources that read in batches)
  // Set by the pipeline on the second and later batches of one read: their warnings add to the
  // earlier batches' (a source's last warnings are those of its whole last read).
  bool continues_read = false;
};

// The stored state of one configured source.
struct SourceState {
  std::int64_t id = 0;
  std::string kind;  // "feed", "maildir"
  std::string name;
  std::string location;  // URL or path as configured
  std::string cursor;
  std::optional<UnixTime> last_attempt_at;
  std::optional<UnixTime> last_success_at;
  std::string last_error;
  std::string last_warnings;  // newline-separated, from the last successful poll
  int consecutive_failures = 0;
  std::string moved_to;                  // a permanent redirect's target, used instead of location
  std::optional<UnixTime> dead_since;    // gone (HTTP 410): not polled until the config changes
  std::optional<UnixTime> next_due_at;   // not polled before this (Retry-After)
  std::optional<UnixTime> next_poll_at;  // when the daemon polls it next
  // A read began then and has not finished: when no process is reading it now, the last one
  // stopped during the read (a crash or a kill).
  std::optional<UnixTime> reading_since;
  // The process reading it now ("studio-2 pid 4242"; empty: none), until when unless it
  // renews that with each batch it stores.
  std::string lease_holder;
  std::optional<UnixTime> lease_until;
  // No longer in the config since then: its messages and episodes stay, but it is not shown
  // in status or digests. Cleared when the config names it again.
  std::optional<UnixTime> retired_at;
};

// A contact with human messages newer than the creator's last answer.
// One of the messages a person is waiting for an answer to.
struct OpenMessage {
  std::int64_t id = 0;  // the message's row: `rapport message show ID`
  UnixTime received_at = 0;
  std::string kind;  // "email", "form", "voicemail", "comment", …
  std::string subject;
  std::string reply_text;  // their words
  std::string details;     // "voicemail, 0:42"
  std::string url;         // where it can be seen or heard (a comment, a recording)
};

struct DigestCandidate {
  std::int64_t contact_id = 0;
  std::string display_name;
  std::string address;        // the identity the newest message came from, as written
  std::string identity_value;  // its normal form (a phone in E.164, for a tel: link)
  std::string identity_kind;  // "email", "website", "name"
  UnixTime first_seen_at = 0;
  UnixTime last_seen_at = 0;
  int total_human_messages = 0;
  int unanswered_messages = 0;
  UnixTime waiting_since = 0;  // the oldest unanswered message
  std::optional<UnixTime> last_answered_at;
  // The newest unanswered message.
  std::int64_t message_row = 0;
  std::string subject;
  std::string message_id;
  std::string reply_text;
  std::int64_t reply_chars = 0;  // the size of reply_text in bytes (known before it is read)
  bool asks_question = false;    // reply_text holds a question mark
  UnixTime received_at = 0;
  std::string episode_title;
  std::optional<int> episode_number;
  std::string url;              // where the newest message can be seen (a comment); may be empty
  std::string message_kind;     // "email", "comment", …
  std::string details;          // channel details of the newest message ("voicemail, 0:42")
  std::int64_t boost_sats = 0;  // all boostagram value from this person
  std::optional<int> rating;    // the newest message is a review of this many stars
  bool supporter = false;       // tagged "supporter"
  std::optional<UnixTime> episode_published_at;
  std::string episode_link;             // the episode's page, from the feed
  std::vector<std::string> identities;  // every address, phone or handle of theirs
  // The conversation: their unanswered messages, oldest first (the newest kOpenMessages; the
  // newest is the one above). Read with the newest message.
  std::vector<OpenMessage> conversation;
  // The email thread a reply continues: the newest email of theirs with a Message-ID (in the
  // conversation, else before it), so a reply to someone who last wrote through a form still
  // answers their email. Empty when they never emailed.
  std::string thread_subject;
  std::string thread_message_id;
  std::vector<std::string> thread_references;
};

// How many of a person's unanswered messages the digest reads, the newest.
constexpr int kOpenMessages = 10;

// A note the creator wrote about a person.
struct Note {
  std::int64_t id = 0;
  std::string text;
  UnixTime created_at = 0;
  std::optional<UnixTime> edited_at;
};

// A person as `rapport contacts list` shows them.
struct ContactSummary {
  std::int64_t id = 0;
  std::string display_name;
  std::vector<Identity> identities;  // each with its normal form and how it was last written
  UnixTime first_seen_at = 0;
  UnixTime last_seen_at = 0;
  std::int64_t messages = 0;  // from people (human)
  bool waiting = false;       // a human message newer than the last answer
  std::optional<UnixTime> last_answered_at;
  std::vector<std::string> tags;
  std::vector<std::string> sources;  // where their messages came from
  std::string notes;                   // every note, "YYYY-MM-DD text" a line, oldest first
  std::optional<UnixTime> snoozed_until;  // left out of digests until then
};

// What the web inbox's search looks for. `text` is matched against names (accents and case
// aside, from the start of any word), addresses, phones and handles (any part), and the words
// people wrote (each word as the start of a word); the other fields narrow it.
struct SearchQuery {
  std::string text;
  std::string tag;      // only people with this tag
  std::string source;   // only what came from this source (its name)
  std::string episode;  // only what answers an episode whose title holds these words
  int limit = 50;       // of people, and of messages
};

// A message the search found, with the words around what matched.
struct MessageHit {
  std::int64_t message_id = 0;
  std::int64_t contact_id = 0;
  std::string contact_name;
  UnixTime received_at = 0;
  std::string subject;
  std::string source;
  std::string kind;
  // Their words around the match; each matched word between \x02 and \x03.
  std::string snippet;
};

struct SearchResults {
  std::vector<ContactSummary> people;  // newest first
  std::vector<MessageHit> messages;    // newest first
  bool more_people = false;            // beyond limit
  bool more_messages = false;
};

struct ContactFilter {
  bool unanswered = false;  // only people waiting for an answer
  bool first_time = false;  // only people with one message
  std::string tag;
  std::string source;             // a configured source's name
  std::optional<UnixTime> since;  // seen at or after
};

// One line of a person's history.
struct TimelineEntry {
  UnixTime at = 0;
  std::int64_t message_id = 0;  // the message's row (0 for an answer): `rapport message show`
  std::string what;  // "message" or "answer"
  std::string source;
  std::string kind;  // email, form, comment, …; or how it was answered
  std::string message_class;
  std::string subject;
  std::string episode;
  std::string excerpt;  // their words: the first 200 bytes, or all of them (contacts show --full)
};

// One stored message, whole, as `rapport message show` prints it.
struct StoredMessage {
  std::int64_t id = 0;
  std::string source;  // the source's name
  std::string kind;    // "email", "form", …
  std::string message_class;
  std::string class_reason;
  UnixTime received_at = 0;
  std::string date_text;
  std::string from_name;
  std::string from_address;
  std::string subject;
  std::string message_id;
  std::string in_reply_to;
  std::vector<std::string> references;
  std::string body_text;   // the whole body as text
  std::string reply_text;  // their words
  std::string url;
  std::string details;
  std::vector<std::string> warnings;
  std::vector<Attachment> attachments;
  std::optional<std::int64_t> amount_sats;
  std::optional<std::int64_t> contact_id;  // the person it is from; none for a machine
  std::string contact_name;
  std::string episode_title;
  std::string episode_link;
};

struct MergeRecord {
  std::int64_t id = 0;
  std::string kind;  // "merge" or "split" (an undone merge: they are not the same person)
  std::int64_t from_contact_id = 0;
  std::int64_t into_contact_id = 0;
  std::string evidence;
  UnixTime created_at = 0;
  std::optional<UnixTime> undone_at;
};

struct ContactDetail {
  ContactSummary contact;
  std::vector<Note> notes;              // oldest first, each with the id to edit or remove it
  std::vector<TimelineEntry> timeline;  // oldest first
  std::vector<MergeRecord> merges;      // those this contact took part in
};

// A person and their identities, for finding likely duplicates.
struct ContactRecord {
  std::int64_t id = 0;
  std::string display_name;
  std::vector<Identity> identities;
};

// What happened since the last digest, for its summary line.
struct PeriodSummary {
  UnixTime since = 0;
  std::int64_t replies = 0;     // messages from people
  std::int64_t new_people = 0;  // people who wrote for the first time
  std::vector<std::pair<std::string, std::int64_t>> by_episode;  // episode title, replies
};

// A piece of what a person wrote, for the digest: sentences of one of their unanswered
// messages, "…" where some were left out.
struct ExcerptPart {
  int message = 0;  // which of the conversation's messages (0: the oldest unanswered)
  std::string text;
};

// A digest as it was recorded: who it listed, in order, and why.
struct DigestRecord {
  struct Listed {
    int position = 0;
    std::int64_t contact_id = 0;
    std::string name;    // the person's name now
    std::string reason;  // the reasons it gave, as recorded
  };
  std::int64_t id = 0;
  std::string slot;
  UnixTime generated_at = 0;
  std::optional<UnixTime> delivered_at;
  std::string delivery;  // where it went ("smtp …", a file path)
  std::string text;      // its plain-text part as sent; empty for one made before it was kept
  std::vector<Listed> listed;
};

// A line of a reply to the digest ("done 3") and what it did.
struct DigestCommandRecord {
  std::string line;
  std::string result;
  UnixTime at = 0;
  std::string confirmed_slot;  // the digest that reported it back; empty until one did
};

// A link in the digest that acts on one person ("Done", "Snooze a week", "Open in the inbox").
struct ActionLink {
  std::string label;
  std::string url;
};

struct DigestItem {
  DigestCandidate who;
  std::vector<ActionLink> actions;  // one-tap links, when the web inbox has a public_url
  double score = 0;
  std::vector<std::string> reasons;  // plain words, most important first
  std::vector<ExcerptPart> excerpt;  // what they asked, across the conversation
};

struct Counts {
  std::int64_t episodes = 0;
  std::int64_t messages = 0;
  std::int64_t human_messages = 0;
  std::int64_t contacts = 0;
  std::int64_t identities = 0;
  std::int64_t unanswered_contacts = 0;
  std::int64_t digests = 0;
};

// People waiting for an answer whom a digest leaves out, by why: how many, and when the first
// of them is listed again.
struct AsideGroup {
  int people = 0;
  std::optional<UnixTime> first_back;
};
struct SetAside {
  AsideGroup listed;   // in a recent digest, nothing new since: back after relist_after
  AsideGroup snoozed;  // rapport snooze: back when it ends
  AsideGroup too_new;  // waiting less than min_wait: listed once they have waited that long
  int total() const { return listed.people + snoozed.people + too_new.people; }
};

struct Digest {
  std::string slot;  // the local date it is for, YYYY-MM-DD; one digest per slot
  UnixTime generated_at = 0;
  std::string show;  // the show's name, for the title
  std::vector<DigestItem> items;
  int waiting_total = 0;  // all candidates, before max_people cut the list
  Counts counts;
  // Sources failing or gone, and exports whose last read refused rows: the health section.
  std::vector<SourceState> needs_attention;
  std::optional<PeriodSummary> period;
  std::vector<std::string> from_your_reply;  // what your reply to a digest did, to confirm
  SetAside set_aside;  // waiting, but not listed today
};

}  // namespace rapport
