// The live-export flags of `memgate run`: --prometheus-textfile, --metrics-listen,
// --metrics-listen-remote (docs/prometheus.md).
#pragma once

#include <CLI/CLI.hpp>

#include "run/export_config.h"

namespace memgate::cli {

void add_export_options(CLI::App& app, run::ExportConfig& exports);

}  // namespace memgate::cli
