// The JSON scenario format (docs/scenarios.md): what to run (target), what to send it
// (traffic), how to watch it (sampling) and what to judge (checks). Parsing validates
// everything up front; an error names the file, the field and what is expected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc/phase_purge.h"
#include "memgate/memory_limits.h"
#include "load/traffic_driver.h"
#include "scenario/profiles.h"
#include "scenario/sizes.h"

namespace memgate::scenario {

struct Target {
  std::vector<std::string> command;   // argv; argv[0] looked up in PATH (a pipeline: its full path)
  std::string pipeline;               // "sensor_ingest" when given as {"pipeline": ...}, else ""
  std::vector<std::string> env_set;   // KEY=VALUE
  std::string allocator;              // "" / "glibc" / "jemalloc" / "mimalloc" / "tcmalloc"...
  std::string cwd;                    // "": the scenario file's directory
  alloc::PhasePurge purge_at_phases;  // true: every phase change; ["recovery"]: on entering those
  bool attribute = false;             // "attribute": true, as --attribute
  MemoryLimits limits;                // "limits": {"memory_max": "512M", "memory_high", "swap_max"}
};

struct Sampling {
  double hz = 10;
  double pss_hz = 1;
  double process_hz = 1;
  std::optional<double> duration_s;      // wall seconds; default: the traffic schedule's length
  std::optional<double> report_every_s;  // interim reports (wall seconds, 0: off); default: run::report_interval
  std::optional<std::uint64_t> log_segment_bytes;  // sample-log segment size (0: never rotate)
  std::vector<std::string> metrics;                // metrics-channel fields recorded as metric_<field> columns
  // Stop when the plateau checks are decided (--until-decided), after at most
  // max_duration_s (--max-duration).
  bool until_decided = false;
  std::optional<double> max_duration_s;
  std::optional<std::string> abort_on;  // none, budget or fail (--abort-on)
};

struct Scenario {
  std::string file;  // where it came from (for messages)
  std::string name;
  std::string description;
  std::vector<std::string> profiles;  // the profiles applied, in order
  std::optional<double> time_scale_override;
  // traffic.time_scale as the file (and its profiles) wrote it, before `--time-scale`:
  // the sampling rates were chosen for it (run::apply_scenario scales them).
  double written_time_scale = 1;
  Target target;
  std::optional<load::TrafficConfig> traffic;
  Sampling sampling;
  nlohmann::json checks = nlohmann::json::object();  // validated as an object; the runner maps it
  std::optional<SizeSweep> sizes;                    // "sizes": what `memgate sizes` runs it at
  std::optional<double> size;                        // the size this scenario was loaded at (Overrides::size)
};

// Scenario files larger than this are refused before they are read (docs/scenarios.md).
inline constexpr std::uint64_t kMaxScenarioBytes = 4ull << 20;

// Reads and validates a scenario file with the command line's overrides (profiles,
// time scale) applied; relative paths inside it (trace files, unix sockets, cwd) are
// resolved against the file's directory. Throws Error(usage), also when a
// `target.pipeline` is not built, and (check_paths) when a file it names is missing.
Scenario load_scenario(const std::string& path, const Overrides& overrides = {});
// The same from an already parsed document; `file` is used in messages, `base_dir`
// to resolve relative paths.
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file, const std::string& base_dir,
                        const Overrides& overrides = {});

// What can be known about the file system before anything starts: target.cwd is an
// existing directory, a trace payload's path a readable file (not a directory). Throws
// Error(usage) naming the field. load_scenario calls it; parse_scenario does not (pure).
void check_paths(const Scenario& scenario);

// What a scenario run records in meta.json: file, name, profiles, time-scale override.
nlohmann::json describe_for_meta(const Scenario& scenario);

}  // namespace memgate::scenario
