// HTML to readable plain text, for HTML-only mail and for markup in feed titles.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rapport::ingest {

// Readable text from an HTML document or fragment: script, style and head dropped; block
// elements on their own lines; list items as "- "; links as their text; entities decoded.
// Text inside <blockquote> (and Gmail's and Outlook's quote containers) comes out with
// "> " before each line, so reply extraction can tell it from the new words; quotes nested
// deeper than 16 levels are marked as the 16th, with a warning in `warnings` (when given).
// Linear in the input size, output no larger than a small multiple of it; never fails.
std::string html_to_text(std::string_view html, std::vector<std::string>* warnings = nullptr);

// Decodes HTML character references (&amp; &eacute; &#233; &#xE9;) in plain text. Unknown
// or malformed references are left as written.
std::string decode_entities(std::string_view text);

// The UTF-8 for a named HTML entity ("eacute" -> "é"), or "" when unknown.
std::string_view named_entity(std::string_view name);

}  // namespace rapport::ingest
