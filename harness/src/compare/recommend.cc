#include "compare/recommend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compare/compare_text.h"

namespace memgate::compare {

namespace {

constexpr const char* kSteady = "steady_rss_bytes";
constexpr const char* kCost = "cpu_per_unit_s";
constexpr double kShortSteadyS = 60;  // below: "longer runs" is part of what a decision needs

std::string percent(double relative) {
  char text[32];
  // Rounded first: "-0 %" would read as a loss.
  const double rounded = std::round(relative * 100);
  std::snprintf(text, sizeof text, "%+.0f %%", rounded == 0 ? 0.0 : rounded);
  return text;
}

std::size_t pick_baseline(const std::vector<VariantSummary>& variants, const std::string& wanted) {
  for (std::size_t i = 0; i < variants.size(); ++i)
    if (!wanted.empty() && variants[i].variant.label == wanted) return i;
  for (std::size_t i = 0; i < variants.size(); ++i)
    if (variants[i].variant.allocator == "glibc" && variants[i].variant.alloc_env.empty()) return i;
  return 0;
}

// Why a variant cannot be compared at all, or empty.
std::string unusable(const VariantSummary& v) {
  const auto of = [&v](std::size_t n) { return std::to_string(n) + " of " + std::to_string(v.runs) + " runs"; };
  if (v.runs == 0) return "no run";
  if (v.target_failures > 0)
    return "the target failed in " + of(v.target_failures) +
           (v.problems.empty() ? "" : " (" + v.problems.front() + ")");
  if (v.unverified > 0) return "the allocator was not verified in " + of(v.unverified);
  if (!v.values.count(kSteady)) return "steady RSS was not measured";
  return "";
}

// "2 of 2 runs INCONCLUSIVE (rss-plateau, fd-plateau)"; empty when every run passed.
std::string flagged_runs(const VariantSummary& v) {
  std::string text;
  for (const char* outcome : {"fail", "inconclusive"}) {
    const auto it = v.verdicts.find(outcome);
    if (it == v.verdicts.end() || it->second == 0) continue;
    std::string ids;
    for (const auto& [id, counts] : v.checks)
      if (counts.count(outcome) && counts.at(outcome) > 0) ids += (ids.empty() ? "" : ", ") + id;
    std::string upper = outcome;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    text += (text.empty() ? "" : "; ") + std::to_string(it->second) + " of " + std::to_string(v.runs) + " runs " +
            upper + (ids.empty() ? "" : " (" + ids + ")");
  }
  return text;
}

std::string metric_text(const VariantSummary& c, const VariantSummary& b, const MetricInfo& m, const Significance& s) {
  const auto& key = std::string(m.key);
  // Throughput in the unit the work was counted in ("ops/s" for --work-metric ops).
  const auto value = [&](const VariantSummary& v) {
    if (key != "records_per_s" || v.work_unit.empty()) return format_value(v.metrics.at(key).median, m.unit);
    return format_value(v.metrics.at(key).median, "count") + " " + v.work_unit + "/s";
  };
  return std::string(m.label) + " " + value(c) + " vs " + value(b) + " (" + percent(s.relative) + ", " +
         std::string(to_string(s.difference)) + ": " + s.why + ")";
}

bool is(const std::optional<Significance>& s, Difference d) { return s && s->difference == d; }

}  // namespace

std::string describe_variant(const Variant& variant) {
  // A knob sweep's label is its allocator and knobs already.
  if (variant.label.rfind(variant.allocator + ":", 0) == 0) return variant.label;
  std::string text = variant.allocator;
  if (!variant.alloc_env.empty()) {
    text += " (";
    for (std::size_t i = 0; i < variant.alloc_env.size(); ++i) text += (i ? " " : "") + variant.alloc_env[i];
    text += ")";
  }
  if (variant.label != variant.allocator) text = variant.label + " = " + text;
  return text;
}

const VariantCall* find_call(const Recommendation& r, const std::string& label) {
  for (const auto& c : r.calls)
    if (c.label == label) return &c;
  return nullptr;
}

Recommendation recommend(const std::vector<VariantSummary>& variants, const RecommendSettings& settings,
                         const WindowPlan* plan) {
  Recommendation r;
  if (variants.empty()) {
    r.line = "nothing was compared";
    return r;
  }
  const std::size_t base = pick_baseline(variants, settings.baseline);
  const VariantSummary& b = variants[base];
  r.baseline = b.variant.label;

  // Runs that did not pass are compared, and said so.
  std::size_t flagged = 0, total = 0;
  for (const auto& v : variants) {
    total += v.runs;
    const std::string flags = flagged_runs(v);
    if (flags.empty()) continue;
    r.notes.push_back(v.variant.label + ": " + flags + " (their figures are compared; see each run's report.json)");
    for (const auto& [outcome, n] : v.verdicts)
      if (outcome != "pass") flagged += n;
  }
  for (const auto& v : variants)
    for (const auto& note : v.notes) r.notes.push_back(v.variant.label + ": " + note);

  const auto all_measured = [&](const char* key) {
    return std::all_of(variants.begin(), variants.end(),
                       [&](const VariantSummary& v) { return !unusable(v).empty() || v.values.count(key) > 0; });
  };
  const MetricInfo* speed = nullptr;
  if (all_measured("records_per_s")) speed = find_metric("records_per_s");
  else if (all_measured("wall_s")) speed = find_metric("wall_s");
  const MetricInfo* cost = all_measured(kCost) ? find_metric(kCost) : nullptr;
  if (speed) r.throughput_metric = std::string(speed->key);
  else
    r.notes.push_back(
        "throughput was not measured: the target was stopped by memgate and counted no work (give --work-metric "
        "FIELD for a counter it writes to the metrics channel, or let it run to completion)");
  if (speed && speed->key == "wall_s") {
    // Every run as long as every other: a target that runs for a fixed time, not a fixed
    // amount of work, whose wall time says nothing about speed.
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& v : variants)
      if (const auto it = v.metrics.find("wall_s"); it != v.metrics.end()) {
        lo = std::min(lo, it->second.min);
        hi = std::max(hi, it->second.max);
      }
    if (std::isfinite(lo) && hi - lo <= 0.01 * hi && variants.size() > 1)
      r.notes.push_back("every run lasted " + format_value(hi, "s") +
                        ": if the target runs for a fixed time, its wall time does not measure speed; count its "
                        "work with --work-metric FIELD (CPU per run is then CPU per unit of that work)");
  }

