// jemalloc's heap profile (`prof.dump` with `prof:true`): the gperftools-style "heap_v2"
// text that `jeprof` reads, parsed into its sampled stacks and the process's mappings, and
// the unsampling jeprof applies. `--allocator jemalloc --attribute` turns these dumps into
// memgate's own heap snapshots (docs/attribution.md). Pure: text in, values out.
//
//   heap_v2/524288                               sample period: one sample per 2^lg_prof_sample bytes
//     t*: 28: 1310720 [0: 0]                     totals: live sampled objects and their bytes
//     t0: 28: 1310720 [0: 0]                     per thread (ignored)
//   @ 0x7f3a2c0a2630 0x55e991322166 ...          one stack, return addresses, innermost first
//     t*: 26: 106496 [0: 0]                      its live sampled objects and bytes
//   ...
//   MAPPED_LIBRARIES:
//   <the process's /proc/self/maps>
//
// gperftools' heap profiler (`GetHeapProfile` of the full libtcmalloc, which `--allocator
// tcmalloc --attribute` uses) writes the same family's older layout, one line per stack,
// every allocation recorded (period 0):
//
//   heap profile:     28:  1310720 [    40:  1400000] @ heapprofile
//       26:   106496 [    26:   106496] @ 0x7f3a2c0a2630 0x55e991322166 ...
//   MAPPED_LIBRARIES:
//   ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memgate::analyze {

struct JemallocStack {
  std::vector<std::uint64_t> addresses;  // innermost first, as jemalloc unwound them
  std::uint64_t objects = 0;             // live sampled objects
  std::uint64_t bytes = 0;               // their usable sizes, summed (not unsampled)
};

struct JemallocProfile {
  std::uint64_t period = 0;  // mean bytes between samples (2^lg_prof_sample); 0: every allocation
  std::uint64_t objects = 0, bytes = 0;
  std::vector<JemallocStack> stacks;
  std::string maps;  // the MAPPED_LIBRARIES section, /proc/PID/maps text
};

inline constexpr std::size_t kJemallocMaxFrames = 256;

// Throws memgate::Error(usage) naming `where` and the line for a malformed dump.
JemallocProfile parse_jemalloc_profile(std::string_view text, const std::string& where);

// The live bytes a stack's samples stand for: an object of s bytes is sampled with
// probability 1 - exp(-s / period), so jeprof scales by the inverse at the stack's mean
// object size. 0 when nothing is sampled.
double jemalloc_unsampled_bytes(std::uint64_t objects, std::uint64_t bytes, std::uint64_t period);

}  // namespace memgate::analyze
