#include "run/decision_watch.h"

#include "report/checks/plateau.h"

namespace memgate::run {

DecisionWatch::DecisionWatch(const report::CheckSettings& checks, const analyze::SequentialSettings& plan)
    : checks_(checks), plan_(analyze::plan_looks(plan)) {}

void DecisionWatch::add(double t_s, const WatchRow& row) {
  if (!(row.processes > 0)) return;
  const auto add = [t_s](analyze::BoundedSeries& s, double v) {
    if (!std::isnan(v)) s.add(t_s, v);
  };
  add(series_.rss, row.rss);
  add(series_.pss, row.pss);
  add(series_.fds, row.fds);
  add(series_.threads, row.threads);
  add(series_.heap_allocated, row.heap_allocated);
  add(series_.heap_mapped, row.heap_mapped);
}

std::optional<LookResult> DecisionWatch::look(double now_s) {
  std::optional<std::size_t> due;
  while (next_ < plan_.size() && now_s >= plan_[next_].at_s) due = next_++;
  if (!due || plan_[*due].alpha <= 0) return std::nullopt;
  LookResult r;
  r.look = *due + 1;
  r.looks = plan_.size() + 1;
  r.at = plan_[*due];
  r.checks = report::checks::plateau_results(series_, checks_, &r.at);
  std::vector<Outcome> outcomes;
  for (const auto& c : r.checks) outcomes.push_back(c.outcome);
  r.decision = analyze::decide_look(outcomes);
  return r;
}

}  // namespace memgate::run
