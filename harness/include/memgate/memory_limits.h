// The memory limits a target runs under, as systemd's MemoryMax / MemoryHigh /
// MemorySwapMax and a container's memory limit set them: --memory-max, --memory-high,
// --swap-max, or a scenario's target.limits. memgate puts the target's whole tree in a
// cgroup of its own making with these limits (sys/cgroup.h).
#pragma once

#include <cstdint>
#include <optional>

namespace memgate {

struct MemoryLimits {
  std::optional<std::uint64_t> max;       // memory.max / memory.limit_in_bytes: the OOM killer acts above it
  std::optional<std::uint64_t> high;      // memory.high (v1: memory.soft_limit_in_bytes): reclaim above it
  std::optional<std::uint64_t> swap_max;  // memory.swap.max (v1: memory.memsw.limit_in_bytes - max)
  bool any() const { return max || high || swap_max; }
};

}  // namespace memgate
