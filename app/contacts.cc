// `rapport contacts …`: the people, one person across every channel.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/command_common.h"
#include "app/commands.h"
#include "app/from_config.h"
#include "config/config.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "core/unicode.h"
#include "ingest/decode/date_parse.h"
#include "pipeline/duplicates.h"
#include "pipeline/identity.h"
#include "pipeline/who.h"
#include "store/sql_store.h"

namespace rapport::app {
namespace {

std::string day(UnixTime t) { return local_date(t); }


// WHO through the one resolver every command uses.
Result<std::int64_t> find(SqlStore& store, const std::string& who,
                          const pipeline::IdentityRules& rules) {
  return pipeline::find_person(store, who, rules);
}

void summary_json(JsonWriter& j, const ContactSummary& c) {
  j.begin_object();
  j.key("id").value(c.id);
  j.key("name").value(c.display_name.empty() ? std::optional<std::string>() : c.display_name);
  j.key("identities").begin_array();
  // Each identity as the person last wrote it, with the normal form matching uses.
  for (const auto& i : c.identities) {
    j.begin_object()
        .key("kind")
        .value(i.kind)
        .key("value")
        .value(i.shown())
        .key("normal")
        .value(i.value)
        .end_object();
  }
  j.end_array();
  j.key("first_seen").value(format_rfc3339_utc(c.first_seen_at));
  j.key("last_seen").value(format_rfc3339_utc(c.last_seen_at));
  j.key("messages").value(c.messages);
  j.key("waiting").value(c.waiting);
  j.key("last_answered")
      .value(c.last_answered_at
                 ? std::optional<std::string>(format_rfc3339_utc(*c.last_answered_at))
                 : std::nullopt);
  j.key("tags").begin_array();
  for (const auto& t : c.tags) j.value(t);
  j.end_array();
  j.key("sources").begin_array();
  for (const auto& s : c.sources) j.value(s);
  j.end_array();
  j.key("notes").value(c.notes);
  j.key("snoozed_until")
      .value(c.snoozed_until && *c.snoozed_until > SystemClock().now()
                 ? std::optional<std::string>(format_rfc3339_utc(*c.snoozed_until))
                 : std::nullopt);
  j.end_object();
}

std::string summary_line(const ContactSummary& c) {
  std::string ids;
  for (const auto& i : c.identities) ids += (ids.empty() ? "" : ", ") + i.shown();
  std::string facts = std::to_string(c.messages) + (c.messages == 1 ? " message" : " messages");
  if (c.waiting) facts += " · waiting";
  if (c.snoozed_until && *c.snoozed_until > SystemClock().now()) {
    facts += " · snoozed until " + day(*c.snoozed_until);
  }
  facts += " · last seen " + day(c.last_seen_at);
  for (const auto& t : c.tags) facts += " · " + t;
  std::string id = std::to_string(c.id);
  return std::string(id.size() < 6 ? 6 - id.size() : 0, ' ') + id + "  " +
         (c.display_name.empty() ? "(no name)" : c.display_name) + " <" + ids + ">\n        " +
         facts + "\n";
}

// A CSV cell, quoted; text a spreadsheet would run as a formula is made inert with a '.
std::string csv(const std::string& v, bool number_like = false) {
  std::string s = v;
  if (!number_like && !s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos) {
    s = "'" + s;
  }
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A vCard text value: backslash, comma, semicolon and line breaks escaped (RFC 6350 3.4).
std::string vcard_text(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == ';') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

// A content line folded at 75 octets, never inside a UTF-8 sequence (RFC 6350 3.2).
std::string vcard_line(const std::string& line) {
  std::string out;
  size_t col = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool starts_char = (c & 0xC0) != 0x80;
    if (col >= 74 && starts_char) {
      out += "\r\n ";
      col = 1;
    }
    out += line[i];
    ++col;
  }
  return out + "\r\n";
}

int list(SqlStore& store, const Invocation& inv) {
  ContactFilter f;
  f.unanswered = inv.has("--unanswered");
  f.first_time = inv.has("--first-time");
  f.tag = inv.get("--tag");
  f.source = inv.get("--source");
  if (inv.has("--since")) {
    auto t = ingest::parse_date(inv.get("--since") + "T00:00:00Z");
    if (!t) {
      std::cerr << "rapport: --since \"" << inv.get("--since")
                << "\" is not a day (hint: like 2026-11-01)\n";
      return kUsage;
    }
    f.since = *t;
  }
  auto people = store.contacts(f);
  if (!people) {
    print_error(people.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("contacts").begin_array();
    for (const auto& c : *people) summary_json(j, c);
    j.end_array().end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  for (const auto& c : *people) std::cout << summary_line(c);
  std::cout << people->size() << (people->size() == 1 ? " person\n" : " people\n");
  return kOk;
}

int show(SqlStore& store, std::int64_t id, const Invocation& inv) {
  const bool full = inv.has("--full");
  auto d = store.contact_detail(id, full);
  if (!d) {
    print_error(d.error());
    return kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("contact");
    summary_json(j, d->contact);
    j.key("timeline").begin_array();
    for (const auto& t : d->timeline) {
      j.begin_object();
      j.key("at").value(format_rfc3339_utc(t.at));
      j.key("what").value(t.what);
      j.key("message_id");
      if (t.message_id) {
        j.value(t.message_id);
      } else {
        j.null();
      }
      j.key("source").value(t.source);
      j.key("kind").value(t.kind);
      j.key("class").value(t.message_class.empty() ? std::optional<std::string>()
                                                   : t.message_class);
      j.key("subject").value(t.subject);
      j.key("episode").value(t.episode.empty() ? std::optional<std::string>() : t.episode);
      j.key("excerpt").value(t.excerpt);
      j.end_object();
    }
    j.end_array().key("notes").begin_array();
    for (const auto& n : d->notes) {
      j.begin_object().key("id").value(n.id).key("text").value(n.text);
      j.key("at").value(format_rfc3339_utc(n.created_at));
      j.key("edited_at")
          .value(n.edited_at ? std::optional<std::string>(format_rfc3339_utc(*n.edited_at))
                             : std::nullopt);
      j.end_object();
    }
    j.end_array().key("merges").begin_array();
    for (const auto& m : d->merges) {
      j.begin_object();
      j.key("id").value(m.id).key("kind").value(m.kind);
      j.key("from").value(m.from_contact_id).key("into").value(m.into_contact_id);
      j.key("evidence").value(m.evidence).key("at").value(format_rfc3339_utc(m.created_at));
      j.key("undone_at")
          .value(m.undone_at ? std::optional<std::string>(format_rfc3339_utc(*m.undone_at))
                             : std::nullopt);
      j.end_object();
    }
    j.end_array().end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  const ContactSummary& c = d->contact;
  std::cout << (c.display_name.empty() ? "(no name)" : c.display_name) << " (contact " << c.id
            << ")\n";
  for (const auto& i : c.identities) std::cout << "  " << i.kind << "  " << i.shown() << "\n";
  std::cout << "first seen " << day(c.first_seen_at) << " · last seen " << day(c.last_seen_at)
            << " · " << c.messages << (c.messages == 1 ? " message" : " messages")
            << (c.waiting ? " · waiting for an answer" : "") << "\n";
  if (c.snoozed_until && *c.snoozed_until > SystemClock().now()) {
    std::cout << "snoozed until " << format_rfc3339_local(*c.snoozed_until)
              << " (`rapport snooze --clear " << c.id << "` brings them back)\n";
  }
  if (!c.tags.empty()) {
    std::string tags;
    for (const auto& t : c.tags) tags += (tags.empty() ? "" : ", ") + t;
    std::cout << "tags: " << tags << "\n";
  }
  if (!d->notes.empty()) {
    std::cout << "notes (edit one with `rapport contacts note " << c.id
              << " --edit N TEXT`, remove it with --delete N):\n";
    for (const auto& n : d->notes) {
      std::cout << "  [" << n.id << "] " << day(n.created_at) << "  " << printable(n.text, 4000)
                << (n.edited_at ? " (edited " + day(*n.edited_at) + ")" : "") << "\n";
    }
  }
  std::cout << "\ntimeline:\n";
  for (const auto& t : d->timeline) {
    std::cout << "  " << day(t.at) << "  ";
    if (t.what == "answer") {
      std::cout << "answered (" << answer_words(t.kind) << ")"
                << (t.subject.empty() ? "" : ": " + t.subject) << "\n";
      continue;
    }
    std::cout << t.kind << " via " << t.source;
    if (t.message_class != "human") std::cout << " [" << t.message_class << "]";
    if (!t.episode.empty()) std::cout << " · " << t.episode;
    std::cout << " · message " << t.message_id << "\n";
    if (!t.subject.empty()) std::cout << "      " << printable(t.subject, 400) << "\n";
    if (full) {
      // The whole of their words, every line, as they wrote them.
      for (const std::string& line : split_lines(t.excerpt)) {
        std::cout << "      " << printable(line, 100000) << "\n";
      }
    } else if (!t.excerpt.empty()) {
      std::cout << "      “" << excerpt(t.excerpt, 140) << "”\n";
    }
  }
  if (!d->merges.empty()) {
    std::cout << "\nmerges:\n";
    for (const auto& m : d->merges) {
      std::cout << "  " << m.id << "  " << m.kind << " of contact " << m.from_contact_id
                << (m.kind == "merge" ? " into " : " and ") << m.into_contact_id << ", "
                << day(m.created_at) << ": " << m.evidence
                << (m.undone_at ? " (undone " + day(*m.undone_at) + ")" : "") << "\n";
    }
  }
  return kOk;
}

int suggest(SqlStore& store, const Invocation& inv) {
  auto records = store.contact_records();
  if (!records) {
    print_error(records.error());
    return kFailure;
  }
  auto apart = store.contacts_apart();
  if (!apart) {
    print_error(apart.error());
    return kFailure;
  }
  // How many to show: the threshold and the limit, checked before any work.
  double min_score = pipeline::kDefaultMinScore;
  long limit = 50;
  if (inv.has("--min-score")) {
    std::string v = inv.get("--min-score");
    char* end = nullptr;
    min_score = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || min_score < 0 || min_score > 1) {
      std::cerr << "rapport: --min-score \"" << v << "\" is not a score from 0 to 1 (like 0.8)\n";
      return kUsage;
    }
  }
  if (inv.has("--limit")) {
    std::string v = inv.get("--limit");
    char* end = nullptr;
    limit = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || limit < 0) {
      std::cerr << "rapport: --limit \"" << v << "\" is not a count (like 20; 0 for all)\n";
      return kUsage;
    }
  }
  auto scored = pipeline::suggest_duplicates(*records, *apart);
  std::vector<pipeline::DuplicateSuggestion> found;
  size_t below = 0;
  for (auto& s : scored) {
    if (s.score < min_score) {
      ++below;
    } else if (limit == 0 || static_cast<long>(found.size()) < limit) {
      found.push_back(std::move(s));
    }
  }
  size_t beyond = scored.size() - below - found.size();
  std::map<std::int64_t, const ContactRecord*> by_id;
  for (const auto& r : *records) by_id[r.id] = &r;
  auto label = [&](std::int64_t id) {
    const ContactRecord* r = by_id[id];
    std::string ids;
    for (const auto& i : r->identities) ids += (ids.empty() ? "" : ", ") + i.value;
    return "#" + std::to_string(id) + " " +
           (r->display_name.empty() ? "(no name)" : r->display_name) + " <" + ids + ">";
  };
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("min_score").value(min_score).key("not_shown_below").value(static_cast<std::int64_t>(below));
    j.key("not_shown_beyond_limit").value(static_cast<std::int64_t>(beyond));
    j.key("suggestions").begin_array();
    for (const auto& s : found) {
      j.begin_object().key("a").value(s.a).key("b").value(s.b).key("score").value(s.score);
      j.key("evidence").begin_array();
      for (const auto& e : s.evidence) j.value(e);
      j.end_array().end_object();
    }
    j.end_array().end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  for (const auto& s : found) {
    char score[16];
    std::snprintf(score, sizeof score, "%.2f", s.score);
    std::cout << score << "  " << label(s.a) << "\n      " << label(s.b) << "\n";
    for (const auto& e : s.evidence) std::cout << "      - " << e << "\n";
    std::cout << "      rapport contacts merge " << s.b << " " << s.a << "\n";
  }
  std::cout << found.size() << (found.size() == 1 ? " suggestion" : " suggestions");
  char threshold[16];
  std::snprintf(threshold, sizeof threshold, "%.2f", min_score);
  std::cout << " scored " << threshold << " or more";
  if (beyond > 0) std::cout << "; " << beyond << " more beyond --limit " << limit;
  if (below > 0) {
    std::cout << "; " << count_of(static_cast<std::int64_t>(below), "weaker one", "weaker ones")
              << " not shown (--min-score to see them)";
  }
  std::cout << "\n";
  return kOk;
}

int export_all(SqlStore& store, const Invocation& inv) {
  std::string format = inv.get("--format", "csv");
  if (format != "csv" && format != "json" && format != "vcard") {
    std::cerr << "rapport: --format " << format << " is not known (hint: csv, json or vcard)\n";
    return kUsage;
  }
  auto people = store.contacts({});
  if (!people) {
    print_error(people.error());
    return kFailure;
  }
  // Each identity of a kind as written, or in its normal form (a tel: URI needs E.164).
  auto of_kind = [](const ContactSummary& c, const std::string& kind, bool normal = false) {
    std::vector<std::string> out;
    for (const auto& i : c.identities) {
      if (i.kind == kind) out.push_back(normal ? i.value : i.shown());
    }
    return out;
  };
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  };
  if (format == "json") {
    JsonWriter j;
    j.begin_object().key("contacts").begin_array();
    for (const auto& c : *people) summary_json(j, c);
    j.end_array().end_object();
    std::cout << j.str() << "\n";
  } else if (format == "csv") {
    std::cout << "id,name,emails,phones,handles,websites,first_seen,last_seen,messages,waiting,"
                 "tags,notes\r\n";
    for (const auto& c : *people) {
      std::cout << c.id << "," << csv(c.display_name) << "," << csv(joined(of_kind(c, "email")))
                << "," << csv(joined(of_kind(c, "phone")), true) << ","
                << csv(joined(of_kind(c, "handle"))) << "," << csv(joined(of_kind(c, "website")))
                << "," << format_rfc3339_utc(c.first_seen_at) << ","
                << format_rfc3339_utc(c.last_seen_at) << "," << c.messages << ","
                << (c.waiting ? "yes" : "no") << "," << csv(joined(c.tags)) << "," << csv(c.notes)
                << "\r\n";
    }
  } else {
    for (const auto& c : *people) {
      std::string card = "BEGIN:VCARD\r\nVERSION:4.0\r\n";
      card += vcard_line("UID:urn:rapport:contact:" + std::to_string(c.id));
      std::string name = c.display_name.empty()
                             ? (c.identities.empty() ? std::string() : c.identities[0].shown())
                             : c.display_name;
      card += vcard_line("FN:" + vcard_text(name));
      for (const auto& e : of_kind(c, "email")) card += vcard_line("EMAIL:" + vcard_text(e));
      for (const auto& p : of_kind(c, "phone", true)) card += vcard_line("TEL;VALUE=uri:tel:" + p);
      for (const auto& w : of_kind(c, "website", true)) card += vcard_line("URL:https://" + w);
      for (const auto& h : of_kind(c, "handle"))
        card += vcard_line("X-SOCIALPROFILE:" + vcard_text(h));
      if (!c.tags.empty()) {
        std::string cats;
        for (const auto& t : c.tags) cats += (cats.empty() ? "" : ",") + vcard_text(t);
        card += vcard_line("CATEGORIES:" + cats);
      }
      if (!c.notes.empty()) card += vcard_line("NOTE:" + vcard_text(c.notes));
      card += "END:VCARD\r\n";
      std::cout << card;
    }
  }
  return kOk;
}

}  // namespace

int contacts_command(const Invocation& inv) {
  const std::vector<std::string>& a = inv.arguments;
  const std::string what = a.empty() ? "list" : a[0];
  auto usage = [&](const char* text) {
    std::cerr << "rapport: usage: rapport contacts " << text
              << " (hint: run `rapport contacts --help`)\n";
    return kUsage;
  };
  auto cfg = config::load(inv.get("--config", config::default_config_path()));
  if (!cfg) {
    print_error(cfg.error());
    return kUsage;
  }
  auto opened = open_store(cfg->store);
  if (!opened) {
    print_error(opened.error());
    return exit_status(opened.error());
  }
  SqlStore& store = **opened;
  const pipeline::IdentityRules rules = identity_rules(*cfg);
  auto person = [&](const std::string& who, std::int64_t& id) {
    auto found = find(store, who, rules);
    if (!found) {
      print_error(found.error());
      return false;
    }
    id = *found;
    return true;
  };
  const UnixTime now = SystemClock().now();
  auto label_of = [&](std::int64_t contact) {
    auto l = store.contact_label(contact);
    return l ? *l : "contact " + std::to_string(contact);
  };
  std::int64_t id = 0, other = 0;
  if (what == "list") return a.size() <= 1 ? list(store, inv) : usage("list [filters]");
  if (what == "show") {
    if (a.size() != 2) return usage("show WHO");
    return person(a[1], id) ? show(store, id, inv) : kUsage;
  }
  if (what == "suggest") return a.size() == 1 ? suggest(store, inv) : usage("suggest");
  if (what == "export")
    return a.size() == 1 ? export_all(store, inv) : usage("export --format FORMAT");
  if (what == "merge") {
    if (a.size() != 3) return usage("merge A B (A becomes part of B)");
    if (!person(a[1], id) || !person(a[2], other)) return kUsage;
    auto merged = store.merge_contacts(id, other, "merged by hand", now);
    if (!merged) {
      print_error(merged.error());
      return exit_status(merged.error());
    }
    if (inv.has("--json")) {
      std::cout << "{\"merge\":" << *merged << ",\"from\":" << id << ",\"into\":" << other << "}\n";
    } else {
      std::cout << "merged contact " << id << " into " << other << ": " << label_of(other)
                << " (merge " << *merged << "; undo with `rapport contacts unmerge " << *merged
                << "`)\n";
    }
    return kOk;
  }
  if (what == "unmerge") {
    if (a.size() != 2 || a[1].find_first_not_of("0123456789") != std::string::npos ||
        a[1].empty()) {
      return usage("unmerge MERGE_ID");
    }
    if (auto s = store.unmerge(std::stoll(a[1].substr(0, 18)), now); !s) {
      print_error(s.error());
      return exit_status(s.error());
    }
    std::cout << (inv.has("--json") ? "{\"unmerged\":" + a[1] + "}" : "merge " + a[1] + " undone")
              << "\n";
    return kOk;
  }
  if (what == "tag") {
    if (a.size() != 3) return usage("tag WHO TAG [--remove]");
    if (!person(a[1], id)) return kUsage;
    std::string tag = fold_case(trim(a[2]));
    if (tag.empty() || tag.size() > 64) return usage("tag WHO TAG (a tag of 1 to 64 characters)");
    if (auto s = store.tag_contact(id, tag, !inv.has("--remove")); !s) {
      print_error(make_error(s.error().code, label_of(id) + " has " + s.error().what, "",
                             s.error().hint));
      return s.error().code == ErrorCode::kNotFound ? kUsage : kFailure;
    }
    if (inv.has("--json")) {
      JsonWriter j;
      j.begin_object().key("contact").value(id).key("tag").value(tag);
      j.key("tagged").value(!inv.has("--remove")).end_object();
      std::cout << j.str() << "\n";
    } else {
      std::cout << (inv.has("--remove") ? "untagged " : "tagged ") << tag << ": " << label_of(id)
                << "\n";
    }
    return kOk;
  }
  if (what == "note") {
    // note WHO TEXT | note WHO --edit N TEXT | note WHO --delete N
    const bool edit = inv.has("--edit"), remove = inv.has("--delete");
    if (edit && remove) return usage("note WHO --edit N TEXT, or note WHO --delete N");
    if (a.size() != (remove ? 2u : 3u)) {
      return usage("note WHO TEXT | note WHO --edit N TEXT | note WHO --delete N");
    }
    if (!person(a[1], id)) return kUsage;
    if (!remove && (trim(a[2]).empty() || a[2].size() > 4000)) {
      return usage("note WHO TEXT (1 to 4,000 characters)");
    }
    std::int64_t note = 0;
    if (edit || remove) {
      std::string n = inv.get(edit ? "--edit" : "--delete");
      if (n.empty() || n.size() > 12 || n.find_first_not_of("0123456789") != std::string::npos) {
        return usage("note WHO --edit N TEXT | note WHO --delete N (N as `contacts show` lists it)");
      }
      note = std::stoll(n);
    }
    Status done;
    if (edit) {
      done = store.edit_note(id, note, a[2], now);
    } else if (remove) {
      done = store.delete_note(id, note);
    } else {
      auto added = store.add_note(id, a[2], now);
      if (added) note = *added;
      if (!added) done = added.error();
    }
    if (!done) {
      print_error(make_error(done.error().code, label_of(id) + ": " + done.error().what, "",
                             done.error().hint));
      return done.error().code == ErrorCode::kNotFound ? kUsage : kFailure;
    }
    const char* what_done = edit ? "edited" : remove ? "removed" : "added";
    if (inv.has("--json")) {
      JsonWriter j;
      j.begin_object().key("contact").value(id).key("note").value(note);
      j.key(what_done).value(true).end_object();
      std::cout << j.str() << "\n";
    } else {
      std::cout << "note " << note << " " << what_done << ": " << label_of(id) << "\n";
    }
    return kOk;
  }
  return usage("list|show|suggest|merge|unmerge|tag|note|export");
}

}  // namespace rapport::app
