#include "compare/recommend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "compare/compare_text.h"

namespace memgate::compare {

namespace {

constexpr const char* kSteady = "steady_rss_bytes";

std::string percent(double relative) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.0f %%", relative * 100);
  return text;
}

std::size_t pick_baseline(const std::vector<VariantSummary>& variants, const std::string& wanted) {
  for (std::size_t i = 0; i < variants.size(); ++i)
    if (!wanted.empty() && variants[i].variant.label == wanted) return i;
  for (std::size_t i = 0; i < variants.size(); ++i)
    if (variants[i].variant.allocator == "glibc" && variants[i].variant.alloc_env.empty()) return i;
  return 0;
}

// Why a variant cannot be recommended, or empty.
std::string unusable(const VariantSummary& v) {
  const auto of = [&v](std::size_t n) { return std::to_string(n) + " of " + std::to_string(v.runs) + " runs"; };
  if (v.runs == 0) return "no run";
  if (v.target_failures > 0)
    return "the target failed in " + of(v.target_failures) +
           (v.problems.empty() ? "" : " (" + v.problems.front() + ")");
  if (v.unverified > 0) return "the allocator was not verified in " + of(v.unverified);
  if (!v.metrics.count(kSteady)) return "steady RSS was not measured";
  return "";
}

std::string runs_text(const VariantSummary& a, const VariantSummary& b) {
  if (a.runs == b.runs) return std::to_string(a.runs) + (a.runs == 1 ? " run each" : " runs each");
  return std::to_string(a.runs) + " vs " + std::to_string(b.runs) + " runs";
}

struct Judged {
  std::size_t index;
  Contrast rss;
  std::optional<Contrast> throughput;
  bool loses_throughput = false;
};

}  // namespace

std::string describe_variant(const Variant& variant) {
  std::string text = variant.allocator;
  if (!variant.alloc_env.empty()) {
    text += " (";
    for (std::size_t i = 0; i < variant.alloc_env.size(); ++i) text += (i ? " " : "") + variant.alloc_env[i];
    text += ")";
  }
  if (variant.label != variant.allocator) text = variant.label + " = " + text;
  return text;
}

