// POSIX shared memory another process created (the allocator probe's slots), and the
// futex wake/wait on a word inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace memgate::sys {

// Maps the existing object `name` ("/memgate-probe.<...>") read-write when it is at
// least size bytes (its creator sizes it right after creating it: a short one is not
// ready yet); nullptr when it does not exist, is short or cannot be mapped.
void* map_shared_memory(const std::string& name, std::size_t size);
void unmap_shared_memory(void* addr, std::size_t size);
// True when the object existed and is gone now.
bool unlink_shared_memory(const std::string& name);

// Wakes one waiter on a futex word shared with another process.
void futex_wake_one(std::uint32_t* word);
// Waits while *word == expected, at most timeout_s (a wake-up, a signal or a changed
// word ends it early; callers re-check).
void futex_wait(const std::uint32_t* word, std::uint32_t expected, double timeout_s);

}  // namespace memgate::sys
