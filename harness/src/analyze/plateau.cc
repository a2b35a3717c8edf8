#include "analyze/plateau.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "analyze/descriptors.h"
#include "analyze/plateau_text.h"
#include "analyze/sawtooth.h"
#include "memgate/check_names.h"
#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

constexpr double kHour = 3600;

// First and last finite time, or nullopt when there is none.
std::optional<std::pair<double, double>> finite_time_range(std::span<const double> t, std::span<const double> v) {
  std::optional<double> first, last;
  for (std::size_t i = 0; i < t.size() && !first; ++i)
    if (std::isfinite(t[i]) && std::isfinite(v[i])) first = t[i];
  for (std::size_t i = t.size(); i-- > 0 && !last;)
    if (std::isfinite(t[i]) && std::isfinite(v[i])) last = t[i];
  if (!first) return std::nullopt;
  return std::pair{*first, *last};
}

double warmup_end(const Warmup& warmup, std::span<const double> t_s, std::span<const double> values, double t_first,
                  double run_s, const PlateauSettings& settings) {
  switch (warmup.kind) {
    case Warmup::Kind::seconds: return t_first + std::max(0.0, warmup.value);
    case Warmup::Kind::fraction: return t_first + std::clamp(warmup.value, 0.0, 1.0) * run_s;
    case Warmup::Kind::automatic: break;
  }
  const ReducedSeries whole = reduce_series(t_s, values, settings.analysis_points);
  const std::size_t cut = detect_warmup(whole.t_s, whole.values, settings.auto_warmup_max_fraction);
  if (cut == 0) return t_first;
  return 0.5 * (whole.t_s[cut - 1] + whole.t_s[cut]);  // between the last warm-up and first steady bucket
}

}  // namespace

PlateauSettings PlateauSettings::for_counts() {
  PlateauSettings s;
  s.tolerance_abs_per_h = 1;
  s.tolerance_pct_per_h = 0;
  s.sawtooth_aware = false;
  return s;
}

