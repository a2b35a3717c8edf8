// The calling process's own memory, for the in-process gates (harness/src/gate/): the live
// heap from the statistics of the allocator that serves malloc (found as the preload probe
// finds it, allocators/probe.c), RSS from /proc/self/statm, and the peak RSS (VmHWM) with
// its reset through /proc/self/clear_refs. Nothing here allocates on the heap, so a reading
// does not disturb the figure it reads. Standalone: this file is also compiled into the
// installed gate library, which carries no other part of sys/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace memgate::sys {

enum class HeapSource { sanitizer, jemalloc, tcmalloc, mimalloc, glibc, rss };

class SelfMemory {
 public:
  SelfMemory();  // finds which allocator serves malloc

  HeapSource source() const { return source_; }
  // e.g. "glibc mallinfo2() uordblks + hblkhd"; "RSS (/proc/self/statm)" without statistics.
  const char* source_text() const;
  // The live heap in bytes as the allocator counts it (RSS when source() is rss).
  std::uint64_t live_bytes() const;
  // True when the opt-in counting layer (memgate::alloc_counting) is linked into the program.
  bool counting() const;
  // Allocation calls made so far by the whole process: the counting layer's count, else
  // jemalloc's nmalloc of all arenas; none under other allocators.
  std::optional<std::uint64_t> allocations() const;
  // Bytes allocated so far: requested bytes of the whole process from the counting layer,
  // else jemalloc's thread.allocated (the calling thread); none under other allocators.
  std::optional<std::uint64_t> allocated_bytes() const;

 private:
  using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  using Size0 = std::size_t (*)();
  using MextGet = int (*)(const char*, std::size_t*);
  using MiProcessInfo = void (*)(std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                                 std::size_t*, std::size_t*);
  HeapSource source_ = HeapSource::rss;
  Mallctl mallctl_ = nullptr;
  Size0 sanitizer_allocated_ = nullptr;
  MextGet mext_get_ = nullptr;
  MiProcessInfo mi_process_info_ = nullptr;
};

// Resident set size of this process (/proc/self/statm); 0 when it cannot be read.
std::uint64_t self_rss_bytes();
// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs, Linux 4.0+); false
// when the kernel refuses (no permission, read-only /proc).
bool reset_self_peak_rss();
// VmHWM of /proc/self/status in bytes.
std::optional<std::uint64_t> self_peak_rss_bytes();

}  // namespace memgate::sys
