// Extract: the words the person wrote, without the quoted earlier message, the lines their
// mail program adds, their signature or a mailing-list footer.
#pragma once

#include <string>
#include <string_view>

namespace rapport::pipeline {

// The reply text of a message body (plain text; HTML bodies arrive with quotes already
// marked "> " and the quoted rest of an Outlook reply marked too). What is cut:
// - the quoted message below an attribution line ("On … wrote:") in the forms mail clients
//   write in some forty languages, wrapped over up to three lines, date or name first, dashed;
//   Outlook's From:/Sent:/To:/Subject: block, plain, in bold and translated, on one line or
//   several; "Original Message" and forwarding dividers and underscore rules;
// - "> " lines; an attribution followed by quoted lines keeps the person's own lines between
//   and below them (inline and bottom-posted replies);
// - at the end of what is left: the mobile and app footer ("Sent from my iPhone", "Get Outlook
//   for iOS", in many languages), the signature after "-- ", a sign-off block ("Best,\nAna",
//   "-Greta", "Viele Grüße\nJonas") — never the whole of a one-line reply;
// - mailing-list footers (groups.io, Google Groups).
// A message that is only a quote falls back to its text; one that only forwards a message
// falls back to the forwarded text. Linear in the input; never fails.
std::string extract_reply(std::string_view body);

}  // namespace rapport::pipeline
