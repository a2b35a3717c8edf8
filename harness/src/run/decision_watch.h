// --until-decided: the plateau checks judged again at each planned look (analyze/
// sequential.h), at the look's own level, on bounded series fed with the rows the sample
// log gets (the same reduction the report's streaming pass makes), so memgate's memory
// stays flat and a look costs a few milliseconds. Pure: no clock, no I/O.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "analyze/sequential.h"
#include "memgate/check.h"
#include "report/check_registry.h"
#include "report/run_series.h"

namespace memgate::run {

// One tick's figures, as the report's streaming pass reads them from samples.csv.
struct WatchRow {
  double processes = 0;  // a row of an empty tree is not a memory figure
  double rss = NAN, pss = NAN, fds = NAN, threads = NAN;
  double heap_allocated = NAN, heap_mapped = NAN;  // the probe's columns
};

struct LookResult {
  analyze::LookDecision decision = analyze::LookDecision::undecided;
  std::size_t look = 0;   // 1-based
  std::size_t looks = 0;  // planned, the end of the run included
  analyze::Look at;
  std::vector<CheckResult> checks;  // the plateau checks at the look's level
};

class DecisionWatch {
 public:
  DecisionWatch(const report::CheckSettings& checks, const analyze::SequentialSettings& plan);

  void add(double t_s, const WatchRow& row);
  // The look due at now_s (the latest one, when a slow tick passed several: skipping a
  // look only spends less), judged; nullopt when no look is due or the due look does not
  // test (its share of alpha is too small).
  std::optional<LookResult> look(double now_s);

  const std::vector<analyze::Look>& plan() const { return plan_; }

 private:
  report::CheckSettings checks_;
  std::vector<analyze::Look> plan_;
  std::size_t next_ = 0;
  report::RunSeries series_;
};

}  // namespace memgate::run
