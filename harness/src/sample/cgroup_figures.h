// The cgroup sampler's verdict, pure: numbers in, the cgroup-oom check out (tested in
// tests/unit/cgroup_figures_test.cc without a cgroup).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memgate/check.h"
#include "memgate/memory_limits.h"

namespace memgate::sample {

struct CgroupOomVictim {
  double t_s = 0;
  pid_t pid = 0;
  std::string comm;
  std::optional<std::uint64_t> rss_bytes;
};

struct CgroupOomInput {
  MemoryLimits limits;
  std::string version;  // "v1" / "v2": names the limit's file in the sentence
  double oom_kills = 0;
  double peak_bytes = 0;
  double high_events = 0;        // NaN on v1 (no such counter)
  double pressure_some_max = 0;  // max some avg10 seen, percent (NaN without PSI)
  std::vector<CgroupOomVictim> victims;
  std::string victims_unknown;  // why victims could not be named, when oom_kills > 0 and none are
};

// cgroup-oom: FAIL when the OOM killer killed a process at the limit (naming the victims
// and the limit), else PASS with the peak and the reclaim figures (memory.high events,
// pressure) as warnings in the sentence.
CheckResult cgroup_oom_check(const CgroupOomInput& in);

// With a memory limit, an OOM kill at it is cgroup-oom's to report (it names the limit);
// the eBPF sampler's oom-kills check, which sees every OOM kill of the tree, then keeps
// only kills the cgroup did not count (the host's OOM killer): a FAIL of oom-kills whose
// victims are all cgroup-oom's becomes a PASS saying so. `samplers` is meta.json's
// samplers object (ebpf.oom_victims, cgroup.oom_victims and oom_kills).
void defer_oom_kills_at_limit(std::vector<CheckResult>& sampler_checks, const nlohmann::json& samplers);

// "memory.max" / "memory.limit_in_bytes" for the version.
std::string max_file(const std::string& version);

}  // namespace memgate::sample
