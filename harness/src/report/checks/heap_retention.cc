// heap-retention: the tree's RSS beyond the allocator's live heap (freed memory it keeps
// resident, plus code and stacks) at the median sample (analyze/retention.h).
#include "analyze/retention.h"
#include "memgate/check_names.h"
#include "report/check_registry.h"

namespace memgate::report::checks {

namespace {

const Setting<codec::Size> kMaxRetained{
    "max_retained", "SIZE",
    "Fail if the tree's RSS beyond the allocator's live heap (freed memory it keeps resident, plus code and stacks) "
    "exceeds SIZE at the median sample: the heap-retention check (needs --allocator)"};

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  if (const auto limit = s.get(kMaxRetained))
    out.push_back(analyze::retention_check(in.series.held, in.series.live_heap, *limit));
}

}  // namespace

const CheckSpec& heap_retention_check() {
  static const CheckSpec spec{"heap retention", {check_id::kHeapRetention}, {&kMaxRetained}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
