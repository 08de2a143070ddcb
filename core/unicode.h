// Unicode for people's names, on utf8proc: the normal form a name is stored in, and the folded
// form names are compared in.
#pragma once

#include <string>
#include <string_view>

namespace rapport {

// `utf8` in NFC: a letter followed by a combining accent (as macOS and some forms send "é")
// becomes the one precomposed letter. Invalid UTF-8 is replaced first.
std::string nfc(std::string_view utf8);

// A name for comparing: compatibility forms unified (ﬁ, full-width letters), case folded,
// accents and other marks dropped, the Latin letters that carry their stroke or ligature in
// the letter itself spelled out ("Ø" o, "Æ" ae, "Ł" l, "Þ" th), apostrophes and full stops
// dropped (O'Brien, J.R.), every other run of punctuation, symbols and spaces one space.
// "José Müller", "JOSE MULLER" and "Jose\u0301 Mu\u0308ller" all fold to "jose muller";
// "Nguyễn Thị Ánh" to "nguyen thi anh"; other scripts keep their letters, case folded.
std::string fold_name(std::string_view utf8);

// `utf8` case folded (Unicode full case folding, in NFC): what tags are compared in.
// "Supporter", "SUPPORTER" and "supporter" are one tag; "Café" stays "café".
std::string fold_case(std::string_view utf8);

}  // namespace rapport
