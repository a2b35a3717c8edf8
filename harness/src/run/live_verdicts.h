// The verdict so far and the plateau checks' running slopes, for the live export
// (run/live_export.h), behind a small interface so the source can change without
// touching the export: a component that already keeps the latest RunAnalysis during
// the run can implement LiveVerdictSource with openmetrics::live_verdicts() over it, and
// RunSession::prepare() hand that to LiveExport::start() instead of RunDirVerdicts.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "openmetrics/live_metrics.h"
#include "report/check_registry.h"

namespace memgate::run {

class LiveVerdictSource {
 public:
  virtual ~LiveVerdictSource() = default;
  // The latest figures; nullopt before the first analysis. Never waits for one.
  virtual std::optional<openmetrics::LiveVerdicts> latest() = 0;
};

// Judges the run directory with report::analyze_run_dir (the code `memgate report DIR`
// runs) on its own thread: at most every `every_s`, and never more than a tenth of the
// time (an analysis that took 2 s waits at least 20 s), so a days-long soak whose
// samples.csv keeps growing costs a bounded share of one core. An analysis that fails
// (e.g. a line being written) keeps the previous figures.
class RunDirVerdicts : public LiveVerdictSource {
 public:
  RunDirVerdicts(std::string dir, const report::CheckSettings& settings, double every_s);
  ~RunDirVerdicts() override;
  std::optional<openmetrics::LiveVerdicts> latest() override;

 private:
  void loop();
  std::string dir_;
  const report::CheckSettings& settings_;
  double every_s_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<openmetrics::LiveVerdicts> latest_;
  std::thread thread_;
};

}  // namespace memgate::run
