#include "export_options.h"

namespace memgate::cli {

void add_export_options(CLI::App& app, run::ExportConfig& e) {
  const char* group = "Live export (docs/prometheus.md)";
  app.add_option("--prometheus-textfile", e.textfile,
                 "Keep the live figures in PATH, Prometheus text format, rewritten atomically every second (for "
                 "node_exporter's textfile collector: name it *.prom in its directory); the final figures stay")
      ->type_name("PATH")
      ->group(group);
  app.add_option("--metrics-listen", e.listen,
                 "Serve the live figures over HTTP at http://HOST:PORT/metrics for Prometheus (loopback only unless "
                 "--metrics-listen-remote; port 0: any free one, printed at the start)")
      ->type_name("HOST:PORT")
      ->group(group);
  app.add_flag("--metrics-listen-remote", e.listen_remote,
               "Allow a non-loopback --metrics-listen address (the endpoint has no authentication)")
      ->group(group);
}

}  // namespace memgate::cli
