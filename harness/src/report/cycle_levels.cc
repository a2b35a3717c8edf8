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

// Fewer idle samples than this at a quiet phase's end: the bound was reached.
constexpr std::size_t kMinIdleSamples = 3;

void CycleCollector::watch_cpu(std::size_t settling_cycle, const QuietSample& sample) {
  if (settling_cycle != idle_cycle_) {
    idle_.reset();
    idle_reached_ = false;
    idle_cycle_ = settling_cycle;
  }
  if (settling_cycle != 0 && idle_.add(sample.t, sample.cpu_s)) idle_reached_ = true;
}

void CycleCollector::add(std::string_view phase, const QuietSample& sample) {
  const auto p = parse_cycle_phase(phase);
  const std::size_t cycle = p && p->cycle <= kMaxCycleLevels ? p->cycle : 0;
  const std::size_t quiet = cycle != 0 && p->part == CyclePart::quiet ? cycle : 0;
  if (signal_ == DrainSignal::cpu) watch_cpu(cycle != 0 && p->part != CyclePart::load ? cycle : 0, sample);
  if (quiet != open_cycle_) {
    close();
    quiet_start_ = sample.t;
  }
  open_cycle_ = quiet;
  if (quiet == 0) return;
  // Not drained yet: the target's own queue says it still holds work.
  if (signal_ != DrainSignal::time && sample.queue_depth > 0) return;
  if (signal_ == DrainSignal::cpu) {
    if (whole_.size() < kMaxQuietSamples) whole_.push_back(sample);
    if (!idle_reached_) return;  // still computing
  }
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
    for (auto* v : {&l.rss, &l.pss, &l.heap, &l.fds, &l.threads, &l.quiet_samples, &l.wait_s, &l.drained})
      v->resize(open_cycle_, NAN);
  const std::size_t i = open_cycle_ - 1;
  // The CPU never stopped long enough: the bound, the whole quiet phase, flagged.
  const bool bound = signal_ == DrainSignal::cpu && window_.size() < kMinIdleSamples;
  const std::vector<QuietSample>& measured = bound ? whole_ : window_;
  const auto level = [&](double QuietSample::*field) {
    std::vector<double> v;
    v.reserve(measured.size());
    for (const auto& s : measured) v.push_back(s.*field);
    return median_of(std::move(v));
  };
  if (!measured.empty()) {
    l.wait_s[i] = measured.front().t - quiet_start_;
    l.drained[i] = bound ? 0 : 1;
  }
  l.rss[i] = level(&QuietSample::rss);
  l.pss[i] = level(&QuietSample::pss);
  l.heap[i] = level(&QuietSample::heap);
  l.fds[i] = level(&QuietSample::fds);
  l.threads[i] = level(&QuietSample::threads);
  l.quiet_samples[i] = static_cast<double>(measured.size());
  window_.clear();
  whole_.clear();
}

}  // namespace memgate::report
