#include "notify/digest_render.h"

#include <cstdio>
#include <ctime>

#include "core/text.h"

namespace rapport::notify {
namespace {

// Listener text in the text part: no control characters that could fake layout or
// terminal escapes; newlines kept only where the caller allows.
std::string clean(std::string_view s) {
  std::string out;
  for (char c : valid_utf8(s)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  return out;
}

// A mailto: part, its "@" kept readable.
std::string percent_encode(std::string_view s) { return url_encode(s, "@"); }


// "Messages 52, 58 (rapport message show ID)": where to read them whole.
std::string message_ids(const DigestCandidate& c) {
  if (c.conversation.empty()) return "";
  std::string ids;
  for (const auto& m : c.conversation) ids += (ids.empty() ? "" : ", ") + std::to_string(m.id);
  return std::string(c.conversation.size() == 1 ? "Message " : "Messages ") + ids +
         " (rapport message show ID)";
}

std::string name_of(const DigestCandidate& c) {
  return c.display_name.empty() ? c.address : c.display_name;
}

std::string summary_line(const Digest& d) {
  const Counts& c = d.counts;
  std::string s = std::to_string(c.messages) + " messages from " + std::to_string(c.contacts) +
                  (c.contacts == 1 ? " person" : " people") + " so far";
  std::int64_t other = c.messages - c.human_messages;
  if (other > 0) {
    s += "; " + std::to_string(other) + " automatic (" +
         (other == 1 ? "an out-of-office, bounce or list mail"
                     : "out-of-office, bounces, list mail") +
         ") set aside";
  }
  return s;
}

// "Since Mon 23 Nov: 12 replies, 4 new people; most about Ep. 10 (7) and Ep. 9 (3)."
std::string period_line(const PeriodSummary& p) {
  std::time_t t = static_cast<std::time_t>(p.since);
  std::tm tm{};
  localtime_r(&t, &tm);
  char day[32];
  std::strftime(day, sizeof day, "%a %d %b", &tm);
  std::string s = std::string("Since ") + day + ": " + std::to_string(p.replies) +
                  (p.replies == 1 ? " reply" : " replies") + ", " + std::to_string(p.new_people) +
                  (p.new_people == 1 ? " new person" : " new people");
  if (!p.by_episode.empty()) {
    s += "; most about ";
    for (size_t i = 0; i < p.by_episode.size() && i < 3; ++i) {
      if (i) s += i + 1 == std::min<size_t>(3, p.by_episode.size()) ? " and " : ", ";
      s += p.by_episode[i].first + " (" + std::to_string(p.by_episode[i].second) + ")";
    }
  }
  return s + ".";
}

// "3 messages since Sep 2026 · last answered 12 Oct 2026": what the reasons line above it
// has not said already ("5th message, never answered" gives the count and the answer; then
// only "writing since Sep 2026" is left to say).
std::string history_line(const DigestCandidate& c, const std::vector<std::string>& reasons) {
  bool count_said = false;
  bool answer_said = false;
  for (const auto& r : reasons) {
    count_said |= r.find(" message") != std::string::npos;
    answer_said |= r.find("never answered") != std::string::npos || r.rfind("last answered", 0) == 0;
  }
  auto month = [](UnixTime when, const char* fmt) {
    std::time_t t = static_cast<std::time_t>(when);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return std::string(buf);
  };
  std::string s = count_said ? "writing since " + month(c.first_seen_at, "%b %Y")
                             : count_of(c.total_human_messages, "message", "messages") + " since " +
                                   month(c.first_seen_at, "%b %Y");
  if (!answer_said) {
    s += c.last_answered_at ? " · last answered " + month(*c.last_answered_at, "%d %b %Y")
                            : " · never answered";
  }
  return s;
}

// "Mon 30 Nov", a local day.
std::string short_day(UnixTime t) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return std::string(kDays[tm.tm_wday]) + " " + std::to_string(tm.tm_mday) + " " +
         kMonths[tm.tm_mon];
}

// The people waiting whom this digest leaves out, and when they are back: "4 were in an
// earlier digest (back from Mon 30 Nov), 2 are snoozed (the first back Thu 3 Dec)".
std::string set_aside_words(const SetAside& a) {
  std::vector<std::string> parts;
  auto back = [](const AsideGroup& g, const char* one, const char* many) {
    if (!g.first_back) return std::string();
    return std::string(" (") + (g.people == 1 ? one : many) + short_day(*g.first_back) + ")";
  };
  if (a.listed.people) {
    parts.push_back(std::to_string(a.listed.people) +
                    (a.listed.people == 1 ? " was in an earlier digest" : " were in an earlier digest") +
                    back(a.listed, "back ", "back from "));
  }
  if (a.snoozed.people) {
    parts.push_back(std::to_string(a.snoozed.people) +
                    (a.snoozed.people == 1 ? " is snoozed" : " are snoozed") +
                    back(a.snoozed, "back ", "the first back "));
  }
  if (a.too_new.people) {
    parts.push_back(std::to_string(a.too_new.people) + " wrote only just now" +
                    back(a.too_new, "listed from ", "listed from "));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

// The line about them: the whole story when nobody is listed, an aside otherwise.
std::string set_aside_line(const Digest& d) {
  const int total = d.set_aside.total();
  if (total == 0) return "";
  if (d.items.empty()) {
    return count_of(total, "person still waits", "people still wait") + " for an answer: " +
           set_aside_words(d.set_aside) + ".";
  }
  return "Also waiting, not listed today: " + set_aside_words(d.set_aside) + ".";
}

std::string people(int n) { return std::to_string(n) + (n == 1 ? " person" : " people"); }

// "Good morning, Sam." from "Sam Rivera".
std::string greeting(const std::string& creator_name) {
  std::string first(trim(creator_name));
  first = first.substr(0, first.find(' '));
  return first.empty() ? "Good morning." : "Good morning, " + first + ".";
}

}  // namespace

// The excerpt of an item: its own (what they asked across the conversation), else the start
// of their newest words.
std::vector<ExcerptPart> excerpt_of(const DigestItem& item, const RenderOptions& o) {
  if (!item.excerpt.empty()) return item.excerpt;
  std::string words = excerpt(item.who.reply_text, static_cast<size_t>(o.excerpt_chars));
  if (words.empty()) return {};
  return {ExcerptPart{0, words}};
}

// "2nd message: " when the conversation has several messages.
std::string part_label(const DigestItem& item, const ExcerptPart& part) {
  if (item.who.conversation.size() < 2) return "";
  return ordinal(part.message + 1) + " message: ";
}


// One line per source that needs the creator's attention.
std::vector<std::string> health_lines(const Digest& d) {
  std::vector<std::string> out;
  for (const auto& s : d.needs_attention) {
    std::string line = s.name + " (" + s.kind + "): ";
    if (s.dead_since) {
      line += "gone since " + local_date(*s.dead_since) +
              "; change its url in the config to read it again";
    } else if (s.consecutive_failures == 0) {
      // An export read with refused rows: how many, and the first reason.
      std::vector<std::string> refused = split_lines(s.last_warnings);
      line += count_of(static_cast<std::int64_t>(refused.size()), "row", "rows") +
              " refused in its last read";
      if (!refused.empty()) line += ", like " + refused.front();
      if (refused.size() > 1) line += " (rapport status shows more)";
    } else {
      line += "failing, " + std::to_string(s.consecutive_failures) + " time" +
              (s.consecutive_failures == 1 ? "" : "s") + " in a row";
      if (s.last_success_at)
        line += ", last read " + local_date(*s.last_success_at);
      if (!s.last_error.empty()) line += ": " + s.last_error;
    }
    out.push_back(line);
  }
  return out;
}

std::string linkify_html(std::string_view text, std::string_view link_attributes) {
  std::string in = valid_utf8(text);
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    size_t at = std::string::npos;
    for (size_t k = in.find_first_of("hH", i); k != std::string::npos;
         k = in.find_first_of("hH", k + 1)) {
      bool word_start = k == 0 || std::isspace(static_cast<unsigned char>(in[k - 1])) ||
                        std::string_view("(<[\"'").find(in[k - 1]) != std::string_view::npos;
      if (word_start && is_web_url(std::string_view(in).substr(k, 8))) {
        at = k;
        break;
      }
    }
    if (at == std::string::npos) {
      out += escape_html(std::string_view(in).substr(i));
      break;
    }
    out += escape_html(std::string_view(in).substr(i, at - i));
    size_t end = at;
    while (end < in.size() && !std::isspace(static_cast<unsigned char>(in[end])) &&
           std::string_view("<>\"").find(in[end]) == std::string_view::npos) {
      ++end;
    }
    // Punctuation after a link ends the sentence, not the link.
    while (end > at && std::string_view(".,;:!?)]'").find(in[end - 1]) != std::string_view::npos) {
      --end;
    }
    std::string_view url = std::string_view(in).substr(at, end - at);
    if (url.size() <= 8) {  // "https://" and nothing after it
      out += escape_html(url);
    } else {
      out += "<a href=\"" + escape_html(url) + "\"";
      out += link_attributes;
      out += ">" + escape_html(url) + "</a>";
    }
    i = end;
  }
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : valid_utf8(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string digest_subject(const Digest& d) {
  if (d.items.empty() && d.set_aside.total()) {
    return "Rapport: nobody new to answer today (" + std::to_string(d.set_aside.total()) +
           " still waiting)";
  }
  if (d.items.empty()) return "Rapport: nobody waiting for an answer today";
  return "Rapport: " + people(static_cast<int>(d.items.size())) + " to answer today";
}

std::string reply_subject_for(std::string_view configured, std::string_view show) {
  std::string out(configured.empty() ? std::string_view("Re: your message to {show}") : configured);
  std::string name(trim(show));
  if (size_t at = out.find("{show}"); at != std::string::npos) {
    if (name.empty()) {
      // "Re: your message to {show}" without a show: "Re: your message".
      size_t cut = out.rfind(" to ", at);
      if (cut != std::string::npos && cut + 4 == at) {
        out.erase(cut, at + 6 - cut);
      } else {
        out.erase(at, 6);
      }
    } else {
      out.replace(at, 6, name);
    }
  }
  return std::string(trim(out));
}

namespace {

// Percent-encoded, a mailto stays readable by every mail program under this many characters.
constexpr size_t kMaxMailto = 2000;

// "> " before each line of their words, after "On DATE, NAME wrote:", for a reply's body.
std::string quoted(const DigestCandidate& who) {
  std::string out;
  std::vector<OpenMessage> words = who.conversation;
  if (words.empty()) words.push_back({0, who.received_at, who.message_kind, who.subject, who.reply_text, "", ""});
  for (const auto& m : words) {
    if (trim(m.reply_text).empty()) continue;
    std::string name = who.display_name.empty() ? who.address : who.display_name;
    out += (out.empty() ? "" : "\n") + std::string("On ") + long_local_date(m.received_at) + ", " +
           clean(name) + " wrote:\n";
    for (const std::string& line : split_lines(valid_utf8(m.reply_text))) {
      std::string l;
      for (char c : line) l += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? ' ' : c;
      out += l.empty() ? ">\n" : "> " + l + "\n";
    }
  }
  return out;
}

}  // namespace

std::string reply_link(const DigestCandidate& who, std::string_view no_subject, Quote quote) {
  if (who.identity_kind == "phone") {
    return "tel:" + clean(who.identity_value.empty() ? who.address : who.identity_value);
  }
  // Only web links: a feed could carry a javascript: or data: URL. A handle or a website is
  // answered where they wrote, when that place is known; never by a mailto that cannot work.
  if (who.identity_kind != "email" && !who.identity_kind.empty()) {
    return is_web_url(who.url) ? clean(who.url) : std::string();
  }
  // The thread: their newest email (so a reply to a form message still continues it).
  std::string thread_subject = who.thread_subject.empty() ? who.subject : who.thread_subject;
  std::string in_reply_to = who.thread_message_id.empty() ? who.message_id : who.thread_message_id;
  std::string stripped = strip_reply_prefixes(thread_subject);
  std::string subject = !trim(stripped).empty()     ? "Re: " + stripped
                        : !trim(no_subject).empty() ? std::string(trim(no_subject))
                                                    : std::string("Re: your message");
  std::string link =
      "mailto:" + percent_encode(who.address) + "?subject=" + percent_encode(clean(subject));
  if (!in_reply_to.empty()) {
    link += "&In-Reply-To=" + percent_encode("<" + clean(in_reply_to) + ">");
    // References: the thread's, then the message answered; the newest kept when too long.
    std::vector<std::string> refs = who.thread_message_id.empty() ? std::vector<std::string>()
                                                                 : who.thread_references;
    refs.push_back(in_reply_to);
    std::string joined;
    for (size_t i = refs.size(); i-- > 0;) {
      std::string one = "<" + clean(refs[i]) + ">";
      if (joined.size() + one.size() > 600) break;
      joined = joined.empty() ? one : one + " " + joined;
    }
    link += "&References=" + percent_encode(joined);
  }
  // Their words, quoted, so the reply starts with them in front of the creator; cut at a line
  // so the link stays under kMaxMailto.
  std::string body = quote == Quote::kTheirWords ? quoted(who) : std::string();
  if (!body.empty() && link.size() + 6 < kMaxMailto) {
    std::string encoded;
    size_t room = kMaxMailto - link.size() - 6;
    size_t start = 0;
    while (start < body.size()) {
      size_t nl = body.find('\n', start);
      size_t end = nl == std::string::npos ? body.size() : nl + 1;
      std::string line = percent_encode(std::string_view(body).substr(start, end - start));
      if (encoded.size() + line.size() >= room) break;
      encoded += line;
      start = end;
    }
    if (!encoded.empty()) link += "&body=" + encoded;
  }
  return link;
}

std::string how_to_answer(const DigestCandidate& who, std::string_view no_subject, Quote quote) {
  std::string link = reply_link(who, no_subject, quote);
  if (who.identity_kind == "phone") return "Call or text: " + link;
  if (who.identity_kind == "unknown") return "No address to answer: the sender's could not be read";
  if (who.identity_kind == "handle") {
    std::string value = who.identity_value.empty() ? who.address : who.identity_value;
    size_t colon = value.find(':');
    std::string where = colon == std::string::npos ? "their platform" : value.substr(0, colon);
    std::string handle = colon == std::string::npos ? value : value.substr(colon + 1);
    if (where == "apple") return "Reply in Podcasts Connect: a review is answered there";
    // The platforms Rapport reads itself: named properly, the person as they write themselves
    // (a Bluesky handle rather than its DID).
    static const std::pair<const char*, const char*> kPlatforms[] = {
        {"mastodon", "Mastodon"}, {"bluesky", "Bluesky"}, {"youtube", "YouTube"}};
    for (const auto& [id, shown] : kPlatforms) {
      if (where != id) continue;
      std::string s = std::string("Answer on ") + shown;
      s += " (" + clean(!who.address.empty() && who.address != value ? who.address : "@" + handle) +
           ")";
      return link.empty() ? s : s + ": " + link;
    }
    std::string s = "Answer on " + clean(where) + " (@" + clean(handle) + ")";
    return link.empty() ? s : s + ": " + link;
  }
  if (who.identity_kind != "email" && !who.identity_kind.empty()) {
    return link.empty() ? "No address to answer them at" : "Answer where they wrote: " + link;
  }
  return "Reply: " + link;
}

namespace {

// The day a digest is for: its slot's, which for one sent on a day off is the next day it is.
std::string title_date(const Digest& d) {
  return d.slot.empty() ? long_local_date(d.generated_at) : long_date_of_day(d.slot);
}

}  // namespace

std::string render_text(const Digest& d, const RenderOptions& o) {
  std::string out;
  out += clean(greeting(o.creator_name)) + " ";
  if (d.items.empty()) {
    out += d.set_aside.total() ? "Nobody new to answer today.\n"
                               : "Nobody is waiting for an answer today.\n";
  } else {
    out += people(static_cast<int>(d.items.size())) + " to answer personally today.\n";
  }
  out += (d.show.empty() ? std::string() : clean(d.show) + " · ") + title_date(d) + "\n";
  int n = 0;
  if (!d.from_your_reply.empty()) {
    out += "\nDone from your reply:\n";
    for (const auto& line : d.from_your_reply) out += "- " + clean(line) + "\n";
  }
  for (const auto& item : d.items) {
    const DigestCandidate& c = item.who;
    out += "\n" + std::to_string(++n) + ". " + clean(name_of(c));
    if (!c.display_name.empty() && c.address != c.display_name) out += " <" + clean(c.address) + ">";
    out += "\n";
    std::string reasons;
    for (const auto& r : item.reasons) reasons += (reasons.empty() ? "" : " · ") + clean(r);
    if (!reasons.empty()) out += "   " + reasons + "\n";
    bool first_timer = c.total_human_messages <= 1 && !c.last_answered_at;
    if (!first_timer) out += "   " + history_line(c, item.reasons) + "\n";
    if (c.identities.size() > 1) {
      std::string all;
      for (const auto& id : c.identities) all += (all.empty() ? "" : ", ") + clean(id);
      out += "   Also known as: " + all + "\n";
    }
    if (!c.subject.empty()) out += "   Subject: " + clean(c.subject) + "\n";
    if (!c.details.empty()) out += "   " + clean(c.details) + "\n";
    for (const ExcerptPart& part : excerpt_of(item, o)) {
      out += "   " + part_label(item, part) + "\xE2\x80\x9C" + clean(part.text) + "\xE2\x80\x9D\n";
    }
    if (is_web_url(c.url) && c.message_kind == "voicemail") out += "   Recording: " + clean(c.url) + "\n";
    if (std::string ids = message_ids(c); !ids.empty()) out += "   " + ids + "\n";
    out += "   " + how_to_answer(c, o.reply_subject, Quote::kNone) + "\n";
    for (const ActionLink& a : item.actions) {
      if (is_web_url(a.url)) out += "   " + clean(a.label) + ": " + clean(a.url) + "\n";
    }
  }
  out += "\n";
  if (d.waiting_total > static_cast<int>(d.items.size())) {
    out += people(d.waiting_total) + " are waiting in all; these are the " +
           std::to_string(d.items.size()) + " most worth answering today.\n";
  }
  if (std::string aside = set_aside_line(d); !aside.empty()) out += aside + "\n";
  if (d.period) out += clean(period_line(*d.period)) + "\n";
  out += summary_line(d) + ".\n";
  if (!d.items.empty()) {
    out +=
        "Reply to this email with lines like \u201Cdone 3\u201D or \u201Csnooze 2 7d\u201D to act "
        "on "
        "this list.\n";
  }
  auto health = health_lines(d);
  if (!health.empty()) {
    out += "\nSources that need a look:\n";
    for (const auto& h : health) out += "- " + clean(h) + "\n";
  }
  return out;
}

std::string render_html(const Digest& d, const RenderOptions& o) {
  // Inline styles only: Gmail, Apple Mail and Outlook ignore or strip <style> blocks.
  const char* kBody =
      "margin:0;padding:24px;background:#f6f5f2;font-family:Georgia,'Times New Roman',serif;"
      "color:#1f1d1a;";
  const char* kCard =
      "max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #e4e0d8;"
      "border-radius:6px;padding:24px;";
  std::string out;
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
      escape_html(digest_subject(d)) + "</title></head>\n";
  out += std::string("<body style=\"") + kBody + "\">\n<div style=\"" + kCard + "\">\n";
  out += "<p style=\"margin:0 0 4px 0;font-size:20px;\">" + escape_html(greeting(o.creator_name)) +
         "</p>\n";
  out += "<p style=\"margin:0 0 20px 0;color:#6b655c;font-size:14px;\">";
  if (!d.show.empty()) out += escape_html(d.show) + " &middot; ";
  out += escape_html(title_date(d)) + " &middot; ";
  out += !d.items.empty()       ? people(static_cast<int>(d.items.size())) + " to answer personally"
         : d.set_aside.total() ? "nobody new to answer today"
                               : "nobody is waiting for an answer today";
  out += "</p>\n";
  if (!d.from_your_reply.empty()) {
    out +=
        "<p style=\"margin:0 0 4px 0;font-size:14px;\"><strong>Done from your reply</strong></p>\n"
        "<ul style=\"margin:0 0 12px 0;padding-left:20px;font-size:13px;color:#6b655c;\">\n";
    for (const auto& line : d.from_your_reply) out += "<li>" + escape_html(line) + "</li>\n";
    out += "</ul>\n";
  }
  int n = 0;
  for (const auto& item : d.items) {
    const DigestCandidate& c = item.who;
    out += "<div style=\"border-top:1px solid #eeebe5;padding:16px 0;\">\n";
    out += "<p style=\"margin:0;font-size:17px;\"><strong>" + std::to_string(++n) + ". " +
           escape_html(name_of(c)) + "</strong>";
    if (!c.display_name.empty() && c.address != c.display_name) {
      out += " <span style=\"color:#6b655c;font-size:14px;\">&lt;" + escape_html(c.address) +
             "&gt;</span>";
    }
    out += "</p>\n";
    std::string reasons;
    for (const auto& r : item.reasons) {
      std::string shown = escape_html(r);
      // The episode they answered links to its page (from the feed).
      if (r.rfind("replied to ", 0) == 0 && is_web_url(c.episode_link)) {
        shown = "<a href=\"" + escape_html(c.episode_link) + "\" style=\"color:#8a4b2a;\">" + shown + "</a>";
      }
      reasons += (reasons.empty() ? "" : " &middot; ") + shown;
    }
    if (!reasons.empty()) {
      out += "<p style=\"margin:4px 0 0 0;color:#8a4b2a;font-size:14px;\">" + reasons + "</p>\n";
    }
    if (c.total_human_messages > 1 || c.last_answered_at || c.identities.size() > 1) {
      std::string line =
          c.total_human_messages > 1 || c.last_answered_at ? history_line(c, item.reasons) : "";
      if (c.identities.size() > 1) {
        std::string all;
        for (const auto& id : c.identities) all += (all.empty() ? "" : ", ") + id;
        line += (line.empty() ? "" : " · ") + std::string("also ") + all;
      }
      out += "<p style=\"margin:4px 0 0 0;color:#6b655c;font-size:13px;\">" + escape_html(line) +
             "</p>\n";
    }
    if (!c.subject.empty()) {
      out += "<p style=\"margin:8px 0 0 0;color:#6b655c;font-size:14px;\">" +
             escape_html(c.subject) + "</p>\n";
    }
    if (!c.details.empty()) {
      out += "<p style=\"margin:4px 0 0 0;color:#6b655c;font-size:13px;\">" +
             escape_html(c.details) + "</p>\n";
    }
    for (const ExcerptPart& part : excerpt_of(item, o)) {
      std::string label = part_label(item, part);
      out +=
          "<blockquote style=\"margin:8px 0 0 0;padding:0 0 0 12px;border-left:3px solid "
          "#d9c7a7;font-size:15px;line-height:1.45;\" dir=\"auto\">" +
          (label.empty() ? "" : "<em style=\"color:#6b655c;font-size:13px;\">" + escape_html(label) + "</em>") +
          linkify_html(part.text) + "</blockquote>\n";
    }
    if (is_web_url(c.url) && c.message_kind == "voicemail") {
      out += "<p style=\"margin:6px 0 0 0;font-size:13px;\"><a href=\"" + escape_html(c.url) +
             "\" style=\"color:#1d5c8f;\">Listen to the recording</a></p>\n";
    }
    if (std::string ids = message_ids(c); !ids.empty()) {
      out += "<p style=\"margin:6px 0 0 0;color:#6b655c;font-size:12px;\">" + escape_html(ids) +
             "</p>\n";
    }
    if (std::string link = reply_link(c, o.reply_subject); !link.empty()) {
      out += "<p style=\"margin:10px 0 0 0;font-size:14px;\"><a href=\"" + escape_html(link) +
             "\" style=\"color:#1d5c8f;\">Reply to " + escape_html(name_of(c)) + "</a></p>\n";
    } else {
      out += "<p style=\"margin:10px 0 0 0;font-size:14px;color:#6b655c;\">" +
             escape_html(how_to_answer(c, o.reply_subject)) + "</p>\n";
    }
    if (!item.actions.empty()) {
      std::string links;
      for (const ActionLink& a : item.actions) {
        if (!is_web_url(a.url)) continue;
        if (!links.empty()) links += " &middot; ";
        links += "<a href=\"" + escape_html(a.url) + "\" style=\"color:#1d5c8f;\">" +
                 escape_html(a.label) + "</a>";
      }
      if (!links.empty()) {
        out += "<p style=\"margin:6px 0 0 0;font-size:13px;\">" + links + "</p>\n";
      }
    }
    out += "</div>\n";
  }
  out += "<p style=\"margin:16px 0 0 0;color:#6b655c;font-size:13px;\">";
  if (d.waiting_total > static_cast<int>(d.items.size())) {
    out += escape_html(people(d.waiting_total)) + " are waiting in all; these are the " +
           std::to_string(d.items.size()) + " most worth answering today.<br>";
  }
  if (std::string aside = set_aside_line(d); !aside.empty()) out += escape_html(aside) + "<br>";
  if (d.period) out += escape_html(period_line(*d.period)) + "<br>";
  out += escape_html(summary_line(d)) + ".";
  if (!d.items.empty()) {
    out +=
        "<br>Reply to this email with lines like \u201Cdone 3\u201D or \u201Csnooze 2 7d\u201D to "
        "act "
        "on this list.";
  }
  out += "</p>\n";
  auto health = health_lines(d);
  if (!health.empty()) {
    out +=
        "<p style=\"margin:16px 0 4px 0;font-size:14px;color:#8a4b2a;\"><strong>Sources that "
        "need a look</strong></p>\n<ul style=\"margin:0;padding-left:20px;font-size:13px;"
        "color:#6b655c;\">\n";
    for (const auto& h : health) out += "<li>" + escape_html(h) + "</li>\n";
    out += "</ul>\n";
  }
  out += "</div>\n</body></html>\n";
  return out;
}

}  // namespace rapport::notify
