// What a run exports while it runs (docs/prometheus.md); run/live_export.h does it.
#pragma once

#include <string>

namespace memgate::run {

struct ExportConfig {
  std::string textfile;          // --prometheus-textfile PATH
  std::string listen;            // --metrics-listen HOST:PORT
  bool listen_remote = false;    // --metrics-listen-remote: allow a non-loopback address
  double refresh_s = 1;          // rendering period
  double analysis_every_s = 15;  // verdicts and slopes: analyze_run_dir at most this often
  bool enabled() const { return !textfile.empty() || !listen.empty(); }
};

}  // namespace memgate::run
