// HTML to readable plain text, for HTML-only mail and for markup in feed titles.
#pragma once

#include <string>
#include <string_view>

namespace rapport::ingest {

// Readable text from an HTML document or fragment: script, style and head dropped; block
// elements on their own lines; list items as "- "; links as their text; entities decoded.
// Text inside <blockquote> (and Gmail's and Outlook's quote containers) comes out with
// "> " before each line, so reply extraction can tell it from the new words.
// Linear in the input size; never fails.
std::string html_to_text(std::string_view html);

// Decodes HTML character references (&amp; &eacute; &#233; &#xE9;) in plain text. Unknown
// or malformed references are left as written.
std::string decode_entities(std::string_view text);

// The UTF-8 for a named HTML entity ("eacute" -> "é"), or "" when unknown.
std::string_view named_entity(std::string_view name);

}  // namespace rapport::ingest
