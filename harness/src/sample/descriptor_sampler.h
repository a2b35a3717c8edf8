// Snapshots of the target tree's open descriptors, grouped by kind and path pattern
// (analyze/descriptors.h), at the points the fd-plateau check needs: every 2 s for the
// first 20 s, every 10 s up to 10 min, then every minute; at every traffic phase change;
// and the last one taken (refreshed every 2 s) at the end. Each is an "fd-snapshot"
// event in events.jsonl with the tree's RLIMIT_NOFILE. Bounded: 24 patterns per kind.
// `memgate run --pid` with several processes: every attached tree is in each snapshot.
#pragma once

#include <optional>
#include <vector>

#include "analyze/descriptors.h"
#include "memgate/sampler.h"

namespace memgate::sample {

// When the next periodic snapshot is written, given the time of the last one (pure).
double next_fd_snapshot_s(double last_written_s);

class DescriptorSampler : public Sampler {
 public:
  std::string name() const override { return "descriptors"; }
  std::vector<std::string> columns() const override { return {}; }
  void start(pid_t root_pid, EventSink& events) override;
  void start_roots(const std::vector<pid_t>& roots, EventSink& events) override;
  void tick(double t_s, std::span<double> out, EventSink& events) override;
  void on_phase(double t_s, std::string_view from, std::string_view to, EventSink& events) override;
  SamplerReport stop(double t_s, EventSink& events) override;

 private:
  struct Snapshot {
    double t_s = 0;
    nlohmann::json fields;
  };
  Snapshot take(double t_s) const;
  void write(const Snapshot& s, const char* point, EventSink& events, std::string_view phase = {});

  std::vector<pid_t> roots_;
  std::optional<Snapshot> latest_;  // refreshed every 2 s, written at the end
  double last_written_s_ = -1, last_taken_s_ = -1e300;
  std::size_t written_ = 0;
  nlohmann::json limit_ = nullptr;  // the first live root's RLIMIT_NOFILE at the first snapshot
};

}  // namespace memgate::sample
