#include "report/cycle_levels.h"

#include <cmath>

#include "analyze/trend_stats.h"
#include "memgate/cycle_phase.h"

namespace memgate::report {

namespace {

// The median of the finite values; NaN when there are none (a quiet phase without samples).
double median_of(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  return v.empty() ? NAN : analyze::median(std::move(v));
}

}  // namespace

void CycleCollector::add(std::string_view phase, const QuietSample& sample) {
  const auto p = parse_cycle_phase(phase);
  const std::size_t quiet = p && p->part == CyclePart::quiet && p->cycle <= kMaxCycleLevels ? p->cycle : 0;
  if (quiet != open_cycle_) close();
  open_cycle_ = quiet;
  if (quiet == 0) return;
  // Not drained yet: the target's own queue says it still holds work.
  if (sample.queue_depth > 0) return;
  if (window_.size() < kMaxQuietSamples) window_.push_back(sample);
}

void CycleCollector::finish() {
  close();
  open_cycle_ = 0;
}

void CycleCollector::close() {
  if (open_cycle_ == 0) return;
  auto& l = levels_;
  if (l.rss.size() < open_cycle_)
    for (auto* v : {&l.rss, &l.pss, &l.heap, &l.fds, &l.threads, &l.quiet_samples}) v->resize(open_cycle_, NAN);
  const std::size_t i = open_cycle_ - 1;
  const auto level = [&](double QuietSample::*field) {
    std::vector<double> v;
    v.reserve(window_.size());
    for (const auto& s : window_) v.push_back(s.*field);
    return median_of(std::move(v));
  };
  l.rss[i] = level(&QuietSample::rss);
  l.pss[i] = level(&QuietSample::pss);
  l.heap[i] = level(&QuietSample::heap);
  l.fds[i] = level(&QuietSample::fds);
  l.threads[i] = level(&QuietSample::threads);
  l.quiet_samples[i] = static_cast<double>(window_.size());
  window_.clear();
}

}  // namespace memgate::report
