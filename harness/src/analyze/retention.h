// Heap retention: memory the process keeps resident beyond its live heap. A program that
// frees what it allocated but whose allocator keeps the pages (glibc without malloc_trim,
// jemalloc before its decay, tcmalloc's page heap) holds RSS that no object uses; seed 002
// calls it "RSS only grows". Judged on the median sample of RSS and heap read within two
// probe periods of each other (ProbeSampler's alloc_held_bytes), so neither the probe's
// lag on a busy machine nor a burst between the two reads decides the verdict.
#pragma once

#include <cstdint>

#include "memgate/check.h"
#include "memgate/summary.h"

namespace memgate::analyze {

// `held`: per sample, the probed processes' RSS minus their allocators' live (allocated)
// heap bytes, each clamped at 0; it includes non-heap memory (code, stacks, file pages),
// so the limit sits above what the program holds at rest. `live`: the allocated bytes themselves.
// FAIL when the median of `held` exceeds `limit_bytes`; INCONCLUSIVE with fewer than 5
// samples (no allocator statistics: the run had no --allocator, or mimalloc 2.0.9, which
// reports no allocated bytes).
CheckResult retention_check(const MetricSummary& held, const MetricSummary& live, std::uint64_t limit_bytes);

}  // namespace memgate::analyze
