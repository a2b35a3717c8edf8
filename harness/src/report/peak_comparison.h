// eBPF exact peaks beside the peaks /proc polling saw (report.json "peaks", the closing
// summary, timeline.png). eBPF sees every RSS change; polling sees VmRSS at ticks and
// the kernel's own per-process high-water mark VmHWM whenever it reads it. Pure: JSON
// and numbers in, JSON out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "memgate/summary.h"

namespace memgate::report {

// (pid, comm as processes.csv writes it): VmHWM restarts at exec, and a pid can be
// reused, so rows of processes.csv match an eBPF process only with the same name.
using ProcessKey = std::pair<pid_t, std::string>;

// The processes of the eBPF section (report.json samplers.ebpf.processes[]).
// Throws Error(usage) naming the field when meta.json's eBPF section is malformed
// (a hand-edited or corrupted file): the functions below then read it safely.
void check_ebpf_section(const nlohmann::json& ebpf);

std::set<ProcessKey> ebpf_processes(const nlohmann::json& ebpf_section);

// null when the run had no (supported) eBPF sampler. proc_hwm: the largest VmHWM
// polled per process (from processes.csv), for the keys of ebpf_processes().
nlohmann::json compare_peaks(const nlohmann::json& ebpf_section, const std::map<ProcessKey, std::uint64_t>& proc_hwm,
                             const RunSummary& summary);

// One line for the closing summary ("" without eBPF figures), e.g.
// "peaks, eBPF exact vs /proc: tree 96.0 MiB vs RSS-sum peak 32.1 MiB (largest VmHWM 96.0 MiB); pid 12 spike 96.0 MiB
// vs VmHWM 96.0 MiB"
std::string peaks_line(const nlohmann::json& peaks, std::size_t max_processes = 3);

}  // namespace memgate::report
