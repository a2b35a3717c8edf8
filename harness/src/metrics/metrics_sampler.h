// The metrics channel as a memgate::Sampler (docs/metrics-channel.md).
//
//   metrics::MetricsSampler m({.fifo_path = run_dir + "/metrics.fifo",
//                              .fields = {"queue_depth", "utilisation"}});
//   options.env_set.push_back(m.env_for_target());   // MEMGATE_METRICS_PATH=...
//   options.samplers.push_back(std::make_unique<...>(std::move(m)));
//
// The FIFO is created and opened by the constructor, before the target is spawned, so
// a target may open it at any time. memgate holds both ends: the target's open never
// blocks, and the last writer closing does not end the channel. tick() drains what
// arrived without blocking (a bounded number of bytes per tick); stop() drains the
// rest and returns the figures (latest values, counts, the final accounting line).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "memgate/sampler.h"
#include "metrics/line_splitter.h"
#include "metrics/metrics_table.h"
#include "sys/fifo.h"

namespace memgate::metrics {

inline constexpr const char* kPathEnv = "MEMGATE_METRICS_PATH";

struct MetricsOptions {
  std::string fifo_path;            // created here; must not exist yet
  std::vector<std::string> fields;  // numeric fields recorded as columns "metric_<field>"
  TableLimits limits;
  std::size_t max_line = 4096;               // PIPE_BUF: longer lines are not atomic, so discarded
  std::size_t max_bytes_per_tick = 1 << 20;  // a flooding target cannot stall the sample loop
};

class MetricsSampler : public Sampler {
 public:
  // Creates the FIFO and opens it; throws Error(usage) naming the path if it cannot.
  explicit MetricsSampler(MetricsOptions options);
  ~MetricsSampler() override;  // closes and unlinks the FIFO
  MetricsSampler(const MetricsSampler&) = delete;
  MetricsSampler& operator=(const MetricsSampler&) = delete;

  // "MEMGATE_METRICS_PATH=<fifo>": add it to the target's environment before spawning.
  std::string env_for_target() const;

  std::string name() const override { return "metrics"; }
  std::vector<std::string> columns() const override;
  void start(pid_t root_pid, EventSink& events) override;
  void tick(double t_s, std::span<double> out, EventSink& events) override;
  SamplerReport stop(double t_s, EventSink& events) override;

  const MetricsTable& table() const { return table_; }
  // Cycles the target marked since the last call (the runner turns them into phases).
  std::vector<CycleMark> take_cycle_marks() { return table_.take_cycle_marks(); }

 private:
  std::size_t drain(std::size_t budget_bytes);
  void emit_heap_snapshots(double t_s, EventSink& events);
  // Python heap snapshots (a line with a "pyheap" object, from the --attribute hook): kept
  // apart from the gauges and written to events.jsonl as "py-heap" events at the tick.
  std::vector<nlohmann::json> heap_parts_;
  std::uint64_t heap_parts_dropped_ = 0;
  MetricsOptions options_;
  MetricsTable table_;
  LineSplitter splitter_;
  std::optional<sys::Fifo> fifo_;  // holds its own write end: no EOF when the target's writers come and go
  std::uint64_t bytes_ = 0;
  std::uint64_t budget_hits_ = 0;
  bool stopped_ = false;
};

}  // namespace memgate::metrics
