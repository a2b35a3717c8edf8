// MEMGATE_EXPECT_PEAK_BELOW: how far the block's peak rose above the level at its start.
// The kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs) sees every
// peak however short; where the reset is refused, a thread samples the live heap every
// millisecond, which can miss a spike shorter than that.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "analyze/plateau.h"
#include "gate/self.h"
#include "memgate/gate.h"
#include "memgate/units.h"

namespace memgate::gate {

namespace {

struct Peak {
  std::uint64_t start = 0, peak = 0;
  std::string what;
};

Peak sampled_peak(const std::function<void()>& block) {
  const sys::SelfMemory& memory = self_memory();
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> peak{0};
  const auto sample = [&] {
    const std::uint64_t v = memory.live_bytes();
    std::uint64_t seen = peak.load();
    while (v > seen && !peak.compare_exchange_weak(seen, v)) {
    }
  };
  std::thread sampler([&] {
    while (!done.load()) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const std::uint64_t start = memory.live_bytes();
  peak.store(start);
  block();
  sample();
  done.store(true);
  sampler.join();
  return {start, peak.load(),
          std::string(memory.source() == sys::HeapSource::rss ? "peak RSS" : "peak live heap") +
              " sampled every 1 ms [" + memory.source_text() +
              "; /proc/self/clear_refs refused the VmHWM reset, so a spike shorter than 1 ms can be missed]"};
}

}  // namespace

Verdict peak_below(const std::function<void()>& block, std::uint64_t limit_bytes) {
  Peak p;
  if (sys::reset_self_peak_rss()) {
    p.start = sys::self_rss_bytes();
    block();
    p.peak = std::max(p.start, sys::self_peak_rss_bytes().value_or(0));
    p.what = "peak RSS [VmHWM, reset through /proc/self/clear_refs at the start of the block]";
  } else {
    p = sampled_peak(block);
  }
  const std::uint64_t rise = p.peak - std::min(p.peak, p.start);
  const auto amount = [](double v) { return analyze::format_amount(v, "bytes"); };
  const bool below = rise < limit_bytes;
  return {below ? Outcome::pass : Outcome::fail,
          "The block's " + p.what + " rose " + amount(static_cast<double>(rise)) + " above its start (" +
              amount(static_cast<double>(p.start)) + "), " + (below ? "below" : "not below") + " the " +
              amount(static_cast<double>(limit_bytes)) + " limit."};
}

Verdict peak_below(const std::function<void()>& block, std::string_view limit) {
  const auto bytes = parse_bytes(limit);
  if (!bytes)
    return {Outcome::fail, "memgate: peak limit '" + std::string(limit) +
                               "' is not a size; write bytes with a suffix, e.g. 64MiB, 10MB or 4096."};
  return peak_below(block, *bytes);
}

}  // namespace memgate::gate
