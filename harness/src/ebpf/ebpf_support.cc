#include "ebpf/ebpf_support.h"

#include <charconv>
#include <filesystem>

#include "ebpf/ebpf_sampler.h"
#include "sys/proc_files.h"

namespace memgate::ebpf {
namespace {

bool has_cap(std::uint64_t mask, int cap) { return (mask >> cap) & 1U; }

std::string read_text(const char* path) {
  std::string text;
  sys::read_file_into(path, text);  // absent or unreadable: empty, as for a missing file
  return text;
}

}  // namespace

Support assess_ebpf_support(const HostFacts& facts) {
  if (!facts.btf_present)
    return {false, "no kernel BTF at /sys/kernel/btf/vmlinux (needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)"};
  // Tracing programs need CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN on any kernel).
  const std::uint64_t caps = facts.cap_effective.value_or(0);
  const bool privileged = has_cap(caps, kCapSysAdmin) || (has_cap(caps, kCapBpf) && has_cap(caps, kCapPerfmon));
  if (!privileged)
    return {false,
            "not root and no CAP_BPF+CAP_PERFMON: run as root or `setcap cap_bpf,cap_perfmon+ep` the memgate binary"};
  // In confidentiality mode the kernel refuses BPF reads of kernel memory.
  if (facts.lockdown.find("[confidentiality]") != std::string::npos)
    return {
        false,
        "kernel lockdown is in confidentiality mode, which forbids BPF tracing (boot with lockdown=integrity or none)"};
  return {true, ""};
}

std::optional<std::uint64_t> parse_cap_effective(std::string_view status_text) {
  constexpr std::string_view key = "CapEff:";
  const auto at = status_text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = status_text.substr(at + key.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, 16);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return value;
}

HostFacts read_ebpf_host_facts() {
  HostFacts facts;
  std::error_code ec;
  facts.btf_present = std::filesystem::exists("/sys/kernel/btf/vmlinux", ec);
  facts.cap_effective = parse_cap_effective(read_text("/proc/self/status"));
  facts.lockdown = read_text("/sys/kernel/security/lockdown");
  return facts;
}

}  // namespace memgate::ebpf

namespace memgate {

Support ebpf_support() { return ebpf::assess_ebpf_support(ebpf::read_ebpf_host_facts()); }

}  // namespace memgate
