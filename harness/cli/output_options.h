// The CI output flags `run` and `report` share: --junit, --junit-suite, --summary,
// --inconclusive and --json (docs/ci.md), so they mean the same in both.
#pragma once

#include <CLI/CLI.hpp>

#include "report/ci_outputs.h"

namespace memgate::cli {

// `json`: --json, the report on stdout and nothing else there.
void add_output_options(CLI::App& app, report::OutputOptions& outputs, bool& json);

}  // namespace memgate::cli
