// The cgroup sampler: the memory cgroup memgate made for the target (--memory-max,
// --memory-high, --swap-max; sys/cgroup.h) read at every tick beside the /proc figures.
// Columns cgroup_* (docs/sample-log.md), figures in report.json samplers.cgroup, and the
// cgroup-oom check: an OOM kill at the limit, with the victim from the kernel log.
#pragma once

#include <cmath>
#include <memory>

#include "memgate/sampler.h"
#include "sample/cgroup_figures.h"
#include "sys/cgroup.h"
#include "sys/kernel_log.h"

namespace memgate::sample {

class CgroupSampler : public Sampler {
 public:
  explicit CgroupSampler(std::shared_ptr<sys::MemoryCgroup> cgroup);

  std::string name() const override { return "cgroup"; }
  std::vector<std::string> columns() const override;
  void start(pid_t root_pid, EventSink& events) override;
  void tick(double t_s, std::span<double> out, EventSink& events) override;
  SamplerReport stop(double t_s, EventSink& events) override;

  // What meta.json says before the end of the run: the cgroup and its limits.
  nlohmann::json initial_figures() const;

 private:
  // Reads the cgroup; false (and a note, once) when a file was malformed.
  bool read(double t_s, EventSink& events);
  void take_victims(double t_s, EventSink& events);

  static constexpr std::size_t kMaxVictims = 64;
  std::shared_ptr<sys::MemoryCgroup> cgroup_;
  sys::KernelLog kernel_log_;
  sys::KernelOomParser oom_lines_;
  std::size_t victims_taken_ = 0;
  std::vector<CgroupOomVictim> victims_;
  sys::CgroupStats last_;
  double peak_ = 0, pressure_some_max_ = NAN, pressure_full_max_ = NAN;
  double first_oom_kill_at_s_ = NAN;
  std::string read_error_;
  // The cost of one reading (the sampling cost per tick).
  std::int64_t read_ns_total_ = 0, read_ns_max_ = 0;
  std::uint64_t reads_ = 0;
};

}  // namespace memgate::sample