Recommendation recommend(const std::vector<VariantSummary>& variants, const RecommendSettings& settings) {
  Recommendation r;
  if (variants.empty()) {
    r.line = "nothing was compared";
    return r;
  }
  const std::size_t base = pick_baseline(variants, settings.baseline);
  const VariantSummary& b = variants[base];
  r.baseline = b.variant.label;

  const auto all_measured = [&](const char* key) {
    return std::all_of(variants.begin(), variants.end(),
                       [&](const VariantSummary& v) { return !unusable(v).empty() || v.metrics.count(key) > 0; });
  };
  const MetricInfo* tp = nullptr;
  if (all_measured("records_per_s")) tp = find_metric("records_per_s");
  else if (all_measured("wall_s")) tp = find_metric("wall_s");
  if (tp) r.throughput_metric = std::string(tp->key);
  else r.notes.push_back("throughput was not measured (no traffic schedule, and the target did not exit on its own)");

  std::vector<Judged> judged;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    if (const auto why = unusable(v); !why.empty()) {
      r.notes.push_back(v.variant.label + " not considered: " + why);
      continue;
    }
    if (i == base) continue;
    Judged j{i,
             contrast(v.metrics.at(kSteady), b.metrics.count(kSteady) ? b.metrics.at(kSteady) : Spread{}, Better::lower,
                      settings.rss_min_effect),
             std::nullopt, false};
    if (tp && v.metrics.count(std::string(tp->key)) && b.metrics.count(std::string(tp->key))) {
      j.throughput = contrast(v.metrics.at(std::string(tp->key)), b.metrics.at(std::string(tp->key)), tp->better,
                              settings.throughput_tolerance);
      const double loss = tp->better == Better::higher ? -j.throughput->relative : j.throughput->relative;
      // Unknown counts as a loss when the medians say so: "without losing throughput" must be shown, not assumed.
      j.loses_throughput = j.throughput->difference == Difference::worse ||
                           (j.throughput->difference == Difference::unknown && loss > settings.throughput_tolerance);
    }
    judged.push_back(j);
  }

  const auto steady = [&](std::size_t i) { return variants[i].metrics.at(kSteady); };
  const auto throughput_text = [&](const Judged& j) -> std::string {
    if (!tp || !j.throughput) return "throughput not measured";
    const auto& key = std::string(tp->key);
    return std::string(tp->label) + " " + format_value(variants[j.index].metrics.at(key).median, tp->unit) + " vs " +
           format_value(b.metrics.at(key).median, tp->unit) + " (" + percent(j.throughput->relative) + ", " +
           std::string(to_string(j.throughput->difference)) + ": " + j.throughput->why + ")";
  };

  for (const auto& j : judged)
    if (j.rss.difference == Difference::better && j.loses_throughput)
      r.notes.push_back(variants[j.index].variant.label + " lowers steady RSS by " +
                        percent(-j.rss.relative).substr(1) + " but costs throughput: " + throughput_text(j));

  // The baseline itself cannot be judged: recommend the cleanest lowest one, saying so.
  if (!unusable(b).empty() || !b.metrics.count(kSteady)) {
    const Judged* best = nullptr;
    for (const auto& j : judged)
      if (!best || steady(j.index).median < steady(best->index).median) best = &j;
    if (!best) {
      r.line = "no variant ran cleanly: nothing to recommend (see the notes)";
      return r;
    }
    r.choice = variants[best->index].variant.label;
    r.changes_baseline = true;
    r.line = "use " + describe_variant(variants[best->index].variant) + ": lowest steady RSS (" +
             format_value(steady(best->index).median, "bytes") + ") of the variants that ran cleanly; the baseline " +
             b.variant.label + " could not be judged (" + unusable(b) + ")";
    return r;
  }

  const Judged* winner = nullptr;
  for (const auto& j : judged)
    if (j.rss.difference == Difference::better && !j.loses_throughput &&
        (!winner || steady(j.index).median < steady(winner->index).median))
      winner = &j;

  const std::string base_steady = format_value(steady(base).median, "bytes");
  if (winner) {
    const auto& w = variants[winner->index];
    r.choice = w.variant.label;
    r.changes_baseline = true;
    r.line = "use " + describe_variant(w.variant) + ": steady RSS " +
             format_value(steady(winner->index).median, "bytes") + " vs " + base_steady + " under " + b.variant.label +
             " (" + percent(winner->rss.relative) + ", " + winner->rss.why + ", " + runs_text(w, b) + "); " +
             throughput_text(*winner);
    return r;
  }

  r.choice = b.variant.label;
  if (judged.empty()) {
    r.line = "keep " + describe_variant(b.variant) + ": no other variant ran cleanly to compare with";
    return r;
  }
  // Name the closest contender so the reader sees how near it came.
  const Judged* closest = &judged.front();
  for (const auto& j : judged)
    if (steady(j.index).median < steady(closest->index).median) closest = &j;
  const auto& c = variants[closest->index];
  const std::string contender = c.variant.label + " " + format_value(steady(closest->index).median, "bytes") + ", " +
                                percent(closest->rss.relative) + ", " + closest->rss.why;
  // Nobody lower at all (some maybe within noise, above): the baseline is the answer.
  const bool all_worse =
      std::all_of(judged.begin(), judged.end(), [](const Judged& j) { return j.rss.difference == Difference::worse; });
  if (all_worse || closest->rss.relative >= 0) {
    r.line = "keep " + describe_variant(b.variant) + ": it has the lowest steady RSS (" + base_steady +
             "; next: " + contender + ")";
  } else if (closest->rss.difference == Difference::better) {
    r.line = "keep " + describe_variant(b.variant) + " (steady RSS " + base_steady +
             "): the variants with lower steady RSS lose throughput (" + contender + "; see the notes)";
  } else {
    r.line = "keep " + describe_variant(b.variant) + ": no variant lowers steady RSS beyond noise (" + base_steady +
             "; closest: " + contender + ")";
    if (closest->rss.difference == Difference::unknown)
      r.notes.push_back("differences larger than " + percent(settings.rss_min_effect).substr(1) +
                        " were seen but the runs overlap: rerun with a larger --repeat or a longer --duration");
  }
  return r;
}

}  // namespace memgate::compare