PlateauAnalysis analyze_plateau(std::span<const double> t_s, std::span<const double> values,
                                const PlateauSettings& settings) {
  if (t_s.size() != values.size())
    throw Error(ExitCode::internal, "plateau: " + std::to_string(t_s.size()) + " times for " +
                                        std::to_string(values.size()) + " values; pass one time per value");
  if (!(settings.confidence > 0 && settings.confidence < 1))
    throw Error(ExitCode::usage, "plateau: confidence must lie strictly between 0 and 1, e.g. 0.95");
  PlateauAnalysis a;
  const auto range = finite_time_range(t_s, values);
  if (!range) {
    a.dropped_points = t_s.size();
    a.reason = t_s.empty() ? "no samples were recorded" : "every sample is NaN or infinite";
    return a;
  }
  const auto [t_first, t_last] = *range;
  a.run_s = t_last - t_first;
  const double steady_from = warmup_end(settings.warmup, t_s, values, t_first, a.run_s, settings);
  a.warmup_s = std::min(steady_from, t_last) - t_first;

  std::size_t from = 0;
  while (from < t_s.size() && !(t_s[from] >= steady_from)) ++from;
  const ReducedSeries steady = reduce_series(t_s.subspan(from), values.subspan(from), settings.analysis_points);
  a.dropped_points = steady.dropped_points;
  for (std::size_t i = 0; i < from; ++i) a.dropped_points += !(std::isfinite(t_s[i]) && std::isfinite(values[i]));
  a.largest_gap_s = steady.largest_gap_s;
  a.points = steady.t_s.size();
  a.steady_s = a.points ? steady.t_s.back() - steady.t_s.front() : 0;
  if (a.points >= 2) {
    // Bucket means understate the window by half a bucket at each end; use the raw span.
    a.steady_s = t_last - std::max(steady_from, t_first);
  }
  const std::size_t min_points = std::max<std::size_t>(settings.min_points, 3);
  // Too short a window is judged only to FAIL a blatant leak (see blatant_growth_pct).
  const auto too_short = [&] {
    PlateauAnalysis b;
    b.dropped_points = a.dropped_points, b.largest_gap_s = a.largest_gap_s, b.points = a.points;
    b.warmup_s = a.warmup_s, b.steady_s = a.steady_s, b.run_s = a.run_s;
    b.reason = "the steady window has " + std::to_string(a.points) + " usable points over " +
               format_duration(a.steady_s) + " (needs " + std::to_string(min_points) + " points over " +
               format_duration(settings.min_steady_s) + ")";
    if (a.steady_s < settings.min_steady_s) b.run_length_needed_s = a.warmup_s + settings.min_steady_s;
    if (!steady.t_s.empty()) b.steady = median(steady.values);
    return b;
  };
  const bool short_window = a.steady_s < settings.min_steady_s;
  if (a.points < min_points || (short_window && !(a.steady_s >= settings.blatant_min_steady_s))) return too_short();

  // Times relative to the steady start keep the fitted intercept meaningful (= baseline).
  const double t0 = std::max(steady_from, t_first);
  std::vector<double> t(steady.t_s.size());
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = steady.t_s[i] - t0;
  std::span<const double> trend_t = t, v = steady.values;
  // Under a GC sawtooth the trend is that of the level after each collection: the climbs
  // are removed, and the partial tooth before the first drop is left out.
  Sawtooth saw = settings.sawtooth_aware ? detect_sawtooth(steady.t_s, steady.values) : Sawtooth{};
  date_drops(t_s.subspan(from), values.subspan(from), saw);
  for (double& d : saw.drop_t_s) d -= t0;
  a.sawtooth_note = saw.note;
  const ClimbsRemoved flat = remove_climbs(t, v, saw.drop_t_s);
  if (saw.usable() && !flat.note.empty()) a.sawtooth_note = flat.note;
  if (flat.t_s.size() >= min_points && t_last - (t0 + flat.t_s.front()) >= settings.min_steady_s) {
    trend_t = flat.t_s;
    v = flat.values;
    a.gc_drops = saw.drop_t_s.size();
    a.sawtooth_periodic = saw.periodic;
  } else if (!flat.t_s.empty()) {
    a.sawtooth_note =
        "the first of " + std::to_string(saw.drop_t_s.size()) + " drops leaves too short a window after it";
  }

  const TrendEstimate trend = estimate_trend(trend_t, v, settings.correction, settings.confidence, settings.student_t);
  const SenSlope& sen = trend.sen;
  a.variance_inflation = trend.variance_inflation;
  a.effective_n = trend.effective_n;
  a.p_value = trend.mk.p_increasing;
  if (a.effective_n < kMinEffectiveN) {
    char figures[96];
    std::snprintf(figures, sizeof figures, "%.1f effective independent points (%zu points / inflation %.1f)",
                  a.effective_n, trend_t.size(), a.variance_inflation);
    a.reason = std::string("the steady window's samples are so strongly correlated that they hold only ") + figures +
               ", and a trend needs at least " + std::to_string(static_cast<int>(kMinEffectiveN));
    if (a.gc_drops == 0 && !a.sawtooth_note.empty()) a.reason += " (GC-like drops not used: " + a.sawtooth_note + ")";
    a.steady = median(steady.values);
    // The correlation time is fixed, so effective points grow with the window's length.
    a.run_length_needed_s =
        a.warmup_s + a.steady_s * std::clamp(1.1 * kMinEffectiveN / std::max(a.effective_n, 1e-9), 1.1, 100.0);
    return a;
  }

  a.baseline = sen.intercept;
  a.steady = median(steady.values);
  a.end_level = sen.intercept + sen.slope * (t_last - t0);
  a.slope_per_h = sen.slope * kHour;
  a.slope_low_per_h = sen.low * kHour;
  a.slope_high_per_h = sen.high * kHour;
  a.tolerance_per_h = std::max(std::max(0.0, settings.tolerance_abs_per_h),
                               a.baseline > 0 ? settings.tolerance_pct_per_h / 100 * a.baseline : 0.0);
  a.projected_at_horizon = sen.intercept + sen.slope * (t_first + settings.horizon_s - t0);
  if (settings.limit && sen.slope > 0) a.time_to_limit_s = std::max(0.0, (*settings.limit - a.end_level) / sen.slope);

  // A saturating warm-up that the cut left in grows early and flattens: its later half is
  // significantly flatter than the tolerance. Only that vetoes a FAIL. Asking the later
  // half's own slope to clear the tolerance vetoed leaks too, since half a short run
  // estimates a slope with √8 times the spread.
  const std::size_t half = trend_t.size() / 2;
  const TrendEstimate late = estimate_trend(trend_t.subspan(half), v.subspan(half), settings.correction,
                                            settings.confidence, settings.student_t);
  a.late_slope_per_h = late.sen.slope * kHour;
  a.late_slope_high_per_h = late.sen.high * kHour;
  a.late_slope_low_per_h = late.sen.low * kHour;
  const bool late_growth = !settings.require_late_growth || a.late_slope_high_per_h > a.tolerance_per_h;
  const double alpha_one_sided = (1 - settings.confidence) / 2;
  const bool significant = a.slope_low_per_h > a.tolerance_per_h && a.p_value < alpha_one_sided;
  if (short_window) {
    // Few correlation times fit in a short window, so its interval alone is not trusted:
    // the growth the lower bound allows must dwarf the noise (a share of the level) and
    // the later half must keep climbing as fast (a warm-up still saturating does not).
    const double least_growth = a.slope_low_per_h / kHour * a.steady_s;
    a.blatant = significant && a.baseline > 0 && least_growth >= settings.blatant_growth_pct / 100 * a.baseline &&
                a.late_slope_low_per_h > a.tolerance_per_h && a.late_slope_per_h >= 0.5 * a.slope_per_h;
    if (!a.blatant) return too_short();
    a.outcome = Outcome::fail;
  } else if (significant && late_growth) {
    a.outcome = Outcome::fail;
  } else if (a.slope_high_per_h <= a.tolerance_per_h) {
    a.outcome = Outcome::pass;
  } else {
    a.outcome = Outcome::inconclusive;
    // The interval narrows like L^-3/2 with the steady length L (slope of a trend in
    // noise with a fixed correlation time): find L where it would clear the tolerance.
    const bool above = a.slope_per_h > a.tolerance_per_h;
    const double half_width = above ? a.slope_per_h - a.slope_low_per_h : a.slope_high_per_h - a.slope_per_h;
    const double margin = std::abs(a.tolerance_per_h - a.slope_per_h);
    const double growth = margin > 0 ? std::pow(half_width / margin, 2.0 / 3.0) : 100.0;
    a.run_length_needed_s = a.warmup_s + a.steady_s * std::clamp(growth, 1.1, 100.0);
  }
  if (a.outcome == Outcome::fail && settings.defer_decelerating) {
    const Deceleration d = test_deceleration(trend_t, v, *settings.defer_decelerating);
    a.early_slope_per_h = d.early_per_s * kHour;
    if (d.decelerating) {
      a.decelerating = true;
      a.blatant = false;
      a.outcome = Outcome::inconclusive;
    }
  }
  return a;
}

