// The values samplers produce. Everything is converted to bytes / seconds at the
// parser boundary so no kB or clock-tick value travels further.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace memgate {

// One process, one instant. Fields mirror /proc/PID/{status,stat,fd,smaps_rollup}.
struct ProcessSample {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string comm;
  std::uint64_t rss_bytes = 0;
  std::uint64_t rss_anon_bytes = 0;
  std::uint64_t rss_file_bytes = 0;
  std::uint64_t rss_shmem_bytes = 0;
  std::uint64_t hwm_bytes = 0;  // VmHWM: the kernel's exact peak RSS of this process
  std::uint64_t swap_bytes = 0;
  std::optional<std::uint64_t> pss_bytes;  // only on PSS ticks (smaps_rollup is costly)
  std::uint32_t fds = 0;
  std::uint32_t threads = 0;
  // Faults and CPU include reaped children (cminflt, cutime...) so a tree total
  // summed over live processes still counts descendants that already exited.
  std::uint64_t minor_faults = 0;
  std::uint64_t major_faults = 0;
  double cpu_seconds = 0;
};

// The whole target process tree at one instant: what the sample log stores per row.
struct TreeSample {
  double t_s = 0;            // seconds since the target started (monotonic clock)
  std::int64_t wall_ms = 0;  // Unix time in milliseconds
  std::uint32_t processes = 0;
  std::uint64_t rss_bytes = 0;  // sum of VmRSS: double-counts shared pages
  std::uint64_t rss_anon_bytes = 0;
  std::uint64_t rss_file_bytes = 0;
  std::uint64_t rss_shmem_bytes = 0;
  std::uint64_t hwm_max_bytes = 0;  // largest per-process VmHWM
  std::uint64_t swap_bytes = 0;
  std::optional<std::uint64_t> pss_bytes;  // sum of PSS: shared pages counted once
  std::uint32_t fds = 0;
  std::uint32_t threads = 0;
  std::uint64_t minor_faults = 0;
  std::uint64_t major_faults = 0;
  double cpu_seconds = 0;
};

}  // namespace memgate
