#include "load/cycles.h"

#include <cmath>

#include "memgate/cycle_phase.h"
#include "memgate/error.h"

namespace memgate::load {

std::vector<Stage> cycle_stages(const std::vector<Stage>& load, std::size_t bursts, const CycleSpec& spec) {
  if (spec.count == 0 || spec.count > kMaxCycles)
    throw Error(ExitCode::usage, "cycles: expected a count from 1 to " + std::to_string(kMaxCycles) + " (got " +
                                     std::to_string(spec.count) + ")");
  if (!(spec.drain_s >= 0) || !std::isfinite(spec.drain_s))
    throw Error(ExitCode::usage, "cycles.drain_s: expected a duration >= 0, e.g. 2s");
  if (!(spec.quiet_s > 0) || !std::isfinite(spec.quiet_s))
    throw Error(ExitCode::usage, "cycles.quiet_s: expected a positive duration, e.g. 2s");
  if (load.empty()) throw Error(ExitCode::usage, "cycles: the traffic needs stages (one cycle's load)");
  if (bursts > 0)
    throw Error(ExitCode::usage,
                "cycles: remove traffic.bursts (bursts are placed in absolute time; put the burst in the stages of "
                "one cycle instead)");
  std::vector<Stage> stages;
  stages.reserve(spec.count * (load.size() + 2));
  for (std::size_t c = 1; c <= spec.count; ++c) {
    for (Stage s : load) {
      s.phase = cycle_phase_name(c, CyclePart::load);
      s.hourly = false;
      stages.push_back(std::move(s));
    }
    Stage idle;
    idle.kind = Stage::Kind::constant;
    idle.rate = 0;
    if (spec.drain_s > 0) {
      idle.duration_s = spec.drain_s;
      idle.phase = cycle_phase_name(c, CyclePart::drain);
      stages.push_back(idle);
    }
    idle.duration_s = spec.quiet_s;
    idle.phase = cycle_phase_name(c, CyclePart::quiet);
    stages.push_back(idle);
  }
  return stages;
}

double stages_length_s(const std::vector<Stage>& load, const CycleSpec& spec) {
  double total = 0;
  for (const auto& s : load) total += s.duration_s;
  if (spec.count == 0) return total;
  return static_cast<double>(spec.count) * (total + spec.drain_s + spec.quiet_s);
}

}  // namespace memgate::load
