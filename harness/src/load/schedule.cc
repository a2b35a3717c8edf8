#include "load/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "memgate/error.h"

namespace memgate::load {
namespace {

constexpr std::size_t kMaxBurstWindows = 1'000'000;

[[noreturn]] void bad(const std::string& message) { throw Error(ExitCode::usage, message); }

std::string stage_name(std::size_t i) { return "stages[" + std::to_string(i) + "]"; }

void require_rate(double rate, const std::string& where) {
  if (!std::isfinite(rate) || rate < 0 || rate > kMaxRate)
    bad(where + ": expected a rate between 0 and 1e9 records/s, got " + std::to_string(rate));
}

struct Window {
  double t0, t1, multiplier;
  bool burst;  // false: recovery
};

std::vector<Window> burst_windows(const std::vector<Burst>& bursts, double end) {
  std::vector<Window> windows;
  for (std::size_t i = 0; i < bursts.size(); ++i) {
    const Burst& b = bursts[i];
    const std::string where = "bursts[" + std::to_string(i) + "]";
    if (!(b.duration_s > 0)) bad(where + ".duration_s: expected a duration > 0 s");
    if (!(b.multiplier >= 0) || !std::isfinite(b.multiplier)) bad(where + ".multiplier: expected a number >= 0");
    if (b.recovery_s < 0) bad(where + ".recovery_s: expected a duration >= 0 s");
    std::vector<double> starts = b.at_s;
    if (b.every_s > 0) {
      if (b.every_s < b.duration_s + b.recovery_s)
        bad(where + ".every_s: bursts would overlap; expected every_s >= duration_s + recovery_s");
      for (double t = b.start_s; t < end; t += b.every_s) {
        starts.push_back(t);
        if (starts.size() > kMaxBurstWindows) bad(where + ".every_s: more than 1,000,000 bursts; use a longer period");
      }
    } else if (b.at_s.empty()) {
      bad(where + ": expected \"at_s\" (start times) or \"every_s\" (a period)");
    }
    for (double s : starts) {
      if (s < 0 || !std::isfinite(s)) bad(where + ": expected start times >= 0 s");
      if (s >= end) continue;
      windows.push_back({s, std::min(s + b.duration_s, end), b.multiplier, true});
      if (b.recovery_s > 0 && s + b.duration_s < end)
        windows.push_back({s + b.duration_s, std::min(s + b.duration_s + b.recovery_s, end), 1, false});
    }
  }
  std::sort(windows.begin(), windows.end(), [](const Window& x, const Window& y) { return x.t0 < y.t0; });
  // Bursts may not overlap each other; a recovery window is cut short by the next burst.
  std::vector<Window> merged;
  for (const Window& w : windows) {
    if (!merged.empty() && w.t0 < merged.back().t1) {
      if (merged.back().burst && w.burst)
        bad("bursts: two bursts overlap at t=" + std::to_string(w.t0) + " s; expected disjoint bursts");
      if (!merged.back().burst) {
        merged.back().t1 = w.t0;
        if (merged.back().t1 <= merged.back().t0) merged.pop_back();
      } else {
        Window cut = w;
        cut.t0 = merged.back().t1;
        if (cut.t1 > cut.t0) merged.push_back(cut);
        continue;
      }
    }
    merged.push_back(w);
  }
  return merged;
}

}  // namespace

Schedule::Schedule(std::vector<Stage> stages, std::vector<Burst> bursts) : stages_(std::move(stages)) {
  if (stages_.empty()) bad("stages: expected at least one stage");
  // 1. Stages into pieces of one closed-form shape.
  std::vector<Segment> pieces;
  double t = 0;
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const Stage& st = stages_[i];
    const std::string where = stage_name(i);
    if (!(st.duration_s > 0) || !std::isfinite(st.duration_s)) bad(where + ".duration_s: expected a duration > 0 s");
    if (t + st.duration_s > kMaxScheduleS)
      bad(where +
          ".duration_s: the stages would last more than 1000 days (86400000 s), the longest schedule memgate runs");
    Segment s;
    s.t0 = t;
    s.t1 = t + st.duration_s;
    s.stage = i;
    s.stage_t0 = t;
    switch (st.kind) {
      case Stage::Kind::constant:
        require_rate(st.rate, where + ".rate");
        s.a = st.rate;
        pieces.push_back(s);
        break;
      case Stage::Kind::ramp:
        require_rate(st.from, where + ".from");
        require_rate(st.to, where + ".to");
        s.shape = Shape::linear;
        s.a = st.from;
        s.b = (st.to - st.from) / st.duration_s;
        pieces.push_back(s);
        break;
      case Stage::Kind::steps: {
        require_rate(st.from, where + ".from");
        require_rate(st.to, where + ".to");
        if (st.steps < 1) bad(where + ".steps: expected at least 1 step");
        for (int j = 0; j < st.steps; ++j) {
          Segment piece = s;
          piece.t0 = t + st.duration_s * j / st.steps;
          piece.t1 = j + 1 == st.steps ? s.t1 : t + st.duration_s * (j + 1) / st.steps;
          piece.a = st.steps == 1 ? st.from : st.from + (st.to - st.from) * j / (st.steps - 1);
          pieces.push_back(piece);
        }
        break;
      }
      case Stage::Kind::cosine:
        require_rate(st.mean, where + ".mean");
        if (!(st.amplitude >= 0) || st.amplitude > st.mean)
          bad(where + ".amplitude: expected 0 <= amplitude <= mean so the rate never goes negative");
        if (!(st.period_s > 0)) bad(where + ".period_s: expected a period > 0 s");
        s.shape = Shape::cosine;
        s.a = st.mean;
        s.b = st.amplitude;
        s.omega = 2 * std::numbers::pi / st.period_s;
        s.peak = st.peak_s;
        pieces.push_back(s);
        break;
    }
    t = s.t1;
  }
  duration_s_ = t;

