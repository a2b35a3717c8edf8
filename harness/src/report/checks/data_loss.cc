// no-data-loss: the target's accounting line (metrics channel) against what the traffic
// delivered (analyze/data_loss.h, docs/metrics-channel.md).
#include "analyze/data_loss.h"
#include "memgate/check_names.h"
#include "report/check_registry.h"
#include "report/data_loss_inputs.h"

namespace memgate::report::checks {

namespace {

const Setting<codec::Switch> kNoDataLoss{
    "no_data_loss", "",
    "Fail unless the target's accounting line (metrics channel) accounts for every record the traffic delivered",
    false};

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  if (!s.get(kNoDataLoss)) return;
  // The accounting line and the traffic's counts reach meta.json when the run ends: an
  // unfinished run has neither, which says nothing about the metrics channel.
  if (in.meta.status == "running") {
    out.push_back({check_id::kNoDataLoss,
                   Outcome::inconclusive,
                   in.series.still_running
                       ? "the run is still going: the target's accounting line and the traffic's counts are "
                         "read when it ends"
                       : "the run did not finish: the target's accounting line and the traffic's counts were "
                         "never recorded",
                   {}});
    return;
  }
  out.push_back(analyze::no_data_loss_check(data_loss_inputs(in.meta.samplers)));
}

}  // namespace

const CheckSpec& data_loss_check() {
  static const CheckSpec spec{"no data loss", {check_id::kNoDataLoss}, {&kNoDataLoss}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
