// The stop-when-decided study (docs/plateau.md, "Stopping when decided"): every plateau
// family of the validation study, generated at the planned maximum length, is fed to a
// bounded series sample by sample as a run feeds it; at each planned look
// (analyze/sequential.h) the plateau check judges the series so far at the look's own
// level, and the run stops at the first look that decides it. A run no look decided is
// judged at its maximum length by the fixed-length check (99 %), as memgate judges a run
// that reached --max-duration. Prints markdown tables; ci/study puts them in the doc.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "analyze/sequential.h"
#include "memgate/stream_stats.h"
#include "study/families.h"

namespace {

using memgate::Outcome;
using namespace memgate::study;
namespace analyze = memgate::analyze;

struct Options {
  int seeds = 200;
  int first_seed = 0;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> max_hours = {2};
  std::string only;      // one family by name (e.g. the 24-hour soak of one leak)
  double warmup_s = -1;  // --warmup given to the check (< 0: automatic)
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) o.seeds = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--first-seed" && has_value) o.first_seed = std::max(0, std::atoi(argv[++i]));
    else if (arg == "--threads" && has_value) o.threads = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
    else if (arg == "--family" && has_value) o.only = argv[++i];
    else if (arg == "--warmup-min" && has_value) o.warmup_s = 60 * std::atof(argv[++i]);
    else if (arg == "--max-hours" && has_value) {
      o.max_hours.clear();
      for (char* p = std::strtok(argv[++i], ","); p; p = std::strtok(nullptr, ",")) o.max_hours.push_back(std::atof(p));
    } else {
      std::fprintf(stderr,
                   "usage: memgate_sequential_study [--seeds N] [--first-seed N] [--threads N] [--max-hours 2,24] "
                   "[--family NAME] [--warmup-min M]\n");
      std::exit(3);
    }
  }
  return o;
}

struct Run {
  Outcome outcome = Outcome::inconclusive;
  double decided_at_s = NAN;  // NaN: no decision, not even at the maximum
  bool at_a_look = false;     // decided before the maximum
};

// One run of the sequential procedure, exactly as run/decision_watch.cc judges rss-plateau.
Run sequential_run(const Series& series, double max_s, double warmup_s) {
  analyze::SequentialSettings plan_settings;
  plan_settings.max_s = max_s;
  const auto plan = analyze::plan_looks(plan_settings);
  analyze::BoundedSeries bounded(8192);
  std::size_t next = 0;
  analyze::PlateauSettings defaults;
  if (warmup_s >= 0) defaults.warmup = {analyze::Warmup::Kind::seconds, warmup_s};
  for (std::size_t i = 0; i < series.t_s.size(); ++i) {
    const double t = series.t_s[i];
    bounded.add(t, series.values[i]);
    if (next >= plan.size() || t < plan[next].at_s) continue;
    const analyze::Look look = plan[next++];
    if (look.alpha <= 0) continue;
    const analyze::PlateauSettings settings = analyze::at_look(defaults, look);
    const Outcome o = analyze::analyze_plateau(bounded.times(), bounded.means(), settings).outcome;
    if (o != Outcome::inconclusive) return {o, t, true};
  }
  const Outcome o = analyze::analyze_plateau(bounded.times(), bounded.means(), defaults).outcome;
  return {o, o == Outcome::inconclusive ? NAN : max_s, false};
}

struct Tally {
  int runs = 0, fail = 0, pass = 0, at_look = 0;
  std::vector<double> decided_min;  // minutes to a decision, decided runs only
};

double pct(int count, int runs) { return runs ? 100.0 * count / runs : 0; }

