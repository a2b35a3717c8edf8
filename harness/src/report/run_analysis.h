// Turns a run directory (meta.json + samples.csv) into summary figures, check results,
// a verdict and memgate's exit code. `memgate run` and `memgate report DIR` both end
// here, so a verdict can always be recomputed from disk with other settings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analyze/plateau.h"
#include "memgate/check.h"
#include "memgate/stream_stats.h"
#include "memgate/summary.h"
#include "record/run_meta.h"
#include "report/attribution.h"
#include "report/check_registry.h"
#include "report/inconclusive_policy.h"
#include "report/run_series.h"

namespace memgate::report {

// The median RSS of the run's second half (samples with t >= last t / 2): the steady
// level `memgate compare` uses when the rss-plateau check gives none. Computed at report
// time so that compare never reads a samples.csv (which grows with run length).
struct SecondHalf {
  double from_s = 0;        // half the time of the last sample
  std::size_t samples = 0;  // samples in the second half with an RSS value
  double median = 0;        // bytes; from the quantile sketch (exact below 2048, else within 0.1 %)
};

// Feeds the values of one series whose last sample time is known (a second pass).
class SecondHalfMedian {
 public:
  explicit SecondHalfMedian(double last_t_s) : from_s_(last_t_s / 2) {}
  void add(double t_s, double value);
  // nullopt when no finite value fell in the second half. Even counts average the two
  // middle values, as an exact median would.
  std::optional<SecondHalf> result() const;

 private:
  double from_s_;
  analyze::QuantileSketch sketch_;
};

struct RunAnalysis {
  record::RunMeta meta;
  RunSummary summary;
  RunSeries series;
  std::vector<CheckResult> checks;
  Verdict verdict;
  ExitCode exit_code = ExitCode::internal;
  std::string target_problem;                 // non-empty when the target crashed or failed on its own
  nlohmann::json peaks;                       // eBPF peaks beside /proc's (report/peak_comparison.h); null without eBPF
  std::optional<SecondHalf> rss_second_half;  // report.json summary.rss_second_half
  InconclusivePolicy inconclusive = InconclusivePolicy::neutral;  // how the gate acts on INCONCLUSIVE
  std::optional<Attribution> attribution;                         // --attribute: heap growth per call site
};

// Puts the policy in the analysis and changes its exit code accordingly (only an
// inconclusive verdict's code changes; the verdict stays INCONCLUSIVE).
void set_inconclusive_policy(RunAnalysis& analysis, InconclusivePolicy policy);

// Reads the directory in streaming passes (a second one over samples.csv for the
// second-half median, once the last sample time is known): memory does not grow with
// the run's length. Throws Error(usage) for a directory that
// is not a memgate run or whose files are malformed.
// `meta`: use this instead of DIR/meta.json (a run whose final meta.json could not be
// written still judges what it collected).
RunAnalysis analyze_run_dir(const std::string& dir, const CheckSettings& settings,
                            const record::RunMeta* meta = nullptr);

// Frees what only the report pass needs (the bucketed series, phase spans, fd snapshots,
// cycle levels, attribution) and keeps the checks, verdict, summary and the run's state
// flags: what a live analysis held between refreshes reads (live line, exporter,
// progress). Held whole, each refresh's analysis pinned ~3 MiB of buckets plus the
// snapshots and phases, which grow with the run, in the analysing thread's arena.
void keep_verdict_only(RunAnalysis& a);

// --attribute: loads the run's heap snapshots, attributes the growth over the rss-plateau
// check's steady window, and names the top site in failed plateau checks.
void attribute_growth(const std::string& dir, RunAnalysis& analysis);

// The target's own outcome: empty when it ran fine or was stopped by memgate.
std::string target_problem(const record::RunMeta& meta);

}  // namespace memgate::report
