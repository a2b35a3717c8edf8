// The run's verdict so far, recomputed while the run goes on: the live line's running
// slope, the interim reports (--report-every) and the Prometheus export read it here
// (one analysis per interval for all of them).
//
// A refresh flushes the sample log (on the sampling thread, so the files end on a whole
// line), then runs report::analyze_run_dir over the flushed files on a worker thread of
// its own: the same streaming, bounded-memory pass as `memgate report DIR`, so memgate's
// memory does not grow with the run, and a slow pass over a long samples.csv never
// delays a sample tick. Refreshes are spaced by at least `min_refresh_s` and by twenty
// times the last pass's cost (at most ~5 % of one core). When an interim report is due
// (every `report_every_s`), the refresh also writes report.json (status "running", its
// "progress" object) and the --summary file, both atomically (temp file + rename).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "openmetrics/live_metrics.h"
#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/ci_outputs.h"
#include "report/run_analysis.h"

namespace memgate::run {

// The interim report interval of a run: `every_s` when given (0: off), else 15 minutes
// for a run planned to last longer than an hour, else off.
double report_interval(std::optional<double> every_s, std::optional<double> planned_s);

class LiveAnalysis {
 public:
  struct Options {
    std::string dir;                // the run directory
    report::CheckSettings checks;   // as the final report judges
    report::OutputOptions outputs;  // --summary and --inconclusive (no JUnit, no $GITHUB_STEP_SUMMARY mid-run)
    double report_every_s = 0;      // 0: analyse in memory only, write nothing
    double min_refresh_s = 5;
    double first_refresh_s = 5;  // sooner when an exporter wants its first verdict early
  };
  // What the refreshes cost, for the run's figures (meta.json samplers.live_analysis).
  struct Cost {
    std::size_t refreshes = 0, reports = 0, failures = 0;
    double last_s = 0, max_s = 0, total_s = 0;  // wall seconds per analysis pass
  };

  explicit LiveAnalysis(Options options);
  ~LiveAnalysis();  // stop()
  LiveAnalysis(const LiveAnalysis&) = delete;
  LiveAnalysis& operator=(const LiveAnalysis&) = delete;

  // On the sampling thread, every tick: starts a refresh when one is due and none is in
  // flight; `flush` is called first. `meta`: the run's metadata as it stands (copied).
  void tick(double now_s, const record::RunMeta& meta, const std::function<void()>& flush);
  // The latest analysis (null before the first refresh). Thread-safe; the pointee never changes.
  std::shared_ptr<const report::RunAnalysis> latest() const;
  // The latest analysis as the Prometheus export shows it (nullopt before the first):
  // the exporter reads the live line's analysis instead of running one of its own.
  std::optional<openmetrics::LiveVerdicts> latest_verdicts() const;
  // Lines for the terminal and events.jsonl since the last call ("interim report at ...").
  std::vector<std::string> take_notes();
  // Waits for a refresh in flight and ends the worker; no refresh after. Idempotent.
  void stop();
  Cost cost() const;

 private:
  struct Job {
    record::RunMeta meta;
    double at_s = 0;
    bool write = false;
  };
  void work();
  void refresh(const Job& job);

  const Options o_;
  double next_refresh_s_, next_report_s_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Job> job_;  // posted by tick, taken by the worker
  bool busy_ = false, stopping_ = false;
  std::shared_ptr<const report::RunAnalysis> latest_;
  double latest_unix_s_ = 0;  // when latest_ was computed
  std::vector<std::string> notes_;
  Cost cost_;
  std::thread worker_;  // last: started once everything above exists
};

}  // namespace memgate::run
