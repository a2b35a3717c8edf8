// Validation of `--alloc-env KEY=VALUE` against the allocator table. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alloc/allocator_table.h"

namespace memgate::alloc {

struct CheckedKnob {
  std::string entry;                  // KEY=VALUE, ready for the target's environment
  std::vector<std::string> warnings;  // e.g. the installed version ignores the knob
};

// `allocator` is null for a custom PATH.so: any well-formed KEY=VALUE passes, with a
// warning that it was not checked. Throws memgate::Error(usage) with a one-line
// message and the fix for a malformed entry, a knob of another (or no) allocator, or
// a value the allocator would reject.
CheckedKnob check_alloc_env(const AllocatorInfo* allocator, std::string_view entry);

}  // namespace memgate::alloc
