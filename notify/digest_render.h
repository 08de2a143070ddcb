// DigestRender: the digest as plain text and as HTML. Pure functions of the Digest; every
// piece of listener text is escaped in HTML and cleaned of control characters in text.
#pragma once

#include <string>
#include <string_view>

#include "core/model.h"

namespace rapport::notify {

struct RenderOptions {
  std::string creator_name;
  int excerpt_chars = 280;
};

std::string render_text(const Digest& digest, const RenderOptions& options);
std::string render_html(const Digest& digest, const RenderOptions& options);
// "Rapport: 3 people to answer today" / "Rapport: nobody waiting today".
std::string digest_subject(const Digest& digest);

// A mailto: URL that opens a reply to `who`: address, "Re: subject", In-Reply-To. For someone
// known only by a website or a name (a commenter), the link to their comment instead.
std::string reply_link(const DigestCandidate& who);

// &, <, >, " and ' as character references.
std::string escape_html(std::string_view text);

}  // namespace rapport::notify
