// The process's memory readers, found once (which allocator serves malloc does not change).
#pragma once

#include "sys/self_memory.h"

namespace memgate::gate {

const sys::SelfMemory& self_memory();

}  // namespace memgate::gate
