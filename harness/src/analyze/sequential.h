// Stop when decided (`memgate run --until-decided`): the planned looks at a run that may
// last up to a maximum, and the group-sequential boundary that says at which level the
// plateau check may decide at each look, so that the whole procedure's false-FAIL rate
// stays within the fixed-length check's. Pure: times in, levels and decisions out.
// Method and validation: docs/plateau.md, "Stopping when decided".
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "analyze/plateau.h"
#include "memgate/check.h"

namespace memgate::analyze {

struct SequentialSettings {
  double max_s = 0;  // the planned maximum run length (--max-duration)
  // The first look: the shortest steady window the plateau check may judge at all (a
  // blatant leak, PlateauSettings::blatant_min_steady_s).
  double first_look_s = 20;
  double look_ratio = 1.25;  // each look this much later than the one before
  // One-sided level spent over the interim looks, on each side (FAIL and PASS): the
  // fixed-length check's (1 - 0.99) / 2.
  double alpha = 0.005;
  // A look whose share of alpha is below this does not test at all (a level that small
  // is beyond double precision in the interval's confidence, and only a blatant leak
  // could cross it).
  double min_look_alpha = 1e-12;
  // At a look the plateau check needs a steady window this long for an ordinary verdict
  // (its min_steady_s, raised): 5 minutes, the shortest run the validation study supports
  // (on 60-80 s windows a GC sawtooth or phi = 0.98 noise FAILs 8-20 % of runs even at
  // 99 %). A shorter window FAILs only a blatant leak, as in any run.
  double min_steady_s = 300;
};

struct Look {
  double at_s = 0;          // seconds from the start of the run
  double information = 0;   // k / K: the look's share of the plan (the last, at max_s, is 1)
  double spent = 0;         // alpha spent up to and including this look
  double alpha = 0;         // this look's nominal one-sided level (0: the look does not test)
  double min_steady_s = 0;  // the plateau check's min_steady_s at this look
  double confidence() const { return 1 - 2 * alpha; }  // the two-sided level of the plateau check
};

// Lan–DeMets O'Brien–Fleming spending function: alpha spent by information fraction t in
// [0, 1], 2 (1 - Phi(z_{1-alpha/2} / sqrt(t))); alpha at t = 1, almost nothing early.
double obrien_fleming_spent(double information, double alpha);

// The interim looks, before max_s: at first_look_s * look_ratio^j, K looks in all with the
// final one at max_s (which is the run's normal end, judged by the fixed-length checks).
// Look k of K has information k / K (equally spaced looks on a logarithmic time scale) and
// tests at the alpha the spending function allots it, alpha(k / K) - alpha((k - 1) / K).
// By the union bound the interim looks FAIL a non-leaking run with probability at most
// alpha(1 - 1/K) < alpha, whatever the correlation between looks. Throws memgate::Error
// (usage) for a non-positive max_s or ratio <= 1.
std::vector<Look> plan_looks(const SequentialSettings& settings);

// The plateau settings at a look: the look's confidence, its min_steady_s (when longer),
// and a FAIL on a decelerating climb deferred to a later look (a cache still filling:
// docs/plateau.md, "A climb that slows down waits").
PlateauSettings at_look(PlateauSettings settings, const Look& look);

enum class LookDecision { undecided, fail, pass };

// The verdict of the plateau checks at one look, each at the look's level: decided FAIL
// as soon as one FAILs; decided PASS when every one PASSes (none judged: undecided).
LookDecision decide_look(std::span<const Outcome> outcomes);

}  // namespace memgate::analyze
