// Finding a program the way a shell does, before spawning it (to inspect its ELF
// linkage for LD_PRELOAD, or to say "not found in PATH" with the fix).
#pragma once

#include <string>

namespace memgate::sys {

// argv0 with a '/' is taken as given (when it exists); otherwise the first regular,
// executable file named argv0 in $PATH (an empty entry is the current directory).
// Empty when there is none.
std::string find_program(const std::string& argv0);

}  // namespace memgate::sys
