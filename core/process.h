// This process as other processes see it: the name a lease on a source's read carries, and
// whether the process a name stands for has gone.
#pragma once

#include <string>
#include <string_view>

namespace rapport {

// "studio-2 pid 4242": this machine's host name and this process's id.
std::string process_label();

// Whether `label` (a process_label()) names a process of this machine that has exited. A
// process of another machine is never known to be gone: its lease runs out instead.
bool process_label_gone(std::string_view label);

}  // namespace rapport
