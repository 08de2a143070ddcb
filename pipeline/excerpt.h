// Excerpt: what a person asked, across their unanswered messages, within a budget. Not a
// prefix: the sentences that ask (questions, requests — "could you…", "please…", "let me
// know…" in the languages the reply extractor reads) in the order they were written, with the
// opening line for context, and "…" where sentences were left out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace rapport::pipeline {

// [begin, end) byte offsets of each sentence of `text`, in order, without the white space
// between them. A sentence ends at . ! ? … (and 。！？), never after an abbreviation ("Dr.",
// "e.g."), an initial ("J. Doe"), inside a number ("3.5") or an address ("example.com/a?b=1");
// a blank line or a list item ("- ", "2. ") starts a new one; a single line break does not
// (mail is wrapped at 72 columns). Linear in the text.
std::vector<std::pair<size_t, size_t>> split_sentences(std::string_view text);

// Whether a sentence asks something: a question, or a request.
bool asks(std::string_view sentence);

// Whether any sentence of `text` asks something.
bool asks_anything(std::string_view text);

// The excerpt of a conversation (each message's words, oldest first) within `budget`
// characters of text (and four more a part for its leading and trailing "…"): parts, one per
// message that gives sentences, in order. Linear in the text.
std::vector<ExcerptPart> excerpt_conversation(const std::vector<std::string_view>& messages,
                                              size_t budget);

}  // namespace rapport::pipeline
