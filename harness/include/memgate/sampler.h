// The interface every sampler besides the /proc one implements (eBPF, allocator
// probe, metrics channel). The runner calls start once, tick at every sample, and
// stop at the end; a sampler contributes extra columns to samples.csv, discrete
// events to events.jsonl, and a section of final figures to report.json.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate {

// Where samplers record discrete events (OOM kill, process exit, purge...).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void event(double t_s, std::string_view kind, nlohmann::json fields) = 0;
};

// Whether a sampler can run on this machine, and if not, why and how to fix it.
struct Support {
  bool ok = false;
  std::string reason;  // one line: what is missing and the fix
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;  // section name in report.json, e.g. "ebpf"
  // Extra samples.csv columns this sampler fills, in order (prefix them with the name).
  virtual std::vector<std::string> columns() const = 0;
  // Called once the target is spawned (still before it has done much). Throws
  // memgate::Error with a one-line reason if the sampler cannot attach.
  virtual void start(pid_t root_pid, EventSink& events) = 0;
  // Called at every tick; fill `out` (size == columns().size(), prefilled with NaN).
  virtual void tick(double t_s, std::span<double> out, EventSink& events) = 0;
  // Called once after the target exited; returns the figures for report.json.
  virtual nlohmann::json stop(double t_s, EventSink& events) = 0;
};

}  // namespace memgate
