// Which checks a run asks for, with their settings: stored in meta.json so that
// `memgate report DIR` reproduces the verdict, and overridable there.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyze/budget.h"
#include "analyze/plateau.h"

namespace memgate::report {

struct CheckSettings {
  analyze::BudgetLimits budgets;
  // Series that get a plateau check: any of rss, pss, heap, fds, threads. The question memgate
  // exists to answer, so RSS and fds are judged unless the user says otherwise.
  std::vector<std::string> plateau_metrics = {"rss", "fds"};
  analyze::PlateauSettings memory_plateau;                                       // bytes
  analyze::PlateauSettings count_plateau = analyze::PlateauSettings::for_counts();  // fds, threads
  analyze::BurstSettings burst;  // applied when the log has a phase of this name
  // The heap-retention check (analyze/retention.h): RSS beyond the allocator's live heap,
  // at the median sample; needs allocator statistics (--allocator).
  std::optional<std::uint64_t> max_retained_bytes;
  // Compare the target's accounting line (metrics channel) with what the traffic
  // generator delivered: the `no-data-loss` check (docs/metrics-channel.md).
  bool no_data_loss = false;
};

// The plateau metrics memgate knows, for validation and help texts ("rss, pss, ...").
const std::vector<std::string>& known_plateau_metrics();
std::string known_plateau_metrics_text();
bool is_plateau_metric(const std::string& name);

nlohmann::json to_json(const CheckSettings& settings);
// Missing keys keep their defaults; wrong types throw Error(usage) naming the key.
CheckSettings check_settings_from_json(const nlohmann::json& j);

// The "checks" object of a scenario file, written like the command-line flags:
//   {"max_rss": "512M", "max_pss": "400M", "max_fds": 200, "max_threads": 64,
//    "plateau": ["rss", "fds"] | "none", "tolerance": "1MiB/h,2%/h", "warmup": "30s",
//    "horizon": "24h", "burst_phase": "burst", "burst_tolerance": "2MiB", "max_retained": "16M",
//    "no_data_loss": true}
// Unknown keys and bad values throw Error(usage) naming `where` and the key.
CheckSettings check_settings_from_scenario(const nlohmann::json& checks, const std::string& where);

// Copies into `base` only the settings whose command-line flag (the names of
// cli::add_check_options: "--max-rss", "--plateau", ...) is in `flags_given`: what a user
// typed wins over a scenario file or a recorded run, the rest stays.
void override_checks(const std::set<std::string>& flags_given, const CheckSettings& given, CheckSettings& base);

}  // namespace memgate::report
