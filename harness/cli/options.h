// CLI11 validators and adders for the value kinds memgate flags share (sizes,
// durations), so every subcommand parses them the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <CLI/CLI.hpp>

#include "report/check_registry.h"

namespace memgate::cli {

// --flag SIZE ("512M", "1.5GiB", bytes when bare) into an optional byte count.
CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::optional<std::uint64_t>& target,
                             const std::string& help);
// --flag DURATION ("30s", "5m", "2h", seconds when bare).
CLI::Option* add_duration_option(CLI::App& app, const std::string& name, std::optional<double>& target,
                                 const std::string& help);

// The check flags shared by `run` and `report`: budgets and plateau settings.
void add_check_options(CLI::App& app, report::CheckSettings& settings);

// The long names ("--hz") of the options given on this command line.
std::set<std::string> given_flags(const CLI::App& app);

// For `report`: copies into `base` only the check flags given on this command line, so
// the settings a run recorded stay in force for everything else.
void apply_given_check_options(const CLI::App& app, const report::CheckSettings& given, report::CheckSettings& base);

}  // namespace memgate::cli
