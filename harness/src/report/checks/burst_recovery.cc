// rss-burst-recovery: when the sample log has the burst phase, did RSS come back after
// it (analyze/plateau.h, burst_recovery_check)?
#include <algorithm>
#include "memgate/check_names.h"

#include "analyze/plateau.h"
#include "report/check_registry.h"

namespace memgate::report::checks {

namespace {

const Setting<codec::Text> kBurstPhase{"burst_phase", "NAME",
                                       "Phase whose end the burst-recovery check judges (default burst)", "burst"};
// Short (CI) scenarios: the retained level is the median over this end part of the
// recovery, which must last at least as long.
const Setting<codec::Seconds> kBurstLevelWindow{
    "burst_level_window", "DURATION",
    "Burst recovery: the retained level is the median over this end part of the recovery (default 30s)", 30};
const Setting<codec::Size> kBurstTolerance{
    "burst_tolerance", "SIZE",
    "Burst recovery: RSS retained after the burst that still passes (default 1MiB, or 5% of "
    "the pre-burst level if larger)"};

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  analyze::BurstSettings burst;
  burst.burst_phase = s.get(kBurstPhase);
  burst.level_window_s = s.get(kBurstLevelWindow);
  if (const auto tolerance = s.get(kBurstTolerance)) burst.tolerance_abs = static_cast<double>(*tolerance);
  const auto& phases = in.series.phases;
  const bool had_burst =
      std::any_of(phases.begin(), phases.end(), [&](const auto& p) { return p.name == burst.burst_phase; });
  if (had_burst)
    out.push_back(analyze::burst_recovery_check(check_id::kRssBurstRecovery, "RSS", in.series.rss.times(),
                                                in.series.rss.means(), phases, "bytes", burst));
}

}  // namespace

const CheckSpec& burst_recovery_check() {
  static const CheckSpec spec{
      "burst recovery", {check_id::kRssBurstRecovery}, {&kBurstPhase, &kBurstLevelWindow, &kBurstTolerance}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
