// Memory headroom under a limit (--memory-max): the peak the cgroup reached, and the
// level the plateau analysis projects at the horizon when it found real growth, against
// a share of the limit. Pure: the memory-headroom check (report/checks/headroom.cc).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "analyze/plateau.h"
#include "memgate/check.h"

namespace memgate::analyze {

struct HeadroomInput {
  double limit_bytes = 0;
  std::string limit_name;  // "memory.max", "memory.limit_in_bytes", "memory.high"
  double peak_bytes = 0;
  double max_share_pct = 85;  // FAIL above this share of the limit
};

// The projection used: the plateau analysis of the cgroup's usage, when it FAILed
// (significant growth beyond the tolerance); otherwise no projection (a flat series'
// noise over 24 h is not a forecast).
std::optional<double> projected_usage(std::span<const double> t_s, std::span<const double> usage,
                                      const PlateauSettings& settings);

CheckResult headroom_check(const HeadroomInput& in, std::optional<double> projected, double horizon_s);

}  // namespace memgate::analyze
