// When the runner asks the allocator to purge at a change of traffic phase
// (`--purge-at-phases`, scenario `target.purge_at_phases`): at every change, or on
// entering one of the named phases (e.g. "recovery": right after a burst). Pure.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "memgate/cycle_phase.h"

namespace memgate::alloc {

struct PhasePurge {
  bool every = false;                 // purge at every phase change
  std::vector<std::string> entering;  // else: purge when one of these phases starts
  bool cycle_quiet = false;           // and when a cycle's quiet phase starts ("cycle N quiet")

  bool enabled() const { return every || !entering.empty() || cycle_quiet; }
  bool wants(std::string_view to_phase) const {
    if (cycle_quiet)
      if (const auto p = parse_cycle_phase(to_phase); p && p->part == CyclePart::quiet) return true;
    return every || std::find(entering.begin(), entering.end(), to_phase) != entering.end();
  }
};

}  // namespace memgate::alloc
