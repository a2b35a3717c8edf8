// One window of code for Google Benchmark's MemoryManager (memgate/benchmark.h).
#include <algorithm>

#include "gate/self.h"
#include "memgate/gate.h"

namespace memgate::gate {

namespace {

std::optional<std::int64_t> difference(std::optional<std::uint64_t> now, std::optional<std::uint64_t> then) {
  if (!now || !then) return std::nullopt;
  return static_cast<std::int64_t>(*now - *then);
}

}  // namespace

void Window::start() {
  const sys::SelfMemory& memory = self_memory();
  allocations0_ = memory.allocations();
  allocated0_ = memory.allocated_bytes();
  peak_reset_ = sys::reset_self_peak_rss();
  live0_ = memory.live_bytes();
}

WindowFigures Window::stop() const {
  const sys::SelfMemory& memory = self_memory();
  WindowFigures f;
  const std::uint64_t live = memory.live_bytes();
  f.live_growth_bytes = static_cast<std::int64_t>(live) - static_cast<std::int64_t>(live0_);
  const auto hwm = peak_reset_ ? sys::self_peak_rss_bytes() : std::nullopt;
  f.peak_is_rss = hwm.has_value();
  f.peak_bytes = static_cast<std::int64_t>(hwm ? *hwm : std::max(live0_, live));
  f.allocations = difference(memory.allocations(), allocations0_);
  f.allocated_bytes = difference(memory.allocated_bytes(), allocated0_);
  return f;
}

}  // namespace memgate::gate
