// The checks only a sampler can decide, recorded in meta.json's "sampler_checks" at the
// end of the run (memgate/sampler.h SamplerReport): allocator (the heap probe), oom-kills
// (eBPF), cgroup-oom (the cgroup sampler, under --memory-max), traffic (the load driver). They have no settings: asking
// for the sampler asks for the check.
#include "report/check_registry.h"
#include "memgate/check_names.h"

namespace memgate::report::checks {

const CheckSpec& sampler_checks() {
  static const CheckSpec spec{"sampler checks",
                              {check_id::kAllocator, check_id::kOomKills, check_id::kCgroupOom, check_id::kTraffic},
                              {},
                              [](const CheckInputs& in, const CheckSettings&, std::vector<CheckResult>& out) {
                                out.insert(out.end(), in.meta.sampler_checks.begin(), in.meta.sampler_checks.end());
                              }};
  return spec;
}

}  // namespace memgate::report::checks