CheckResult plateau_check(std::string id, std::string what, std::span<const double> t_s, std::span<const double> values,
                          std::string unit, const PlateauSettings& settings) {
  const PlateauAnalysis a = analyze_plateau(t_s, values, settings);
  CheckResult r;
  r.id = std::move(id);
  r.outcome = a.outcome;
  r.summary = plateau_summary(what, unit, a, settings);
  r.figures = plateau_figures(unit, a, settings);
  return r;
}

CheckResult count_plateau_check(std::string id, std::string what, std::span<const double> t_s,
                                std::span<const double> values, const PlateauSettings& settings,
                                double min_net_growth) {
  const PlateauAnalysis a = analyze_plateau(t_s, values, settings);
  // Net growth over the steady window on the raw counts: exact for step-wise series.
  std::vector<double> first, last;
  const double steady_from = a.run_s - a.steady_s;  // offset from the first sample
  const auto range = finite_time_range(t_s, values);
  double net = 0;
  if (range && a.points > 0) {
    const double from = range->first + steady_from, edge = std::max(a.steady_s * 0.1, 1e-9);
    for (std::size_t i = 0; i < t_s.size(); ++i) {
      if (!std::isfinite(t_s[i]) || !std::isfinite(values[i]) || t_s[i] < from) continue;
      if (t_s[i] <= from + edge) first.push_back(values[i]);
      if (t_s[i] >= range->second - edge) last.push_back(values[i]);
    }
    net = median(last) - median(first);
  }
  CheckResult r;
  r.id = std::move(id);
  r.outcome = a.outcome;
  r.summary = plateau_summary(what, "count", a, settings);
  if (a.outcome == Outcome::fail && net < min_net_growth) {
    r.outcome = Outcome::inconclusive;
    r.summary = what + " trends upward (" + format_amount(a.slope_per_h, "count") + "/h) but grew by only " +
                format_amount(net, "count") + " over the steady window (needs " +
                format_amount(min_net_growth, "count") + "): run longer to see whether it keeps growing.";
  }
  r.figures = plateau_figures("count", a, settings);
  r.figures.push_back({"net_growth", net, "count"});
  return r;
}

