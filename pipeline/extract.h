// Extract: the words the person wrote, without the quoted earlier message, their signature
// or a mailing-list footer.
#pragma once

#include <string>
#include <string_view>

namespace rapport::pipeline {

// The reply text of a message body (plain text; HTML bodies arrive with quotes already
// marked "> "). Cuts at the first quote header ("On … wrote:" and its German, French,
// Spanish, Portuguese, Italian, Dutch and Swedish forms, "-----Original Message-----",
// Outlook's From:/Sent: block), drops "> " lines, the signature after "-- " and mobile
// sign-offs ("Sent from my iPhone"). Linear in the input; never fails. Falls back to the
// whole text when the cut would leave nothing.
std::string extract_reply(std::string_view body);

}  // namespace rapport::pipeline
