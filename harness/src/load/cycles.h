// A load run as N identical cycles (docs/traffic.md, "Cycles"): the schedule's stages are
// one cycle's load; each is followed by a drain time and a quiet time at rate 0, tagged
// "cycle N", "cycle N drain", "cycle N quiet" (memgate/cycle_phase.h). The per-cycle leak
// checks measure the quiescent level over each quiet phase. Pure.
#pragma once

#include <cstddef>
#include <vector>

#include "load/schedule.h"

namespace memgate::load {

inline constexpr std::size_t kMaxCycles = 10000;

struct CycleSpec {
  std::size_t count = 0;  // 0: no cycles
  double drain_s = 2;     // scenario seconds at rate 0 for the target to empty its queue
  double quiet_s = 2;     // then the quiescent measurement window
  bool purge = false;     // ask the allocator to purge when each quiet phase starts (needs --allocator)
};

// The stages of `count` cycles of `load` (the phases renamed). Throws Error(usage) on a
// count beyond kMaxCycles, a negative drain, a quiet time that is not positive, or bursts
// (they are placed in absolute time; a cycle repeats only its stages).
std::vector<Stage> cycle_stages(const std::vector<Stage>& load, std::size_t bursts, const CycleSpec& spec);

// Scenario seconds of the stages: all the cycles' when spec.count > 0.
double stages_length_s(const std::vector<Stage>& load, const CycleSpec& spec);

}  // namespace memgate::load
