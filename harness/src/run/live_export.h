// --prometheus-textfile and --metrics-listen (docs/prometheus.md): the run's live
// figures as Prometheus text, rewritten atomically for node_exporter's textfile
// collector and served at /metrics. The sampling thread calls publish() at every tick;
// it renders at most every `refresh_s`, so the cost does not follow --hz.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "openmetrics/live_metrics.h"
#include "memgate/sample.h"
#include "report/check_registry.h"
#include "run/export_config.h"
#include "sys/metrics_server.h"

namespace memgate::run {

// Throws Error(usage) naming the flag: a listen address that is not loopback (without
// --metrics-listen-remote) or not an address, a textfile whose directory is not writable.
void validate(const ExportConfig& config);

// The tree's figures of one sample row.
void fill_tree(openmetrics::LiveFigures& figures, const TreeSample& row);

class LiveExport {
 public:
  // Binds the listener at once (a port in use is a usage error before anything runs).
  explicit LiveExport(const ExportConfig& config);
  ~LiveExport();
  LiveExport(const LiveExport&) = delete;
  LiveExport& operator=(const LiveExport&) = delete;

  // Once the run directory exists: its labels.
  void start(openmetrics::RunLabels labels);
  bool due(double now_s) const { return now_s >= next_s_; }
  // Renders and publishes figures (their verdicts: LiveAnalysis::latest_verdicts()).
  // Returns a line to show once when the textfile could not be written (the run goes
  // on), else empty.
  std::string publish(const openmetrics::LiveFigures& figures, double now_s);
  // The final figures with the run's own verdict; the textfile keeps them.
  std::string finish(openmetrics::LiveFigures figures, const openmetrics::LiveVerdicts& verdicts);
  // "metrics at http://127.0.0.1:PORT/metrics", for the start of the run; empty without a listener.
  std::string where() const;

 private:
  std::string render(const openmetrics::LiveFigures& figures);
  ExportConfig config_;
  std::optional<sys::ListenAddress> address_;
  std::unique_ptr<sys::MetricsServer> server_;
  openmetrics::Labels labels_;
  double next_s_ = 0;
  bool textfile_failed_ = false;
};

}  // namespace memgate::run
