// Pure bookkeeping of the eBPF sampler: kernel structs in, report values out. No I/O,
// no clocks, no libbpf, so it is unit-tested on literal records.
#pragma once

#include "memgate/check.h"

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebpf/bpf/memgate_ebpf.h"

namespace memgate::ebpf {

struct ProcessFigures {
  pid_t pid = 0, ppid = 0;
  std::string comm;
  std::uint64_t rss_bytes = 0, peak_bytes = 0, maxrss_bytes = 0;
  std::uint64_t page_faults = 0, rss_events = 0, fault_hook_hits = 0;
  std::int64_t fds_net = 0;
  std::uint64_t fd_opens = 0, fd_closes = 0;
  std::uint64_t mmap_calls = 0, mmap_bytes = 0, munmap_calls = 0, munmap_bytes = 0;
  std::uint64_t brk_calls = 0, madvise_calls = 0, madvise_bytes = 0;
  std::int64_t brk_bytes = 0;
  bool exited = false, oom_killed = false;
  int exit_status = 0;  // raw wait status, meaningful when exited
};

ProcessFigures figures_of(pid_t pid, const memgate_proc& kernel);

// Sums over processes (live and finished) of the counters that add up.
struct Totals {
  std::uint64_t page_faults = 0, rss_events = 0, fault_hook_hits = 0;
  std::int64_t fds_net = 0;
  std::uint64_t fd_opens = 0, fd_closes = 0;
  std::uint64_t mmap_calls = 0, mmap_bytes = 0, munmap_calls = 0, munmap_bytes = 0;
  std::uint64_t brk_calls = 0, madvise_calls = 0, madvise_bytes = 0;
  std::int64_t brk_bytes = 0;
  void add(const ProcessFigures& p);
};

// Every process of the tree, in bounded memory: live processes are replaced at each
// tick; finished ones are folded into totals and only the `keep_finished` with the
// largest peaks keep their own row (a 24-hour run may fork millions of processes).
class ProcessTable {
 public:
  explicit ProcessTable(std::size_t keep_finished) : keep_finished_(keep_finished) {}
  void update_live(const ProcessFigures& p);
  void finish(const ProcessFigures& p);
  Totals totals() const;
  std::size_t seen() const { return seen_; }
  // Live and kept finished processes, largest peak first, at most `max` rows.
  std::vector<ProcessFigures> rows(std::size_t max) const;
  std::optional<ProcessFigures> find(pid_t pid) const;

 private:
  std::size_t keep_finished_;
  std::map<pid_t, ProcessFigures> live_;
  std::vector<ProcessFigures> finished_;  // bounded by keep_finished_
  Totals finished_totals_;
  std::size_t seen_ = 0;
};

// The event a ring-buffer record becomes in events.jsonl; nullopt for RSS step
// records (they update figures, they are not discrete events).
struct EventOut {
  std::string kind;
  nlohmann::json fields;
};
std::optional<EventOut> event_of(const memgate_record& record);

// Seconds since the target started for a kernel timestamp, given that the caller's
// tick `tick_t_s` happened at monotonic `tick_mono_ns`.
double record_time_s(std::uint64_t ts_ns, double tick_t_s, std::uint64_t tick_mono_ns);

nlohmann::json process_json(const ProcessFigures& p, bool syscalls, bool fault_hook = false);

struct OomVictim {
  double t_s = 0;
  pid_t pid = 0;
  std::string comm;
  std::uint64_t rss_bytes = 0, anon_bytes = 0, file_bytes = 0, shmem_bytes = 0;
};

// What the /proc poll read, folded into the exact peaks so they bound it: the largest
// polled tree sum, this tick's, and by how much the poll read more than the kernel's
// batched sum at the same tick (the per-CPU counter lag; 0 when eBPF read more).
struct PolledBound {
  std::uint64_t peak_bytes = 0, last_bytes = 0, lag_bytes_max = 0;
  void add(std::uint64_t polled, std::uint64_t kernel_sum) {
    last_bytes = polled;
    peak_bytes = std::max(peak_bytes, polled);
    if (polled > kernel_sum) lag_bytes_max = std::max(lag_bytes_max, polled - kernel_sum);
  }
};

struct ReportInput {
  bool syscalls = false;
  bool fault_hook = false;
  std::uint64_t step_bytes = 0;
  double duration_s = 0;
  memgate_tree tree{};
  std::size_t max_processes = 64;
  std::vector<OomVictim> oom_victims;
  PolledBound polled;
};

// The "ebpf" section of report.json.
// The "oom-kills" check (report.json picks it up from the sampler's figures): FAIL
// naming the first victim when the kernel OOM-killed any process of the target.
CheckResult oom_check(const std::vector<OomVictim>& victims);

nlohmann::json build_report(const ReportInput& input, const ProcessTable& table);

}  // namespace memgate::ebpf
