#include "report/checks/budgets.h"

#include "memgate/check_names.h"
#include "report/check_registry.h"

namespace memgate::report::checks {

const Setting<codec::Size> kMaxRss{"max_rss", "SIZE", "Fail if the tree's RSS (or any VmHWM) exceeds SIZE"};
const Setting<codec::Size> kMaxPss{"max_pss", "SIZE", "Fail if the tree's PSS exceeds SIZE"};
const Setting<codec::Count> kMaxFds{"max_fds", "N", "Fail if the tree holds more than N open fds"};
const Setting<codec::Count> kMaxThreads{"max_threads", "N", "Fail if the tree runs more than N threads"};

analyze::BudgetLimits budget_limits(const CheckSettings& s) {
  return {s.get(kMaxRss), s.get(kMaxPss), s.get(kMaxFds), s.get(kMaxThreads)};
}

namespace {

// The eBPF sampler's tree peak (meta.json samplers.ebpf.peak_bytes): it follows every
// descendant, also those /proc polling lost (a daemon that left the target's group).
// Without forked children's copy-on-write view of their parent when the run has it
// (fork_corrected_peak_bytes): a fork before exec does not use its parent's memory twice.
std::optional<double> exact_tree_peak(const record::RunMeta& meta) {
  const auto it = meta.samplers.find("ebpf");
  if (it == meta.samplers.end() || !it->is_object() || !it->value("supported", false)) return std::nullopt;
  auto peak = it->find("fork_corrected_peak_bytes");
  if (peak == it->end()) peak = it->find("peak_bytes");
  if (peak == it->end() || !peak->is_number()) return std::nullopt;
  return peak->get<double>();
}

}  // namespace

const CheckSpec& budget_checks() {
  static const CheckSpec spec{
      "budgets",
      {check_id::kRssBudget, check_id::kPssBudget, check_id::kFdBudget, check_id::kThreadBudget},
      {&kMaxRss, &kMaxPss, &kMaxFds, &kMaxThreads},
      [](const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
        for (auto& check : analyze::budget_checks(budget_limits(s), in.summary, exact_tree_peak(in.meta),
                                                  &in.series.budget_crossings))
          out.push_back(std::move(check));
      }};
  return spec;
}

}  // namespace memgate::report::checks
