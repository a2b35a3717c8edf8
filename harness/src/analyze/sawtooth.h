// GC sawtooth: the series climbs while the program allocates, a collection drops it back,
// again and again. On a short run the sawtooth's phase at the window edges moves a slope
// more than a slow leak does, so the trend is measured on the series with the climbs
// removed: the level after each collection plus whatever grows under it. Pure functions
// (see docs/plateau.md, "GC sawtooth").
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace memgate::analyze {

struct Sawtooth {
  std::vector<double> drop_t_s;                // when each collection happened; empty when not a usable sawtooth
  std::vector<double> drop_from_s, drop_to_s;  // the points it happened between
  std::size_t drops_seen = 0;                  // drops far below the noise, collections or not, used or not
  std::string note;                            // why drops that were seen are not used (empty when used or none seen)
  bool periodic = false;                       // dated from the fitted period, not from single drops
  bool usable() const { return !drop_t_s.empty(); }
};

// Drops are falls of more than 5 robust standard deviations (1.4826 MAD of the
// point-to-point changes) below the typical change; adjacent ones are one drop, dated
// midway between the points around it. A drop is a collection only when it gives back at
// least half of what the series climbed since the previous one (a resize, a free or the
// end of a load gives back a few percent of a leak's climb); the others are counted in
// drops_seen and named in the note. Usable when at least 2 collections recur and the median
// drop clears that threshold by 3 more standard deviations (so no collection of the
// usual size is missed: a missed one would read as a fall). Otherwise, when the points
// repeat with a clear period (autocorrelation; at least 3 whole periods) whose fitted drops
// give back at least half of each climb, every drop is dated from a fitted period and
// phase instead (`periodic`).
Sawtooth detect_sawtooth(std::span<const double> t_s, std::span<const double> values);

// Dates each drop on finer samples (the raw series the points were reduced from): midway
// across the largest fall between the two points the drop was seen between. A drop dated
// a bucket off shifts its whole tooth by climb x error, so this is worth the pass.
// Non-finite samples are skipped; times must ascend.
void date_drops(std::span<const double> t_s, std::span<const double> values, Sawtooth& saw);

// The series from the first drop on (the partial tooth before it has no known start),
// each value minus climb * (time since the last drop). The climb is the median pairwise
// slope within teeth with the remaining trend taken out, so a leak stays in the result.
struct ClimbsRemoved {
  std::vector<double> t_s, values;  // empty when the series does not climb between drops
  double climb_per_s = 0;
  std::string note;  // why it is empty
};
ClimbsRemoved remove_climbs(std::span<const double> t_s, std::span<const double> values,
                            std::span<const double> drop_t_s);

}  // namespace memgate::analyze
