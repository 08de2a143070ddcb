// Who: one way to name a person, for every command that takes WHO (answered, snooze, contacts,
// replies to the digest). An address or a phone number in any spelling (normalised first), a
// handle, a contact id, a name without regard to case or accents ("Lucia Fernandez" finds
// "Lucía Fernández"), or the unique beginning of a name.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "pipeline/identity.h"
#include "store/store.h"

namespace rapport::pipeline {

// The contact `who` names. Fails with kNotFound when no one matches, and with kUsage when
// several people do: the error lists them (id, name, how they write) and says how to pick one.
Result<std::int64_t> find_person(Store& store, std::string_view who, const IdentityRules& rules);

}  // namespace rapport::pipeline
