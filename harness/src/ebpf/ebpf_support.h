// Deciding whether the eBPF sampler can run, from facts gathered about the host.
// assess_ebpf_support is pure (tested on literal facts); read_ebpf_host_facts does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "memgate/sampler.h"

namespace memgate::ebpf {

struct HostFacts {
  bool btf_present = false;                    // /sys/kernel/btf/vmlinux
  std::optional<std::uint64_t> cap_effective;  // CapEff of this process (nullopt: unreadable)
  std::string lockdown;                        // /sys/kernel/security/lockdown, "" if absent
};

inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapPerfmon = 38;
inline constexpr int kCapBpf = 39;

Support assess_ebpf_support(const HostFacts& facts);

// CapEff from the text of /proc/self/status; nullopt when the line is missing or bad.
std::optional<std::uint64_t> parse_cap_effective(std::string_view status_text);

HostFacts read_ebpf_host_facts();

}  // namespace memgate::ebpf
