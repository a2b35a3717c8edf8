// Facts about processes by pid that are not about the target's process group
// (that is sys/child.h): whether one still exists, and memgate's own pid.
#pragma once

#include <sys/types.h>

namespace memgate::sys {

// True while pid exists, also when it is not ours to signal (kill(pid, 0)).
bool process_exists(pid_t pid);
pid_t self_pid();

}  // namespace memgate::sys