  // 2. Cut the pieces at burst and recovery boundaries.
  const std::vector<Window> windows = burst_windows(bursts, duration_s_);
  std::size_t w = 0;
  for (const Segment& piece : pieces) {
    double cursor = piece.t0;
    while (w < windows.size() && windows[w].t1 <= piece.t0) ++w;
    std::size_t v = w;
    while (cursor < piece.t1) {
      Segment s = piece;
      s.t0 = cursor;
      if (v < windows.size() && windows[v].t0 <= cursor) {
        s.t1 = std::min(piece.t1, windows[v].t1);
        s.tag = windows[v].burst ? Tag::burst : Tag::recovery;
        s.multiplier = windows[v].multiplier;
        if (windows[v].t1 <= piece.t1) ++v;
      } else {
        s.t1 = v < windows.size() ? std::min(piece.t1, windows[v].t0) : piece.t1;
      }
      // A ramp's a is its rate at its own t0.
      if (s.shape == Shape::linear) s.a = piece.a + piece.b * (s.t0 - piece.t0);
      if (s.t1 > s.t0) segments_.push_back(s);
      cursor = s.t1;
    }
  }
  double c = 0;
  for (Segment& s : segments_) {
    s.c0 = c;
    c += segment_integral(s, s.t1);
    s.c1 = c;
  }
}

double Schedule::segment_rate(const Segment& s, double t) const {
  switch (s.shape) {
    case Shape::constant: return s.multiplier * s.a;
    case Shape::linear: return s.multiplier * (s.a + s.b * (t - s.t0));
    case Shape::cosine: return s.multiplier * (s.a + s.b * std::cos(s.omega * (t - s.peak)));
  }
  return 0;
}

double Schedule::segment_integral(const Segment& s, double t) const {
  const double tau = t - s.t0;
  switch (s.shape) {
    case Shape::constant: return s.multiplier * s.a * tau;
    case Shape::linear: return s.multiplier * (s.a * tau + 0.5 * s.b * tau * tau);
    case Shape::cosine:
      return s.multiplier *
             (s.a * tau + s.b / s.omega * (std::sin(s.omega * (t - s.peak)) - std::sin(s.omega * (s.t0 - s.peak))));
  }
  return 0;
}

double Schedule::invert(const Segment& s, double k) const {
  const double d = k - s.c0;
  if (d <= 0) return s.t0;
  const double m = s.multiplier;
  switch (s.shape) {
    case Shape::constant: return s.t0 + d / (m * s.a);
    case Shape::linear: {
      // Root of a tau + b tau^2 / 2 = d / m in the cancellation-free form.
      const double D = d / m;
      const double disc = std::max(0.0, s.a * s.a + 2 * s.b * D);
      return std::min(s.t1, s.t0 + 2 * D / (s.a + std::sqrt(disc)));
    }
    case Shape::cosine: {
      // Newton on a monotone function, kept inside a shrinking bracket.
      double lo = s.t0, hi = s.t1;
      double t = std::clamp(s.t0 + d / (m * s.a), lo, hi);
      for (int i = 0; i < 100; ++i) {
        const double f = segment_integral(s, t) - d;
        if (f > 0) hi = t;
        else lo = t;
        const double r = segment_rate(s, t);
        double next = r > 0 ? t - f / r : 0.5 * (lo + hi);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (std::abs(next - t) < 1e-12 * std::max(1.0, t) || hi - lo < 1e-12) return next;
        t = next;
      }
      return t;
    }
  }
  return s.t0;
}

