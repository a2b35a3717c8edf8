// What a run exports while it runs (docs/prometheus.md); run/live_export.h does it.
#pragma once

#include <string>

namespace memgate::run {

struct ExportConfig {
  std::string textfile;        // --prometheus-textfile PATH
  std::string listen;          // --metrics-listen HOST:PORT
  bool listen_remote = false;  // --metrics-listen-remote: allow a non-loopback address
  double refresh_s = 1;        // rendering period
  bool enabled() const { return !textfile.empty() || !listen.empty(); }
};

}  // namespace memgate::run
