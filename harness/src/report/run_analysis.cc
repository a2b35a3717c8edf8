#include "report/run_analysis.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "analyze/budget.h"
#include "analyze/retention.h"
#include "memgate/check_json.h"
#include "record/sample_log.h"
#include "report/data_loss_inputs.h"
#include "report/peak_comparison.h"

namespace memgate::report {

std::string target_problem(const record::RunMeta& meta) {
  if (meta.end_reason == "start-failed") return "the target could not start";
  if (!meta.target_end) return "";  // memgate itself was killed: the target's end is unknown, not a failure
  if (meta.stopped_by_memgate) return "";  // we asked it to stop; how it obeyed is not a failure
  const auto& end = *meta.target_end;
  if (end.signaled) return "the target crashed: " + end.description;
  if (end.exit_code != 0) return "the target failed: " + end.description;
  return "";
}

namespace {

constexpr std::size_t kMaxPhases = 10000;

// Time-to-limit is computed against the budget of the same metric, when one is set.
std::optional<double> as_limit(const std::optional<std::uint64_t>& budget) {
  if (!budget) return std::nullopt;
  return static_cast<double>(*budget);
}

// Judged like RSS, on the live heap (allocated bytes) when the allocator reports it.
CheckResult heap_plateau_check(const RunSeries& series, const analyze::PlateauSettings& settings) {
  const bool allocated = series.heap_allocated.total_points() > 0;
  const auto& s = allocated ? series.heap_allocated : series.heap_mapped;
  if (s.total_points() == 0) {
    CheckResult r;
    r.id = "heap-plateau";
    r.outcome = Outcome::inconclusive;
    r.summary = "Heap cannot be judged: samples.csv has no allocator statistics (alloc_allocated_bytes or "
                "alloc_mapped_bytes); run with --allocator to record them.";
    return r;
  }
  return analyze::plateau_check("heap-plateau", allocated ? "Heap (allocated)" : "Heap (mapped)", s.times(), s.means(),
                                "bytes", settings);
}

std::vector<CheckResult> plateau_checks(const RunSeries& series, const CheckSettings& settings) {
  std::vector<CheckResult> out;
  const auto& b = settings.budgets;
  for (const auto& metric : settings.plateau_metrics) {
    if (metric == "rss" || metric == "pss") {
      const auto& s = metric == "rss" ? series.rss : series.pss;
      auto p = settings.memory_plateau;
      p.limit = as_limit(metric == "rss" ? b.max_rss_bytes : b.max_pss_bytes);
      out.push_back(analyze::plateau_check(metric + "-plateau", metric == "rss" ? "RSS" : "PSS", s.times(), s.means(),
                                           "bytes", p));
    } else if (metric == "heap") {
      out.push_back(heap_plateau_check(series, settings.memory_plateau));
    } else if (metric == "fds") {
      auto p = settings.count_plateau;
      p.limit = as_limit(b.max_fds);
      out.push_back(analyze::fd_plateau_check(series.fds.times(), series.fds.means(), p));
    } else if (metric == "threads") {
      auto p = settings.count_plateau;
      p.limit = as_limit(b.max_threads);
      out.push_back(analyze::count_plateau_check("thread-plateau", "Threads", series.threads.times(),
                                                 series.threads.means(), p));
    }
  }
  const bool had_burst = std::any_of(series.phases.begin(), series.phases.end(),
                                     [&](const auto& p) { return p.name == settings.burst.burst_phase; });
  if (had_burst)
    out.push_back(analyze::burst_recovery_check("rss-burst-recovery", "RSS", series.rss.times(), series.rss.means(),
                                                series.phases, "bytes", settings.burst));
  return out;
}

// The eBPF peaks beside the largest VmHWM polled for the same processes (one more
// streaming pass, over processes.csv, keeping at most the eBPF section's rows).
nlohmann::json peaks_of(const std::string& dir, const record::RunMeta& meta, const RunSummary& summary) {
  if (!meta.samplers.contains("ebpf")) return nullptr;
  const nlohmann::json& ebpf = meta.samplers["ebpf"];
  const std::set<ProcessKey> wanted = ebpf_processes(ebpf);
  std::map<ProcessKey, std::uint64_t> hwm;
  const std::string path = dir + "/" + record::kProcessesFile;
  if (!wanted.empty() && std::filesystem::exists(path))
    record::read_samples(path, [&](const record::SampleRow& row) {
      const double v = row.get("hwm_bytes");
      if (std::isnan(v)) return;
      ProcessKey key{static_cast<pid_t>(row.get("pid")), std::string(row.text("comm"))};
      if (!wanted.count(key)) return;
      auto& slot = hwm[key];
      slot = std::max(slot, static_cast<std::uint64_t>(v));
    });
  return compare_peaks(ebpf, hwm, summary);
}

}  // namespace

RunAnalysis analyze_run_dir(const std::string& dir, const CheckSettings& settings) {
  RunAnalysis a;
  a.meta = record::read_run_meta(dir + "/" + record::kMetaFile);

  analyze::StreamStats rss, pss, hwm, swap, fds, threads, processes;
  analyze::StreamStats live_heap, held;  // allocated bytes, and RSS beyond them (heap-retention)
  double last_t = 0;
  auto& phases = a.series.phases;
  record::read_samples(dir + "/" + record::kSamplesFile, [&](const record::SampleRow& row) {
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
    add("processes", processes, nullptr);
    a.summary.minor_faults = row.get("minor_faults");
    a.summary.major_faults = row.get("major_faults");
    a.summary.cpu_s = row.get("cpu_s");
  });
  a.summary.duration_s = last_t;
  a.summary.rss = summarize(rss);
  a.summary.pss = summarize(pss);
  a.summary.hwm_max = summarize(hwm);
  a.summary.swap = summarize(swap);
  a.summary.fds = summarize(fds);
  a.summary.threads = summarize(threads);
  a.summary.processes = summarize(processes);

  a.peaks = peaks_of(dir, a.meta, a.summary);

  a.checks = analyze::budget_checks(settings.budgets, a.summary);
  for (auto& check : plateau_checks(a.series, settings)) a.checks.push_back(std::move(check));
  if (settings.max_retained_bytes)
    a.checks.push_back(analyze::retention_check(summarize(held), summarize(live_heap), *settings.max_retained_bytes));
  if (settings.no_data_loss) a.checks.push_back(analyze::no_data_loss_check(data_loss_inputs(a.meta.samplers)));
  for (const auto& [name, figures] : a.meta.samplers.items())
    if (figures.contains("checks"))
      for (const auto& check : figures["checks"]) a.checks.push_back(check.get<CheckResult>());
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

}  // namespace memgate::report