std::size_t Schedule::segment_index(double t) const {
  auto it =
      std::upper_bound(segments_.begin(), segments_.end(), t, [](double x, const Segment& s) { return x < s.t0; });
  return it == segments_.begin() ? 0 : static_cast<std::size_t>(it - segments_.begin()) - 1;
}

double Schedule::rate_at(double t_s) const {
  if (t_s < 0 || t_s >= duration_s_) return 0;
  return segment_rate(segments_[segment_index(t_s)], t_s);
}

double Schedule::cumulative(double t_s) const {
  if (t_s <= 0) return 0;
  if (t_s >= duration_s_) return segments_.back().c1;
  const Segment& s = segments_[segment_index(t_s)];
  return s.c0 + segment_integral(s, t_s);
}

std::uint64_t Schedule::total_records() const {
  // The tolerance keeps 59999.99999999 (a ramp's rounding) from losing a record.
  return static_cast<std::uint64_t>(std::floor(segments_.back().c1 + 1e-6));
}

double Schedule::time_of_count(double k) const {
  auto it =
      std::lower_bound(segments_.begin(), segments_.end(), k, [](const Segment& s, double x) { return s.c1 < x; });
  if (it == segments_.end()) {
    if (k <= segments_.back().c1 + 1e-6) return duration_s_;
    return std::numeric_limits<double>::infinity();
  }
  return invert(*it, k);
}

double Schedule::Cursor::time_of_count(double k) {
  const auto& segments = schedule_->segments_;
  while (segment_ < segments.size() && segments[segment_].c1 < k) ++segment_;
  if (segment_ == segments.size()) return schedule_->time_of_count(k);
  return schedule_->invert(segments[segment_], k);
}

std::string Schedule::stage_phase(const Segment& s, int hour) const {
  if (s.tag == Tag::burst) return "burst";
  if (s.tag == Tag::recovery) return "recovery";
  const Stage& stage = stages_[s.stage];
  return stage.hourly ? stage.phase + " hour " + std::to_string(hour) : stage.phase;
}

std::string Schedule::phase_at(double t_s) const {
  if (t_s >= duration_s_) return "end";
  const Segment& s = segments_[segment_index(std::max(0.0, t_s))];
  return stage_phase(s, static_cast<int>(std::floor((std::max(0.0, t_s) - s.stage_t0) / 3600)) + 1);
}

std::vector<PhaseStart> Schedule::phases_begun(double from_s, double to_s) const {
  std::vector<double> boundaries;
  const auto add = [&](double t) {
    if (t > from_s && t <= to_s) boundaries.push_back(t);
  };
  for (const Segment& s : segments_) {
    add(s.t0);
    if (!stages_[s.stage].hourly || s.tag != Tag::stage) continue;
    const double first_hour = s.stage_t0 + 3600 * (std::floor((std::max(from_s, s.t0) - s.stage_t0) / 3600) + 1);
    for (double hour = first_hour; hour < s.t1 && hour <= to_s; hour += 3600) add(hour);
  }
  add(duration_s_);
  std::sort(boundaries.begin(), boundaries.end());
  std::vector<PhaseStart> begun;
  std::string previous = from_s < 0 ? std::string() : phase_at(from_s);  // before 0: the first phase begins
  for (double t : boundaries) {
    std::string phase = phase_at(t);
    if (phase == previous) continue;
    previous = phase;
    begun.push_back({std::move(phase), t});
  }
  return begun;
}

PhaseSpan Schedule::record_phase(std::size_t segment, double t_s) const {
  const Segment& s = segments_[std::min(segment, segments_.size() - 1)];
  if (!stages_[s.stage].hourly || s.tag != Tag::stage) return {stage_phase(s, 0), s.t1};
  // A record accrues over the time before it is due: one due exactly on the hour
  // belongs to the hour that ends there.
  const int hour = std::max(1, static_cast<int>(std::ceil((t_s - s.stage_t0) / 3600)));
  return {stage_phase(s, hour), std::min(s.t1, s.stage_t0 + 3600.0 * hour)};
}

PhaseSpan Schedule::Cursor::phase(double t_s) const { return schedule_->record_phase(segment_, t_s); }

double Schedule::peak_rate() const {
  double peak = 0;
  for (const Segment& s : segments_) {
    switch (s.shape) {
      case Shape::constant: peak = std::max(peak, s.multiplier * s.a); break;
      case Shape::linear: peak = std::max({peak, segment_rate(s, s.t0), segment_rate(s, s.t1)}); break;
      case Shape::cosine:
        peak = std::max(peak, s.multiplier * (s.a + s.b));
        break;  // bound, may be above the segment's true max
    }
  }
  return peak;
}

}  // namespace memgate::load
