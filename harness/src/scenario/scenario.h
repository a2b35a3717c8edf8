// The JSON scenario format (docs/scenarios.md): what to run (target), what to send it
// (traffic), how to watch it (sampling) and what to judge (checks). Parsing validates
// everything up front; an error names the file, the field and what is expected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc/phase_purge.h"
#include "load/traffic_driver.h"

namespace memgate::scenario {

struct Target {
  std::vector<std::string> command;  // argv; argv[0] looked up in PATH
  std::vector<std::string> env_set;  // KEY=VALUE
  std::string allocator;             // "" / "glibc" / "jemalloc" / "mimalloc" / "tcmalloc"...
  std::string cwd;                   // "": the scenario file's directory
  alloc::PhasePurge purge_at_phases;  // true: every phase change; ["recovery"]: on entering those
};

struct Sampling {
  double hz = 10;
  double pss_hz = 1;
  double process_hz = 1;
  std::optional<double> duration_s;  // wall seconds; default: the traffic schedule's length
};

struct Scenario {
  std::string file;  // where it came from (for messages)
  std::string name;
  std::string description;
  Target target;
  std::optional<load::TrafficConfig> traffic;
  Sampling sampling;
  nlohmann::json checks = nlohmann::json::object();  // validated as an object; the runner maps it
};

// Reads and validates a scenario file; relative paths inside it (trace files, unix
// sockets, cwd) are resolved against the file's directory. Throws Error(usage).
Scenario load_scenario(const std::string& path);
// The same from an already parsed document; `file` is used in messages, `base_dir`
// to resolve relative paths.
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file, const std::string& base_dir);

}  // namespace memgate::scenario
