// The per-cycle leak study: every cycle family x cycle count x seed through the per-cycle
// check and the naive gates, printed as the markdown tables of docs/plateau.md
// ("Per-cycle leak check"). Regenerate with: ci/study
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "analyze/cycle_leak.h"
#include "study/cycle_families.h"

namespace {

using memgate::Outcome;
using namespace memgate::study;
namespace analyze = memgate::analyze;

constexpr int kRetries = 3;  // the "retry" gate re-runs a failed check this many times in all

struct Options {
  int seeds = 200, first_seed = 0;
  std::vector<int> cycles = {8, 12, 20};
  double cycle_s = 4.5;  // one cycle's wall time for the "how long" table (the ci forms': 2 + 1 + 1.5 s)
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) o.seeds = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--cycle-s" && has_value) o.cycle_s = std::max(0.001, std::atof(argv[++i]));
    else if (arg == "--first-seed" && has_value) o.first_seed = std::max(0, std::atoi(argv[++i]));
    else if (arg == "--cycles" && has_value) {
      o.cycles.clear();
      for (char* p = std::strtok(argv[++i], ","); p; p = std::strtok(nullptr, ",")) o.cycles.push_back(std::atoi(p));
    } else {
      std::fprintf(stderr,
                   "usage: memgate_cycle_study [--seeds N] [--first-seed N] [--cycles 8,12,20] [--cycle-s 4.5]\n");
      std::exit(3);
    }
  }
  return o;
}

// The naive gate: net growth from the first to the last cycle above what the tolerance
// allows over the cycles between them.
bool last_minus_first_fails(const std::vector<double>& levels, const analyze::CycleSettings& s) {
  const double allowed = std::max(s.tolerance_abs_per_cycle, s.tolerance_pct_per_cycle / 100 * levels.front());
  return levels.back() - levels.front() > allowed * static_cast<double>(levels.size() - 1);
}

struct Tally {
  int runs = 0, fail = 0, inconclusive = 0, pass = 0, naive = 0, retry = 0;
};

struct Confusion {
  double tp = 0, fp = 0, fn = 0;
  double f1() const { return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0; }
};

