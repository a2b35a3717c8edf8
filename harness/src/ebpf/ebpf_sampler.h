// The eBPF sampler: exact RSS peaks (every change, not just polled ones), the target's
// process tree, OOM kills, page faults and, opt-in, fd and mmap syscall counts.
// Built only when MEMGATE_HAVE_EBPF is defined (clang, bpftool, libbpf and kernel
// BTF present at configure time); see docs/ebpf.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "memgate/sampler.h"

namespace memgate {

struct EbpfOptions {
  // Hook sys_exit for fd and mmap/munmap/brk/madvise counts. Off by default: the hook
  // costs every syscall of every process on the machine 170-350 ns.
  bool syscalls = false;
  // Hook tp_btf/page_fault_user and count its hits per process (fault_hook_hits). Off
  // by default: it runs on every user page fault of the machine, while the page_faults
  // figures come from the kernel's own per-task counters at no cost per fault.
  bool fault_hook = false;
  // A ring-buffer record is written when a process's RSS moved this much since its
  // last record; peaks are exact regardless (kept in the kernel).
  std::uint64_t step_bytes = 1 << 20;
  // Per-process rows kept for report.json (largest peaks first); totals cover all.
  std::size_t max_report_processes = 64;
};

// Whether eBPF can run here (kernel BTF, CAP_BPF+CAP_PERFMON or root, no lockdown in
// confidentiality mode). When not, `reason` says what is missing and the fix.
Support ebpf_support();

// Throws nothing; the sampler's start() throws memgate::Error(usage) with a one-line
// reason (libbpf's last message included) when the programs cannot be loaded.
std::unique_ptr<Sampler> make_ebpf_sampler(const EbpfOptions& options);

// Where libbpf's own messages go. `verbose` false keeps warnings only (debug and info
// dropped); the default logger discards everything.
enum class EbpfLogLevel { warn, info, debug };
using EbpfLogger = std::function<void(EbpfLogLevel level, std::string_view line)>;
void set_ebpf_logger(EbpfLogger logger, bool verbose);

}  // namespace memgate
