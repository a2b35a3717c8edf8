// Heap retention: memory the process keeps resident beyond its live heap. A program that
// frees what it allocated but whose allocator keeps the pages (glibc without malloc_trim,
// jemalloc before its decay, tcmalloc's page heap) holds RSS that no object uses; seed 002
// calls it "RSS only grows". Judged on the median sample, so the brief skew between the
// probe's figure and the RSS read (up to one probe interval) does not decide the verdict.
#pragma once

#include <cstdint>

#include "memgate/check.h"
#include "memgate/summary.h"

namespace memgate::analyze {

// `held`: per sample, the tree's RSS minus the allocator's live (allocated) heap bytes,
// clamped at 0; it includes non-heap memory (code, stacks, file pages), so the limit sits
// above what the program holds at rest. `live`: the allocated bytes themselves.
// FAIL when the median of `held` exceeds `limit_bytes`; INCONCLUSIVE with fewer than 5
// samples (no allocator statistics: the run had no --allocator, or mimalloc 2.0.9, which
// reports no allocated bytes).
CheckResult retention_check(const MetricSummary& held, const MetricSummary& live, std::uint64_t limit_bytes);

}  // namespace memgate::analyze
