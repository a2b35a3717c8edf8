// The loaded BPF programs: open -> configure read-only knobs -> load -> attach (each
// attach checked), plus typed access to the maps. RAII: destruction detaches all.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "ebpf/bpf/memgate_ebpf.h"

struct memgate_bpf;  // the bpftool-generated skeleton
struct ring_buffer;

namespace memgate::ebpf {

struct SessionConfig {
  std::uint64_t step_bytes = 1 << 20;
  bool syscalls = false;
  bool fault_hook = false;  // tp_btf/page_fault_user (EbpfOptions::fault_hook)
};

class BpfSession {
 public:
  // Throws memgate::Error(usage) naming the failing step and libbpf's reason.
  explicit BpfSession(const SessionConfig& config);
  ~BpfSession();
  BpfSession(const BpfSession&) = delete;
  BpfSession& operator=(const BpfSession&) = delete;

  // Starts tracking pid with the given initial state (its current RSS and peak, read
  // from /proc by the caller) and adds its RSS to the tree-wide sum. False when the
  // pid is already tracked or the map is full.
  bool track(pid_t pid, const memgate_proc& seed);

  // A consistent-enough copy of the tree totals (each field read atomically).
  memgate_tree totals() const;
  // Returns the tree-wide peak since the previous call and restarts the interval at
  // the current sum.
  std::uint64_t take_interval_peak();

  void for_each_process(const std::function<void(pid_t, const memgate_proc&)>& fn) const;
  // Removes an exited process from the map (and its slot).
  void forget(pid_t pid);

  // Hands every pending ring-buffer record to `on_record`; returns how many.
  std::size_t drain(const std::function<void(const memgate_record&)>& on_record);

 private:
  memgate_slot& slot_of(std::uint32_t tgid) const;
  void leave_slot(std::uint32_t tgid);

  memgate_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  std::function<void(const memgate_record&)> on_record_;  // valid during drain()
};

}  // namespace memgate::ebpf
