// DigestRender: the digest as plain text and as HTML. Pure functions of the Digest; every
// piece of listener text is escaped in HTML and cleaned of control characters in text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace rapport::notify {

struct RenderOptions {
  RenderOptions() = default;
  RenderOptions(std::string creator, int excerpt = 600, std::string no_subject = {})
      : creator_name(std::move(creator)),
        excerpt_chars(excerpt),
        reply_subject(std::move(no_subject)) {}
  std::string creator_name;
  int excerpt_chars = 600;  // when an item carries no excerpt of its own: its newest words
  // The reply's subject for someone who wrote none (a form, a voicemail): "Re: your message to
  // The Slow Garden". Empty: "Re: your message".
  std::string reply_subject;
};

// [digest] reply_subject with its {show} filled in; "Re: your message to SHOW" by default.
std::string reply_subject_for(std::string_view configured, std::string_view show);

std::string render_text(const Digest& digest, const RenderOptions& options);
std::string render_html(const Digest& digest, const RenderOptions& options);
// "Rapport: 3 people to answer today" / "Rapport: nobody waiting today".
std::string digest_subject(const Digest& digest);

// Whether a reply link carries the person's words quoted as its body: the HTML part's does
// (behind "Reply to NAME"); the text part's does not, where the percent-encoded words would
// be a wall of text under an excerpt that already shows them.
enum class Quote { kTheirWords, kNone };

// A mailto: URL that opens a reply to `who` on their email thread: address, "Re: subject"
// (`no_subject` when they wrote none), In-Reply-To and References, and their words quoted
// (kTheirWords; cut at a line under 2,000 characters). A phone: tel:. For someone known only
// by a handle, a website or a name, the web link to where they wrote, or "".
std::string reply_link(const DigestCandidate& who, std::string_view no_subject = {},
                       Quote quote = Quote::kTheirWords);

// The digest's health section, one line per source that needs a look.
std::vector<std::string> health_lines(const Digest& digest);

// What an item shows of their words: its excerpt (what they asked across the conversation),
// else the start of their newest words, cut at `o.excerpt_chars`.
std::vector<ExcerptPart> excerpt_of(const DigestItem& item, const RenderOptions& o);
// "2nd message: " before a part when the conversation has several messages, else "".
std::string part_label(const DigestItem& item, const ExcerptPart& part);

// &, <, >, " and ' as character references.
std::string escape_html(std::string_view text);

// Listener text as HTML: escaped, with its http and https addresses as links (no other
// scheme ever becomes one; punctuation after an address is left out of it). Each link gets
// `link_attributes` (markup written by Rapport, never listener text), after its href.
std::string linkify_html(std::string_view text,
                         std::string_view link_attributes = " style=\"color:#1d5c8f;\"");

// How the creator answers someone, in words, as the text part shows it: "Reply: mailto:…",
// "Call or text: +44…", "Answer on mastodon as @ana@…", "Answer where they wrote: https://…",
// or that no address is known.
std::string how_to_answer(const DigestCandidate& who, std::string_view no_subject = {},
                          Quote quote = Quote::kTheirWords);

}  // namespace rapport::notify
