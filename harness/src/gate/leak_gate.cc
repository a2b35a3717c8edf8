// MEMGATE_EXPECT_NO_LEAK: the live heap after each run of the block is one "cycle" level
// of the per-cycle leak check (analyze/cycle_leak.h), judged and worded as `memgate run`
// judges and words it.
#include <algorithm>
#include <cmath>
#include <vector>

#include "analyze/cycle_leak.h"
#include "gate/self.h"
#include "memgate/gate.h"

namespace memgate::gate {

namespace {

Outcome to_outcome(memgate::Outcome o) {
  switch (o) {
    case memgate::Outcome::pass: return Outcome::pass;
    case memgate::Outcome::fail: return Outcome::fail;
    case memgate::Outcome::inconclusive: break;
  }
  return Outcome::inconclusive;
}

}  // namespace

Verdict no_leak(const std::function<void()>& block, const LeakOptions& options) {
  const sys::SelfMemory& memory = self_memory();
  const bool from_allocator = memory.source() != sys::HeapSource::rss;
  // glibc's thread cache keeps up to 7 freed chunks per size and mallinfo2() counts them as
  // in use: a leak served from them looks flat. 8 warm-ups use them up before any judged run.
  const std::size_t warmups =
      memory.source() == sys::HeapSource::glibc ? std::max<std::size_t>(options.warmups, 8) : options.warmups;
  // Sized before the first run: the gate's own storage does not move between levels.
  std::vector<double> levels(warmups + options.iterations, std::nan(""));
  for (double& level : levels) {
    block();
    level = static_cast<double>(memory.live_bytes());
  }
  analyze::CycleSettings settings;
  settings.warmup_cycles = warmups;
  settings.tolerance_abs_per_cycle = options.tolerance_bytes.value_or(from_allocator ? 16.0 : 4096.0);
  settings.tolerance_pct_per_cycle = 0;  // the whole process's level says nothing about the block
  const CheckResult r = analyze::cycle_leak_check("leak-per-iteration", from_allocator ? "The live heap" : "RSS",
                                                  levels, {}, "bytes", "", settings);
  return {to_outcome(r.outcome), r.summary + " [" + memory.source_text() + "; one cycle is one run of the block]"};
}

Verdict no_leak(const std::function<void()>& block, std::size_t iterations, std::size_t warmups) {
  LeakOptions options;
  options.iterations = iterations;
  options.warmups = warmups;
  return no_leak(block, options);
}

std::string heap_source() { return self_memory().source_text(); }

}  // namespace memgate::gate