CheckResult fd_plateau_check(std::span<const double> t_s, std::span<const double> values,
                             const PlateauSettings& settings, std::span<const FdSnapshot> snapshots) {
  PlateauSettings s = settings;
  const auto range = finite_time_range(t_s, values);
  // Where the steady window starts decides which snapshots are compared: a first pass
  // without the limit finds it (cheap: a few hundred analysis points).
  const PlateauAnalysis first = analyze_plateau(t_s, values, settings);
  const double from = range ? range->first + (first.run_s - first.steady_s) : 0;
  const FdGrowthContext c = fd_growth_context(snapshots, from);
  if (!s.limit && c.tree_limit) {
    s.limit = c.tree_limit;
    s.limit_name = "limit (the busiest process's RLIMIT_NOFILE of " + format_amount(*c.nofile, "count") + ")";
  } else if (s.limit) {
    s.limit_name = "--max-fds limit";
  }
  s.fail_advice = c.growth.empty() ? "find which descriptors stay open (ls -l /proc/PID/fd)"
                                   : "since t=" + format_amount(std::round(c.from_t_s), "count") + " s: " + c.growth +
                                         "; close them where they are opened, or bound how many stay open";
  CheckResult r = count_plateau_check(check_id::kFdPlateau, "The open-descriptor count", t_s, values, s);
  if (c.nofile) r.figures.push_back({"nofile_limit", *c.nofile, "count"});
  return r;
}

Warmup parse_warmup(const std::string& text) {
  const std::string usage = "--warmup '" + text + "': use auto, a duration (90, 90s, 15m) or a share of the run (10%)";
  if (text == "auto") return {};
  if (!text.empty() && text.back() == '%') {
    double number = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, number);
    if (ec != std::errc{} || end != text.data() + text.size() - 1 || !(number >= 0 && number < 100))
      throw Error(ExitCode::usage, usage);
    return {Warmup::Kind::fraction, number / 100};
  }
  const std::optional<double> seconds = parse_duration(text);
  if (!seconds || !(*seconds >= 0)) throw Error(ExitCode::usage, usage);
  return {Warmup::Kind::seconds, *seconds};
}

void parse_tolerance(const std::string& text, PlateauSettings& settings) {
  const std::string usage = "--tolerance '" + text +
                            "': use a rate such as 2%/h, 1MiB/h, 50KiB/min, 3/h, or both "
                            "comma-separated (1MiB/h,2%/h); per s, min, h or d";
  std::optional<double> abs_per_h, pct_per_h;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const std::size_t slash = item.rfind('/');
    const std::optional<double> per_hour =
        slash == std::string::npos ? std::nullopt : parse_rate_per_hour(std::string_view(item).substr(slash + 1));
    if (!per_hour || slash == 0) throw Error(ExitCode::usage, usage);
    item.resize(slash);
    if (item.back() == '%') {
      double number = -1;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size() - 1, number);
      if (pct_per_h || ec != std::errc{} || end != item.data() + item.size() - 1 || !(number >= 0) ||
          !std::isfinite(number))
        throw Error(ExitCode::usage, usage);
      pct_per_h = number * *per_hour;
      if (!std::isfinite(*pct_per_h)) throw Error(ExitCode::usage, usage);
      continue;
    }
    const std::optional<std::uint64_t> amount = parse_bytes(item);  // also plain counts ("3")
    if (abs_per_h || !amount) throw Error(ExitCode::usage, usage);
    abs_per_h = static_cast<double>(*amount) * *per_hour;
  }
  settings.tolerance_abs_per_h = abs_per_h.value_or(0);
  settings.tolerance_pct_per_h = pct_per_h.value_or(0);
}

}  // namespace memgate::analyze
