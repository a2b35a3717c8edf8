#include "report/run_analysis.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>

#include "memgate/check_json.h"
#include "memgate/check_names.h"
#include "record/sample_log.h"
#include "report/baseline_runs.h"
#include "report/checks/baseline.h"
#include "report/checks/budgets.h"
#include "report/checks/cycle_leak.h"
#include "report/checks/plateau.h"
#include "report/peak_comparison.h"
#include "report/run_events.h"
#include "sys/dir_lock.h"
#include "sys/proc_files.h"

namespace memgate::report {

namespace {

// The OOM killer acted at memgate's memory limit (the cgroup sampler's figures).
bool oom_killed_at_limit(const record::RunMeta& meta) {
  const auto it = meta.samplers.find("cgroup");
  if (it == meta.samplers.end() || !it->is_object()) return false;
  const auto kills = it->find("oom_kills");
  return kills != it->end() && kills->is_number() && kills->get<double>() > 0;
}

}  // namespace

std::string target_problem(const record::RunMeta& meta) {
  if (meta.end_reason == "start-failed") return "the target could not start";
  if (!meta.target_end) return "";         // memgate itself was killed: the target's end is unknown, not a failure
  if (meta.stopped_by_memgate) return "";  // we asked it to stop; how it obeyed is not a failure
  const auto& end = *meta.target_end;
  if (oom_killed_at_limit(meta) && ((end.signaled && end.signal == SIGKILL) || (!end.signaled && end.exit_code != 0)))
    return "";  // the cgroup-oom check fails with the cause: the limit, not a crash
  if (end.signaled) return "the target crashed: " + end.description;
  if (end.exit_code != 0) return "the target failed: " + end.description;
  return "";
}

void SecondHalfMedian::add(double t_s, double value) {
  if (std::isfinite(t_s) && std::isfinite(value) && t_s >= from_s_) sketch_.add(value);
}

std::optional<SecondHalf> SecondHalfMedian::result() const {
  const std::size_t n = sketch_.count();
  if (n == 0) return std::nullopt;
  // The value of rank r (1-based): the quantile just below r / n, clear of rounding.
  const auto rank = [&](std::size_t r) {
    return *sketch_.quantile((static_cast<double>(r) - 0.5) / static_cast<double>(n));
  };
  const double median = n % 2 == 1 ? rank(n / 2 + 1) : (rank(n / 2) + rank(n / 2 + 1)) / 2;
  return SecondHalf{from_s_, n, median};
}

namespace {

constexpr std::size_t kMaxPhases = 10000;

// The eBPF peaks beside the largest VmHWM polled for the same processes (one more
// streaming pass, over processes.csv, keeping at most the eBPF section's rows).
nlohmann::json peaks_of(const std::string& dir, const record::RunMeta& meta, const RunSummary& summary) {
  if (!meta.samplers.contains("ebpf")) return nullptr;
  const nlohmann::json& ebpf = meta.samplers["ebpf"];
  check_ebpf_section(ebpf);
  const std::set<ProcessKey> wanted = ebpf_processes(ebpf);
  std::map<ProcessKey, std::uint64_t> hwm;
  const std::string path = dir + "/" + record::kProcessesFile;
  if (!wanted.empty() && std::filesystem::exists(path))
    record::read_samples(path, [&](const record::SampleRow& row) {
      const double v = row.get("hwm_bytes"), pid = row.get("pid");
      // A row no memgate wrote (a negative or absurd figure) cannot name a process.
      if (!(v >= 0 && v < 1.8e19) || !(pid >= 1 && pid <= 4194304)) return;
      ProcessKey key{static_cast<pid_t>(pid), std::string(row.text("comm"))};
      if (!wanted.count(key)) return;
      auto& slot = hwm[key];
      slot = std::max(slot, static_cast<std::uint64_t>(v));
    });
  return compare_peaks(ebpf, hwm, summary);
}

// A run whose meta.json still says "running" is either being written by a live memgate
// (it holds the directory's lock; before the lock existed: its pid is a memgate) or was
// abandoned by one that died.
bool run_still_going(const std::string& dir, const record::RunMeta& meta) {
  if (meta.status != "running") return false;
  if (std::filesystem::exists(dir + "/" + sys::kLockFile)) return sys::dir_lock_held(dir);
  return sys::process_named(meta.memgate_pid, "memgate");
}

// The processed count at time t (the bucket nearest t), when the target reports one.
std::optional<double> processed_at(const analyze::BoundedSeries& s, double t) {
  std::optional<double> v;
  for (const auto& b : s.buckets()) {
    if (b.t_first > t) break;
    v = b.last;
  }
  return v;
}

// The Python heap snapshots over the steady window: from the end of the RSS series'
// warm-up (as the rss-plateau check finds it) to the last snapshot.
analyze::GrowthTable python_growth(const std::string& dir, const RunSeries& series, const CheckSettings& settings) {
  const PyHeapRecord record = read_py_heap(dir);
  analyze::GrowthTable none;
  none.source = "tracemalloc";
  if (record.totals.size() < 2) return none;
  const auto times = series.rss.times();
  double from = record.totals.front().t_s;
  if (!times.empty())
    from = times.front() +
           analyze::analyze_plateau(times, series.rss.means(), checks::memory_plateau_settings(settings)).warmup_s;
  // The hook's first snapshots may come before the target's first work report (the hook
  // starts before the program's own code): per unit of work needs a window both cover.
  if (!series.processed.buckets().empty()) from = std::max(from, series.processed.buckets().front().t_first);
  analyze::GrowthTable table = analyze::growth_table("tracemalloc", record.sites, record.totals, from);
  const auto p0 = processed_at(series.processed, table.from_t_s), p1 = processed_at(series.processed, table.to_t_s);
  if (p0 && p1 && *p1 > *p0) table = analyze::growth_table("tracemalloc", record.sites, record.totals, from, *p1 - *p0);
  return table;
}

}  // namespace

RunAnalysis analyze_run_dir(const std::string& dir, const CheckSettings& settings, const record::RunMeta* meta) {
  RunAnalysis a;
  a.meta = meta ? *meta : record::read_run_meta(dir + "/" + record::kMetaFile);
  a.series.still_running = run_still_going(dir, a.meta);

  analyze::StreamStats rss, pss, hwm, swap, fds, threads, processes;
  analyze::StreamStats live_heap, held;  // allocated bytes, and RSS beyond them (heap-retention)
  double last_t = 0;
  a.series.budget_crossings = analyze::BudgetCrossings(checks::budget_limits(settings));
  auto& phases = a.series.phases;
  CycleCollector cycles(checks::cycle_drain_signal(settings));
  a.series.torn_lines = record::read_samples(dir + "/" + record::kSamplesFile, [&](const record::SampleRow& row) {
    const double t = row.get("t_s");
    if (std::isnan(t)) return;
    last_t = t;
    ++a.summary.samples;
    const std::string_view phase = row.text("phase");
    if (phases.empty() || phases.back().name != phase) {
      if (phases.size() >= kMaxPhases) phases.erase(phases.begin());  // bounded memory
      phases.push_back({std::string(phase), t, t});
    }
    phases.back().end_s = t;
    const auto add = [&](const char* column, analyze::StreamStats& stats, analyze::BoundedSeries* series) {
      const double v = row.get(column);
      if (std::isnan(v)) return;
      stats.add(t, v);
      if (series) series->add(t, v);
    };
    // A sample of an empty tree (target gone, children reaped) is not a memory figure.
    if (row.get("processes") == 0) return;
    a.series.budget_crossings.add({t, row.get("rss_bytes"), row.get("hwm_max_bytes"), row.get("ebpf_rss_peak_bytes"),
                                   row.get("pss_bytes"), row.get("fds"), row.get("threads")});
    add("rss_bytes", rss, &a.series.rss);
    add("pss_bytes", pss, &a.series.pss);
    add("hwm_max_bytes", hwm, nullptr);
    add("swap_bytes", swap, nullptr);
    add("fds", fds, &a.series.fds);
    add("threads", threads, &a.series.threads);
    for (auto [column, heap] : {std::pair{"alloc_allocated_bytes", &a.series.heap_allocated},
                                std::pair{"alloc_mapped_bytes", &a.series.heap_mapped}})
      if (const double v = row.get(column); !std::isnan(v)) heap->add(t, v);
    if (const double live = row.get("alloc_allocated_bytes"); !std::isnan(live)) {
      // The probe's own pairing of RSS and heap (NaN when a snapshot was stale); run
      // directories recorded before it existed pair the tree's RSS with the heap.
      const double r = row.get("rss_bytes");
      const double h = row.has("alloc_held_bytes") ? row.get("alloc_held_bytes") : std::max(0.0, r - live);
      if (!std::isnan(h)) {
        live_heap.add(t, live);
        held.add(t, h);
      }
    }
    if (const double v = row.get("cgroup_usage_bytes"); !std::isnan(v)) a.series.cgroup_usage.add(t, v);
    if (const double v = row.get("metric_processed"); !std::isnan(v)) a.series.processed.add(t, v);
    const double allocated = row.get("alloc_allocated_bytes");
    cycles.add(phase, {row.get("rss_bytes"), row.get("pss_bytes"),
                       std::isnan(allocated) ? row.get("alloc_mapped_bytes") : allocated, row.get("fds"),
                       row.get("threads"), row.get("metric_queue_depth"), t, row.get("cpu_s")});
    add("processes", processes, nullptr);
    a.summary.minor_faults = row.get("minor_faults");
    a.summary.major_faults = row.get("major_faults");
    a.summary.cpu_s = row.get("cpu_s");
  });
  cycles.finish();
  a.series.cycles = cycles.levels();
  a.summary.duration_s = last_t;
  a.summary.rss = summarize(rss);
  a.summary.pss = summarize(pss);
  a.summary.hwm_max = summarize(hwm);
  a.summary.swap = summarize(swap);
  a.summary.fds = summarize(fds);
  a.summary.threads = summarize(threads);
  a.summary.processes = summarize(processes);

  a.peaks = peaks_of(dir, a.meta, a.summary);
  // The other streamed files of a run memgate did not finish may end mid-line too (the
  // readers skip it); run-complete counts them.
  a.series.torn_process_lines = record::torn_last_line(dir + "/" + record::kProcessesFile);
  a.series.torn_event_lines = record::torn_last_line(dir + "/" + record::kEventsFile);
  if (a.summary.samples > 0) {
    // Every row with an RSS value counts, as compare's fallback always did.
    SecondHalfMedian half(last_t);
    record::read_samples(dir + "/" + record::kSamplesFile,
                         [&](const record::SampleRow& row) { half.add(row.get("t_s"), row.get("rss_bytes")); });
    a.rss_second_half = half.result();
  }

  a.series.fd_snapshots = read_fd_snapshots(dir, kMaxFdSnapshots);
  a.series.python_growth = python_growth(dir, a.series, settings);
  a.series.held = summarize(held);
  a.series.live_heap = summarize(live_heap);

  std::optional<BaselineRuns> baseline;
  if (!settings.get(checks::kBaseline).empty()) baseline = load_baseline(settings.get(checks::kBaseline));
  a.checks = evaluate_checks({a.meta, a.summary, a.series, baseline ? &*baseline : nullptr}, settings);
  attribute_growth(dir, a);
  a.verdict = combine(a.checks);
  a.target_problem = target_problem(a.meta);
  if (!a.target_problem.empty()) {
    // A target that crashed or failed is never a pass, whatever memory did.
    a.verdict.outcome = Outcome::fail;
    a.verdict.reason = a.target_problem + "; " + a.verdict.reason;
    a.exit_code = ExitCode::target_failed;
  } else {
    a.exit_code = exit_code_for(a.verdict.outcome);
  }
  return a;
}

void keep_verdict_only(RunAnalysis& a) {
  RunSeries kept;
  kept.still_running = a.series.still_running;
  kept.torn_lines = a.series.torn_lines;
  kept.torn_process_lines = a.series.torn_process_lines;
  kept.torn_event_lines = a.series.torn_event_lines;
  kept.held = a.series.held;
  kept.live_heap = a.series.live_heap;
  a.series = std::move(kept);
  a.attribution.reset();
}

namespace {

std::optional<double> figure_of(const CheckResult& c, const std::string& name) {
  for (const auto& f : c.figures)
    if (f.name == name) return f.value;
  return std::nullopt;
}

}  // namespace

void attribute_growth(const std::string& dir, RunAnalysis& a) {
  // The window: the rss-plateau check's steady window (after its warm-up), else the run.
  AttributionWindow window{0, a.summary.duration_s, std::nullopt, std::nullopt};
  for (const auto& c : a.checks) {
    if (c.id != check_id::kRssPlateau) continue;
    const auto warmup = figure_of(c, "warmup_s"), steady = figure_of(c, "steady_s");
    if (warmup && steady && *steady > 0) window = {*warmup, *warmup + *steady, std::nullopt, std::nullopt};
    window.rss_slope_per_h = figure_of(c, figure::kSlopePerH);
  }
  for (const auto& c : a.checks)
    if (c.id == check_id::kRssLeakPerCycle || c.id == check_id::kHeapLeakPerCycle)
      if (const auto warmup = figure_of(c, "warmup_cycles")) window.warmup_cycles = static_cast<std::size_t>(*warmup);
  a.attribution = load_attribution(dir, window);
  if (!a.attribution) return;
  // A failed per-cycle leak check of memory names the site that keeps memory per cycle.
  if (a.attribution->per_cycle) {
    static const std::string kCycleAdvice = ": find what one cycle leaves behind (heap profile across a cycle).";
    const std::string kept = analyze::cycle_growth_sentence(*a.attribution->per_cycle);
    for (auto& c : a.checks)
      if (!kept.empty() &&
          (c.id == check_id::kRssLeakPerCycle || c.id == check_id::kPssLeakPerCycle ||
           c.id == check_id::kHeapLeakPerCycle) &&
          c.outcome == Outcome::fail && c.summary.ends_with(kCycleAdvice))
        c.summary = c.summary.substr(0, c.summary.size() - kCycleAdvice.size()) + "; " + kept + ".";
  }
  const std::string where = analyze::growth_sentence(a.attribution->growth);
  if (where.empty()) return;
  // A failed plateau names the site instead of sending the user to another tool.
  static const std::string kAdvice = ": find what is retained per unit of work (heap profile or allocation trace).";
  for (auto& c : a.checks)
    if ((c.id == check_id::kRssPlateau || c.id == check_id::kHeapPlateau) && c.outcome == Outcome::fail &&
        c.summary.ends_with(kAdvice))
      c.summary = c.summary.substr(0, c.summary.size() - kAdvice.size()) + "; " + where + ".";
}

void set_inconclusive_policy(RunAnalysis& analysis, InconclusivePolicy policy) {
  analysis.inconclusive = policy;
  analysis.exit_code = apply_inconclusive_policy(analysis.exit_code, policy);
}

}  // namespace memgate::report