std::string median_text(std::vector<double> v, int runs) {
  // Over every run, an undecided one counting as later than any decision.
  std::sort(v.begin(), v.end());
  const auto at = [&](std::size_t i) { return i < v.size() ? v[i] : INFINITY; };
  const auto n = static_cast<std::size_t>(runs);
  if (n == 0) return "-";
  const double m = n % 2 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  if (std::isinf(m)) return "undecided";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", m);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::vector<const Family*> judged;
  for (const auto& f : families())
    if (!f.burst && (options.only.empty() || f.name == options.only)) judged.push_back(&f);
  if (judged.empty()) {
    std::fprintf(stderr, "memgate_sequential_study: no plateau family named '%s'\n", options.only.c_str());
    return 3;
  }
  struct Job {
    std::size_t family, length;
    int seed;
  };
  std::vector<Job> jobs;
  for (std::size_t f = 0; f < judged.size(); ++f)
    for (std::size_t l = 0; l < options.max_hours.size(); ++l)
      for (int s = options.first_seed; s < options.first_seed + options.seeds; ++s) jobs.push_back({f, l, s});
  std::vector<Run> runs(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t j; (j = next++) < jobs.size();) {
      const double max_s = options.max_hours[jobs[j].length] * 3600;
      runs[j] = sequential_run(generate(*judged[jobs[j].family], static_cast<std::uint64_t>(jobs[j].seed), max_s),
                               max_s, options.warmup_s);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < options.threads; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  std::vector<Tally> tallies(judged.size() * options.max_hours.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    Tally& t = tallies[jobs[j].family * options.max_hours.size() + jobs[j].length];
    const Run& r = runs[j];
    ++t.runs;
    t.fail += r.outcome == Outcome::fail;
    t.pass += r.outcome == Outcome::pass;
    t.at_look += r.at_a_look;
    if (!std::isnan(r.decided_at_s)) t.decided_min.push_back(r.decided_at_s / 60);
  }

  const analyze::SequentialSettings plan;
  const analyze::DecelerationSettings deceleration;
  std::string maxima;
  for (std::size_t l = 0; l < options.max_hours.size(); ++l) {
    char text[16];
    std::snprintf(text, sizeof text, "%s%g h", l ? " / " : "", options.max_hours[l]);
    maxima += text;
  }
  char warmup_text_buf[64] = "";
  if (options.warmup_s >= 0)
    std::snprintf(warmup_text_buf, sizeof warmup_text_buf, ", warm-up given as %g min", options.warmup_s / 60);
  const std::string warmup_text = warmup_text_buf;
  std::printf(
      "%d seeds (from %d) per family; maximum run length %s; looks from %g s, each %g times later than the one "
      "before (an ordinary verdict needs %g s of steady window, shorter ones FAIL only a blatant leak); Lan-DeMets "
      "O'Brien-Fleming spending of one-sided %g per side over the looks; rss-plateau with its "
      "default settings at each look's level, a FAIL on a decelerating climb (the later half's slope below %g of the "
      "earlier half's, or below it at one-sided %g) deferred to a later look, and at 99 %% at the maximum when no "
      "look decided. Cells list the rate "
      "for each maximum%s.\n\n",
      options.seeds, options.first_seed, maxima.c_str(), plan.first_look_s, plan.look_ratio, plan.min_steady_s,
      plan.alpha, deceleration.min_late_ratio, deceleration.level, warmup_text.c_str());
  std::printf(
      "| family | leaking | FAIL %% | PASS %% | undecided %% | decided at a look %% | median minutes to a decision |\n"
      "|---|---|---|---|---|---|---|\n");
  double worst_false_fail = 0, worst_detection = 100;
  std::string worst_family = "-", worst_leak = "-";
  for (std::size_t f = 0; f < judged.size(); ++f) {
    std::string fail, pass, open, look, median;
    for (std::size_t l = 0; l < options.max_hours.size(); ++l) {
      const Tally& t = tallies[f * options.max_hours.size() + l];
      const char* sep = l ? " / " : "";
      char cell[64];
      std::snprintf(cell, sizeof cell, "%s%.1f", sep, pct(t.fail, t.runs));
      fail += cell;
      std::snprintf(cell, sizeof cell, "%s%.1f", sep, pct(t.pass, t.runs));
      pass += cell;
      std::snprintf(cell, sizeof cell, "%s%.1f", sep, pct(t.runs - t.fail - t.pass, t.runs));
      open += cell;
      std::snprintf(cell, sizeof cell, "%s%.1f", sep, pct(t.at_look, t.runs));
      look += cell;
      median += sep + median_text(t.decided_min, t.runs);
      char where[96];
      std::snprintf(where, sizeof where, "%s, %g h", judged[f]->name.c_str(), options.max_hours[l]);
      if (!judged[f]->leaking && pct(t.fail, t.runs) >= worst_false_fail)
        worst_false_fail = pct(t.fail, t.runs), worst_family = where;
      if (judged[f]->leaking && judged[f]->leak_pct_per_h >= 5 && pct(t.fail, t.runs) <= worst_detection)
        worst_detection = pct(t.fail, t.runs), worst_leak = where;
    }
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", judged[f]->name.c_str(), judged[f]->leaking ? "yes" : "no",
                fail.c_str(), pass.c_str(), open.c_str(), look.c_str(), median.c_str());
  }
  std::printf("\nTargets:\n\n");
  std::printf("- false FAIL of the whole procedure <= 1 %% on every non-leaking family: worst %.1f %% (%s): **%s**\n",
              worst_false_fail, worst_family.c_str(), worst_false_fail <= 1 ? "met" : "NOT met");
  std::printf("- detection >= 95 %% for leaks >= 5 %%/h: worst %.1f %% (%s): **%s**\n", worst_detection,
              worst_leak.c_str(), worst_detection >= 95 ? "met" : "NOT met");
  return 0;
}