double pct(int count, int runs) { return runs ? 100.0 * count / runs : 0; }

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto& all = cycle_families();
  const analyze::CycleSettings defaults;
  std::vector<std::vector<Tally>> t(all.size(), std::vector<Tally>(o.cycles.size()));
  for (std::size_t f = 0; f < all.size(); ++f)
    for (std::size_t c = 0; c < o.cycles.size(); ++c)
      for (int seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
        Tally& x = t[f][c];
        const auto s = static_cast<std::uint64_t>(seed);
        const std::vector<double> levels = generate_cycles(all[f], s, o.cycles[c]);
        const Outcome out = analyze::analyze_cycles(levels, {}, defaults).outcome;
        ++x.runs;
        x.fail += out == Outcome::fail, x.pass += out == Outcome::pass, x.inconclusive += out == Outcome::inconclusive;
        const bool naive = last_minus_first_fails(levels, defaults);
        x.naive += naive;
        // Retry: a failure counts only when every re-run (fresh data, same family) fails too.
        bool every = naive;
        for (int r = 1; r < kRetries && every; ++r)
          every = last_minus_first_fails(
              generate_cycles(all[f], s + 1000000ull * static_cast<unsigned>(r), o.cycles[c]), defaults);
        x.retry += every;
      }

  std::string counts;
  for (std::size_t c = 0; c < o.cycles.size(); ++c) counts += (c ? " / " : "") + std::to_string(o.cycles[c]);
  std::printf(
      "%d seeds (from %d) per family and cycle count; %s cycles; default settings (tolerance max(4 KiB, %g %% of "
      "the baseline) per cycle, warm-up detected and at least 1 cycle, %g %% confidence). Cells list the rate for "
      "%s cycles.\n\n",
      o.seeds, o.first_seed, counts.c_str(), defaults.tolerance_pct_per_cycle, 100 * defaults.confidence,
      counts.c_str());
  const auto cell = [&](std::size_t f, auto rate) {
    std::string text;
    char buf[16];
    for (std::size_t c = 0; c < o.cycles.size(); ++c) {
      std::snprintf(buf, sizeof buf, "%s%.1f", c ? " / " : "", rate(t[f][c]));
      text += buf;
    }
    return text;
  };
  std::printf(
      "| family | leaking | memgate FAIL %% | INCONCLUSIVE %% | PASS %% | last - first > tolerance, FAIL %% | "
      "the same, retried %d times, FAIL %% |\n|---|---|---|---|---|---|---|\n",
      kRetries);
  for (std::size_t f = 0; f < all.size(); ++f)
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", all[f].name.c_str(), all[f].leaking ? "yes" : "no",
                cell(f, [](const Tally& x) { return pct(x.fail, x.runs); }).c_str(),
                cell(f, [](const Tally& x) { return pct(x.inconclusive, x.runs); }).c_str(),
                cell(f, [](const Tally& x) { return pct(x.pass, x.runs); }).c_str(),
                cell(f, [](const Tally& x) { return pct(x.naive, x.runs); }).c_str(),
                cell(f, [](const Tally& x) { return pct(x.retry, x.runs); }).c_str());

  // F1 with leaks above the tolerance positive (tolerated leaks left out), FAIL = positive.
  std::printf("\nF1 (FAIL as the positive prediction; leaks above the %g %%/cycle tolerance positive):\n\n",
              defaults.tolerance_pct_per_cycle);
  std::printf("| gate | %s cycles |\n|---|---|\n", counts.c_str());
  const auto f1_row = [&](const char* label, auto fails_of) {
    std::string text;
    char buf[16];
    for (std::size_t c = 0; c < o.cycles.size(); ++c) {
      Confusion m;
      for (std::size_t f = 0; f < all.size(); ++f) {
        if (all[f].leaking && all[f].leak_pct_per_cycle <= defaults.tolerance_pct_per_cycle) continue;
        const double fails = fails_of(t[f][c]);
        if (all[f].leaking) m.tp += fails, m.fn += t[f][c].runs - fails;
        else m.fp += fails;
      }
      std::snprintf(buf, sizeof buf, "%s%.3f", c ? " / " : "", m.f1());
      text += buf;
    }
    std::printf("| %s | %s |\n", label, text.c_str());
  };
  f1_row("memgate", [](const Tally& x) { return x.fail; });
  f1_row("last - first > tolerance", [](const Tally& x) { return x.naive; });
  f1_row("the same, retried", [](const Tally& x) { return x.retry; });

  // How long a run must be: the fewest cycles of the list after which >= 95 % of the runs
  // get the right verdict (PASS without a leak, FAIL with one above the tolerance).
  std::printf(
      "\nCycles for a verdict (the fewest of %s cycles with >= 95 %% of runs right: PASS without a leak, "
      "FAIL with one above the tolerance; minutes at %g s per cycle):\n\n| family | right verdict | cycles | "
      "minutes |\n|---|---|---|---|\n",
      counts.c_str(), o.cycle_s);
  for (std::size_t f = 0; f < all.size(); ++f) {
    if (all[f].leaking && all[f].leak_pct_per_cycle <= defaults.tolerance_pct_per_cycle) continue;
    std::string cycles = "> " + std::to_string(o.cycles.back()), minutes = "-";
    for (std::size_t c = 0; c < o.cycles.size(); ++c) {
      const Tally& x = t[f][c];
      if (pct(all[f].leaking ? x.fail : x.pass, x.runs) >= 95) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", o.cycles[c] * o.cycle_s / 60);
        cycles = std::to_string(o.cycles[c]), minutes = buf;
        break;
      }
    }
    std::printf("| %s | %s | %s | %s |\n", all[f].name.c_str(), all[f].leaking ? "FAIL" : "PASS", cycles.c_str(),
                minutes.c_str());
  }

  double worst_false = 0, worst_detect = 100;
  std::string where_false, where_detect;
  for (std::size_t f = 0; f < all.size(); ++f)
    for (std::size_t c = 0; c < o.cycles.size(); ++c) {
      const std::string where = all[f].name + " at " + std::to_string(o.cycles[c]) + " cycles";
      const double rate = pct(t[f][c].fail, t[f][c].runs);
      if (!all[f].leaking && rate >= worst_false) worst_false = rate, where_false = where;
      if (all[f].leaking && all[f].leak_pct_per_cycle >= 0.5 && all[f].name.find("hidden") == std::string::npos &&
          o.cycles[c] >= 12 && rate <= worst_detect)
        worst_detect = rate, where_detect = where;
    }
  std::printf("\nTargets:\n\n- false FAIL <= 1 %% on every non-leaking family: worst %.1f %% (%s): **%s**\n",
              worst_false, where_false.c_str(), worst_false <= 1 ? "met" : "NOT met");
  std::printf("- detection >= 95 %% for leaks >= 0.5 %% per cycle within 12 cycles: worst %.1f %% (%s): **%s**\n",
              worst_detect, where_detect.c_str(), worst_detect >= 95 ? "met" : "NOT met");
  return 0;
}
