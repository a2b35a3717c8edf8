// The process's own memory: current RSS, and returning freed memory to the OS with
// whichever allocator serves malloc (seed 002; the purge calls per allocator are in allocators/README.md). The purge
// entry point is looked up once and cached: looking it up per call would itself allocate.
#pragma once

#include <cstdint>
#include <string>

namespace pipelines {

std::uint64_t rss_bytes();       // /proc/self/statm resident pages x page size
std::uint64_t peak_rss_bytes();  // getrusage ru_maxrss
int open_fd_count();             // entries in /proc/self/fd

// Asks the active allocator to return free pages: jemalloc arena purge, mimalloc
// mi_collect, tcmalloc ReleaseFreeMemory, else glibc malloc_trim. Thread-safe.
void purge_allocator();
// "jemalloc", "mimalloc", "tcmalloc" or "glibc": what purge_allocator() calls.
std::string allocator_name();

}  // namespace pipelines
