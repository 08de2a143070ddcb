// rapport message show ID: one stored message, whole — its headers, the person's words, the
// full body, its episode, its class and why, its attachments.
#include <cstdio>
#include <iostream>

#include "app/from_config.h"
#include "app/command_common.h"
#include "app/commands.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace rapport::app {
namespace {

// Listener text for a terminal: every line kept, control characters (escape sequences that
// could repaint the screen) shown as nothing.
std::string terminal_safe(std::string_view s) {
  std::string out;
  for (char c : valid_utf8(s)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\t' || (u >= 0x20 && u != 0x7F)) out += c;
  }
  return out;
}

std::string indented(std::string_view text) {
  std::string out;
  for (const std::string& line : split_lines(terminal_safe(text))) out += "  " + line + "\n";
  return out;
}

// "1.2 MB", "340 KB", "512 bytes".
std::string size_words(std::int64_t bytes) {
  char buf[32];
  if (bytes >= 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else if (bytes >= 1000) {
    std::snprintf(buf, sizeof buf, "%lld KB", static_cast<long long>(bytes / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  }
  return buf;
}

}  // namespace

int message_command(const Invocation& inv) {
  const auto& a = inv.arguments;
  std::int64_t id = 0;
  bool ok = a.size() == 2 && a[0] == "show" && !a[1].empty() && a[1].size() < 18 &&
            a[1].find_first_not_of("0123456789") == std::string::npos;
  if (ok) id = std::stoll(a[1]);
  if (!ok) {
    std::cerr << "rapport: usage: rapport message show ID [--json] (the ids are in the digest and "
                 "in `rapport contacts show WHO`)\n";
    return kUsage;
  }
  auto cfg = load_config(inv);
  if (!cfg) return kUsage;
  auto store = open_store(cfg->store);
  if (!store) {
    print_error(store.error());
    return exit_status(store.error());
  }
  auto m = (*store)->stored_message(id);
  if (!m) {
    print_error(m.error());
    return m.error().code == ErrorCode::kNotFound ? kUsage : kFailure;
  }
  if (inv.has("--json")) {
    JsonWriter j;
    j.begin_object().key("id").value(m->id).key("source").value(m->source);
    j.key("kind").value(m->kind).key("class").value(m->message_class);
    j.key("class_reason").value(m->class_reason);
    j.key("received_at").value(format_rfc3339_utc(m->received_at));
    j.key("date").value(m->date_text);
    j.key("from").begin_object().key("name").value(m->from_name);
    j.key("address").value(m->from_address).end_object();
    j.key("contact");
    if (m->contact_id) {
      j.begin_object().key("id").value(*m->contact_id).key("name").value(m->contact_name).end_object();
    } else {
      j.null();
    }
    j.key("subject").value(m->subject).key("message_id").value(m->message_id);
    j.key("in_reply_to").value(m->in_reply_to).key("references").begin_array();
    for (const auto& r : m->references) j.value(r);
    j.end_array();
    j.key("episode");
    if (m->episode_title.empty()) {
      j.null();
    } else {
      j.begin_object().key("title").value(m->episode_title).key("link").value(m->episode_link);
      j.end_object();
    }
    j.key("url").value(m->url).key("details").value(m->details);
    j.key("amount_sats");
    if (m->amount_sats) {
      j.value(*m->amount_sats);
    } else {
      j.null();
    }
    j.key("reply_text").value(m->reply_text).key("body_text").value(m->body_text);
    j.key("attachments").begin_array();
    for (const auto& at : m->attachments) {
      j.begin_object().key("name").value(at.name).key("type").value(at.type);
      j.key("size").value(at.size).end_object();
    }
    j.end_array().key("warnings").begin_array();
    for (const auto& w : m->warnings) j.value(w);
    j.end_array().end_object();
    std::cout << j.str() << "\n";
    return kOk;
  }
  auto line = [](const char* label, const std::string& value) {
    if (!value.empty()) std::cout << label << terminal_safe(printable(value, 2000)) << "\n";
  };
  std::cout << "Message " << m->id << " · " << m->kind << " via " << m->source << " · "
            << m->message_class << "\n";
  std::string from = m->from_name.empty() ? m->from_address
                                          : m->from_name + " <" + m->from_address + ">";
  if (m->contact_id) {
    from += "  (contact " + std::to_string(*m->contact_id) +
            (m->contact_name.empty() ? "" : ": " + m->contact_name) + ")";
  }
  line("From:        ", from);
  line("Date:        ", (m->date_text.empty() ? "" : m->date_text + "  ") + "(" +
                           format_rfc3339_local(m->received_at) + ")");
  line("Subject:     ", m->subject);
  line("Message-ID:  ", m->message_id.empty() ? "" : "<" + m->message_id + ">");
  line("In-Reply-To: ", m->in_reply_to.empty() ? "" : "<" + m->in_reply_to + ">");
  std::string refs;
  for (const auto& r : m->references) refs += (refs.empty() ? "<" : " <") + r + ">";
  line("References:  ", refs);
  line("Episode:     ", m->episode_title.empty()
                           ? ""
                           : m->episode_title + (m->episode_link.empty() ? "" : " <" + m->episode_link + ">"));
  line("Class:       ", m->message_class + (m->class_reason.empty() ? "" : " (" + m->class_reason + ")"));
  line("Details:     ", m->details);
  line("URL:         ", m->url);
  if (m->amount_sats) line("Boost:       ", grouped(*m->amount_sats) + " sats");
  for (const auto& at : m->attachments) {
    line("Attachment:  ", (at.name.empty() ? "(no name)" : at.name) + " (" +
                              (at.type.empty() ? "" : at.type + ", ") + size_words(at.size) + ")");
  }
  for (const auto& w : m->warnings) line("Warning:     ", w);
  std::cout << "\nTheir words:\n" << indented(m->reply_text);
  if (m->body_text != m->reply_text) std::cout << "\nThe whole message:\n" << indented(m->body_text);
  return kOk;
}

}  // namespace rapport::app
