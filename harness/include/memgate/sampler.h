// The interface every sampler besides the /proc one implements (eBPF, allocator
// probe, metrics channel). The run session calls start once, tick at every sample,
// on_phase at every traffic phase change, and stop at the end; a sampler contributes
// extra columns to samples.csv, discrete events to events.jsonl, and a report: its
// figures (a section of report.json) and the checks it alone can decide.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memgate/check.h"
#include "memgate/sample.h"

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

// What a sampler hands over at the end of a run.
struct SamplerReport {
  nlohmann::json figures = nlohmann::json::object();  // report.json's section under the sampler's name
  std::vector<CheckResult> checks;                    // e.g. "allocator", "oom-kills"
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
  // `memgate run --pid` with several processes: the trees of all of them. A sampler that
  // follows a tree overrides it; the others only ever see one root (a spawned target).
  virtual void start_roots(const std::vector<pid_t>& roots, EventSink& events) { start(roots.front(), events); }
  // Called at every tick just before `tick`, with what the /proc poll read at this tick:
  // a sampler whose figures must bound the polled ones (eBPF's exact peaks) folds it in.
  virtual void on_polled(const TreeSample& /*tree*/) {}
  // Called at every tick; fill `out` (size == columns().size(), prefilled with NaN).
  virtual void tick(double t_s, std::span<double> out, EventSink& events) = 0;
  // Called when the traffic phase changes (after that tick's row is written), e.g. to
  // purge the allocator at the end of a burst.
  virtual void on_phase(double /*t_s*/, std::string_view /*from*/, std::string_view /*to*/, EventSink& /*events*/) {}
  // Called once after the target exited.
  virtual SamplerReport stop(double t_s, EventSink& events) = 0;
};

}  // namespace memgate
