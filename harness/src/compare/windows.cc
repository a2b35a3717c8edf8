#include "compare/windows.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace memgate::compare {

namespace {

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

// Phase tags a plain command run carries: not a schedule.
bool is_schedule(const RunTimeline& run) {
  std::set<std::string> names;
  for (const auto& p : run.phases)
    if (!p.name.empty() && p.name != "run") names.insert(p.name);
  return names.size() > 1 || names.count(run.burst_phase) > 0;
}

std::vector<std::string> phase_names(const RunTimeline& run) {
  std::vector<std::string> out;
  for (const auto& p : run.phases) out.push_back(p.name);
  return out;
}

// Phase i ends where the next begins (samples are discrete; the next tag starts it).
double phase_end(const RunTimeline& run, std::size_t i) {
  return i + 1 < run.phases.size() ? run.phases[i + 1].start_s : run.end_s;
}

}  // namespace

const Window* find_window(const WindowPlan& plan, const std::string& name) {
  for (const auto& w : plan.windows)
    if (w.name == name) return &w;
  return nullptr;
}

std::string span_text(const Window& w) {
  char text[64];
  std::snprintf(text, sizeof text, "[%.1f s, %.1f s]", w.start_s, w.end_s);
  return text;
}

WindowPlan plan_windows(const std::vector<RunTimeline>& runs, const WindowSettings& settings) {
  WindowPlan plan;
  if (runs.empty()) return plan;
  double end = INFINITY;
  std::string shortest;
  for (const auto& r : runs)
    if (r.end_s > 0 && r.end_s < end) {
      end = r.end_s;
      shortest = r.label;
    }
  if (!std::isfinite(end)) return plan;

  // The longest automatic warm-up any run needed, capped so that a window remains.
  double warmup = 0;
  std::string warmup_run;
  for (const auto& r : runs)
    if (r.warmup_s && *r.warmup_s > warmup) {
      warmup = *r.warmup_s;
      warmup_run = r.label;
    }
  const double cap = settings.max_warmup_fraction * end;
  const bool capped = warmup > cap;
  warmup = std::min(warmup, cap);
  const std::string end_text = " to the end of the shortest run (" + shortest + ", " + seconds(end) + ")";

  const RunTimeline* reference = nullptr;
  for (const auto& r : runs)
    if (is_schedule(r)) {
      reference = &r;
      break;
    }
  if (!reference) {
    std::string basis = warmup_run.empty() ? "from the start (no run needed a warm-up)"
                                           : "after the longest warm-up any run needed (" + warmup_run + ": " +
                                                 seconds(warmup) + (capped ? ", capped at half the run" : "") + ")";
    plan.windows.push_back({window::kSteady, warmup, end, basis + end_text});
    return plan;
  }

  plan.phased = true;
  const auto names = phase_names(*reference);
  for (const auto& r : runs)
    if (&r != reference && is_schedule(r) && phase_names(r) != names)
      plan.notes.push_back(r.label + " went through other phases than " + reference->label + ": windows follow " +
                           reference->label);
  const auto& phases = reference->phases;
  double steady_from = warmup;
  std::string steady_basis =
      warmup_run.empty() ? "from the start"
                         : "after the longest warm-up any run needed (" + warmup_run + ": " + seconds(warmup) + ")";
  for (std::size_t i = 0; i < phases.size(); ++i)
    if (phases[i].name == "warmup") {
      steady_from = std::min(phase_end(*reference, i), end);
      steady_basis = "after the scenario's warmup phase";
      break;
    }
  plan.windows.push_back({window::kSteady, steady_from, end, steady_basis + end_text});

  for (const auto& r : runs)
    if (&r != reference && is_schedule(r) &&
        (r.burst_phase != reference->burst_phase || r.level_window_s != reference->level_window_s))
      plan.notes.push_back(r.label + " judged its burst with other settings (burst_phase, burst_level_window) than " +
                           reference->label + ": windows follow " + reference->label);
  const std::string& burst_name = reference->burst_phase;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (phases[i].name != burst_name) continue;
    const double b0 = phases[i].start_s, b1 = std::min(phase_end(*reference, i), end);
    if (b0 >= end) break;
    const double pre_from = std::max(steady_from, b0 - settings.pre_burst_s);
    if (pre_from < b0) {
      plan.windows.push_back({window::kPreBurst, pre_from, b0,
                              "the last " + seconds(b0 - pre_from) + " before the first burst (after the warm-up)"});
    } else if (b0 > phases.front().start_s) {
      // No nominal phase between the warm-up and the burst (CI forms): the level just
      // before the burst is still the reference the recovery is measured against.
      const double from = std::max(phases.front().start_s, b0 - settings.pre_burst_s);
      plan.windows.push_back({window::kPreBurst, from, b0,
                              "the last " + seconds(b0 - from) +
                                  " before the first burst (inside the warm-up: no nominal phase precedes the burst)"});
    } else {
      plan.notes.push_back("no pre-burst window: the first burst starts with the run");
    }
    plan.windows.push_back({window::kBurst, b0, b1, "the first '" + burst_name + "' phase (its largest sample)"});
    // As the rss-burst-recovery check: the recovery runs to the next burst phase or the
    // end, and its level is the median over its last burst_level_window.
    double r1 = end;
    std::string until = "the end of the shortest run";
    for (std::size_t k = i + 1; k < phases.size(); ++k)
      if (phases[k].name == burst_name && phases[k].start_s < r1) {
        r1 = phases[k].start_s;
        until = "the next '" + burst_name + "' phase";
        break;
      }
    if (b1 < r1) {
      const double level = reference->level_window_s;
      const double from = std::max(b1, r1 - level);
      std::string basis = "the last " + seconds(r1 - from) + " before " + until + " (burst_level_window " +
                          seconds(level) + ", as the rss-burst-recovery check)";
      if (r1 - b1 < level) {
        basis += "; the recovery is shorter than burst_level_window";
        plan.notes.push_back("the recovery after the first burst lasts " + seconds(r1 - b1) +
                             ", less than burst_level_window (" + seconds(level) +
                             "): recovery-end is the whole recovery, and the check cannot judge it");
      }
      plan.windows.push_back({window::kRecoveryEnd, from, r1, basis});
    }
    break;
  }
  return plan;
}

void WindowAccumulator::add(double t, double rss, double cpu_s, double work) {
  if (!(t >= window_.start_s && t <= window_.end_s)) return;
  if (std::isfinite(rss)) {
    if (samples_ == 0) {
      t_first_ = t;
      rss_max_ = rss_min_ = rss;
    }
    ++samples_;
    t_last_ = t;
    rss_.add(rss);
    rss_max_ = std::max(rss_max_, rss);
    rss_min_ = std::min(rss_min_, rss);
  }
  if (std::isfinite(cpu_s)) {
    if (std::isnan(cpu_first_)) cpu_first_ = cpu_s;
    cpu_last_ = cpu_s;
  }
  if (std::isfinite(work)) {
    if (std::isnan(work_first_)) work_first_ = work;
    work_last_ = work;
  }
}

WindowFigures WindowAccumulator::result() const {
  WindowFigures f;
  f.samples = samples_;
  if (samples_ == 0) return f;
  // The sketch's bucket value may lie up to 0.1 % beyond the samples: never above the peak.
  f.rss_median = std::clamp(rss_.quantile(0.5).value_or(0), rss_min_, rss_max_);
  f.rss_max = rss_max_;
  f.seconds = t_last_ - t_first_;
  f.cpu_s = cpu_last_ - cpu_first_;
  f.work = work_last_ - work_first_;
  return f;
}

}  // namespace memgate::compare