  SignificanceSettings rss_settings{settings.rss_min_effect, settings.confidence, settings.min_runs};
  SignificanceSettings cost_settings{settings.throughput_tolerance, settings.confidence, settings.min_runs};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    if (const auto why = unusable(v); !why.empty()) {
      r.notes.push_back(v.variant.label + " not considered: " + why);
      continue;
    }
    if (i == base || !unusable(b).empty()) continue;
    VariantCall call{v.variant.label,
                     significance(v.values.at(kSteady), b.values.at(kSteady), Better::lower, rss_settings),
                     std::nullopt, std::nullopt};
    const auto both = [&](const MetricInfo* m) {
      return m && v.values.count(std::string(m->key)) && b.values.count(std::string(m->key));
    };
    if (both(speed))
      call.speed = significance(v.values.at(std::string(speed->key)), b.values.at(std::string(speed->key)),
                                speed->better, cost_settings);
    if (both(cost)) call.cost = significance(v.values.at(kCost), b.values.at(kCost), Better::lower, cost_settings);
    r.calls.push_back(std::move(call));
  }
  const auto summary_of = [&](const std::string& label) -> const VariantSummary& {
    for (const auto& v : variants)
      if (v.variant.label == label) return v;
    return b;
  };
  const auto evidence = [&](const VariantCall& c) {
    const auto& v = summary_of(c.label);
    std::string text = "steady RSS " + format_value(v.metrics.at(kSteady).median, "bytes") + " vs " +
                       format_value(b.metrics.at(kSteady).median, "bytes") + " under " + b.variant.label + " (" +
                       percent(c.rss.relative) + ", " + std::string(to_string(c.rss.difference)) + ": " + c.rss.why +
                       ")";
    if (c.speed) text += "; " + metric_text(v, b, *speed, *c.speed);
    if (c.cost) text += "; " + metric_text(v, b, *cost, *c.cost);
    return text;
  };
  const std::string caution = flagged == 0 ? ""
                                           : " — caution: " + std::to_string(flagged) + " of " + std::to_string(total) +
                                                 " runs were not PASS (see the notes)";

  // The baseline itself cannot be judged: nothing to measure a difference against.
  if (!unusable(b).empty()) {
    r.line = "no recommendation: the baseline " + b.variant.label + " could not be judged (" + unusable(b) +
             "); choose another with --baseline" + caution;
    return r;
  }

  const auto loses = [&](const VariantCall& c) {
    return is(c.speed, Difference::worse) || is(c.cost, Difference::worse);
  };
  const VariantCall* winner = nullptr;
  for (const auto& c : r.calls)
    if (c.rss.difference == Difference::better && !loses(c) && (!winner || c.rss.relative < winner->rss.relative))
      winner = &c;
  std::string why_winner = "significantly lower steady RSS";
  if (!winner) {
    // Same memory, significantly less CPU per unit (or faster): also worth switching.
    const auto cost_gain = [&](const VariantCall& c) {
      return c.cost && c.cost->difference == Difference::better ? c.cost->relative
             : is(c.speed, Difference::better)                  ? -std::abs(c.speed->relative)
                                                                : 0.0;
    };
    for (const auto& c : r.calls)
      if (c.rss.difference == Difference::same && !loses(c) && cost_gain(c) < 0 &&
          (!winner || cost_gain(c) < cost_gain(*winner)))
        winner = &c;
    why_winner = "the same steady RSS for significantly less CPU or time";
  }
  for (const auto& c : r.calls)
    if (c.rss.difference == Difference::better && loses(c))
      r.notes.push_back(c.label + " lowers steady RSS (" + percent(c.rss.relative) +
                        ") but costs throughput or CPU: " + evidence(c));
  // The other trade-off: cheaper or faster, but not (shown to be) leaner.
  for (const auto& c : r.calls)
    if ((is(c.cost, Difference::better) || is(c.speed, Difference::better)) && c.rss.difference != Difference::same &&
        c.rss.difference != Difference::better)
      r.notes.push_back(c.label + " needs less CPU or time but not less memory (steady RSS " +
                        std::string(to_string(c.rss.difference)) + "): " + evidence(c));

  if (winner) {
    r.choice = winner->label;
    r.changes_baseline = true;
    r.line = "use " + describe_variant(summary_of(winner->label).variant) + " (" + why_winner +
             "): " + evidence(*winner) + caution;
    return r;
  }
  r.choice = b.variant.label;
  if (r.calls.empty()) {
    r.line = "keep " + describe_variant(b.variant) + ": no other variant ran cleanly to compare with" + caution;
    return r;
  }
  // What a decision would need.
  const bool few_runs = std::any_of(r.calls.begin(), r.calls.end(), [&](const VariantCall& c) {
    return c.rss.estimate.n < settings.min_runs || c.rss.estimate.m < settings.min_runs;
  });
  const bool undecided = std::any_of(r.calls.begin(), r.calls.end(), [](const VariantCall& c) {
    return c.rss.difference == Difference::unknown || is(c.cost, Difference::unknown) ||
           is(c.speed, Difference::unknown);
  });
  const Window* steady = plan ? find_window(*plan, window::kSteady) : nullptr;
  const bool short_window = steady && steady->end_s - steady->start_s < kShortSteadyS;
  std::string need;
  if (few_runs)
    need = "--repeat " + std::to_string(settings.min_runs) + " or more (a difference needs " +
           std::to_string(settings.min_runs) + " runs per variant)";
  else if (undecided) need = "more repeats (--repeat) to narrow the intervals";
  if (short_window && undecided)
    need += std::string(need.empty() ? "" : " and ") + "longer runs (the steady window is " +
            format_value(steady->end_s - steady->start_s, "s") + ")";

  const VariantCall* closest = &r.calls.front();
  for (const auto& c : r.calls)
    if (c.rss.relative < closest->rss.relative) closest = &c;
  const std::string contender = closest->label + " " + percent(closest->rss.relative) + ", " +
                                std::string(to_string(closest->rss.difference)) + ": " + closest->rss.why;
  const bool all_worse_or_same = std::all_of(r.calls.begin(), r.calls.end(), [](const VariantCall& c) {
    return c.rss.difference == Difference::worse || c.rss.difference == Difference::same;
  });
  const std::string base_steady = format_value(b.metrics.at(kSteady).median, "bytes");
  const bool trade_off = std::any_of(r.calls.begin(), r.calls.end(),
                                     [&](const VariantCall& c) { return c.rss.difference == Difference::better; });
  if (trade_off)
    r.line = "keep " + describe_variant(b.variant) + " (steady RSS " + base_steady +
             "): the variants with significantly lower steady RSS cost throughput or CPU (see the notes)";
  else if (!undecided && all_worse_or_same)
    r.line = "keep " + describe_variant(b.variant) + ": no variant is significantly better (steady RSS " + base_steady +
             "; closest: " + contender + ")";
  else
    r.line = "keep " + describe_variant(b.variant) + ": no difference is established yet (steady RSS " + base_steady +
             "; closest: " + contender + ")" + (need.empty() ? "" : "; to decide: " + need);
  r.line += caution;
  return r;
}

}  // namespace memgate::compare
