#include "analyze/retention.h"

#include "analyze/plateau.h"  // format_amount: the one formatter of check summaries
#include "memgate/check_names.h"

namespace memgate::analyze {

namespace {
constexpr std::size_t kMinSamples = 5;
}

CheckResult retention_check(const MetricSummary& held, const MetricSummary& live, std::uint64_t limit_bytes) {
  CheckResult r;
  r.id = check_id::kHeapRetention;
  const double limit = static_cast<double>(limit_bytes);
  if (held.samples < kMinSamples) {
    r.outcome = Outcome::inconclusive;
    r.figures = {{"samples", static_cast<double>(held.samples), "count"}, {"limit", limit, "bytes"}};
    r.summary =
        "Retention cannot be judged: " + std::to_string(held.samples) +
        " samples have the allocator's live heap beside RSS (alloc_held_bytes; a heap snapshot older than two probe "
        "periods is left out), " +
        std::to_string(kMinSamples) +
        " are needed; run with --allocator glibc, jemalloc or tcmalloc (mimalloc 2.0.9 reports no allocated "
        "bytes).";
    return r;
  }
  r.figures = {{"held_median", held.median, "bytes"},
               {"held_peak", held.max, "bytes"},
               {"held_first", held.first, "bytes"},
               {"held_last", held.last, "bytes"},
               {"live_heap_median", live.median, "bytes"},
               {"limit", limit, "bytes"},
               {"samples", static_cast<double>(held.samples), "count"}};
  const std::string figures = format_amount(held.median, "bytes") + " at the median sample (peak " +
                              format_amount(held.max, "bytes") + ", live heap " + format_amount(live.median, "bytes") +
                              " at the median)";
  if (held.median > limit) {
    r.outcome = Outcome::fail;
    r.summary = "RSS beyond the live heap was " + figures + ", over the retention limit of " +
                format_amount(limit, "bytes") +
                ": the allocator keeps freed memory resident; purge it (malloc_trim, arena purge, ReleaseFreeMemory) "
                "after large frees, or shorten its decay.";
  } else {
    r.outcome = Outcome::pass;
    r.summary =
        "RSS beyond the live heap was " + figures + ", within the retention limit of " + format_amount(limit, "bytes");
  }
  return r;
}

}  // namespace memgate::analyze
