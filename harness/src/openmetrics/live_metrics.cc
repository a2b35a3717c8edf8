#include "openmetrics/live_metrics.h"

#include <array>
#include <cmath>

#include "memgate/check_names.h"

namespace memgate::openmetrics {

namespace {

constexpr std::array<Outcome, 3> kOutcomes = {Outcome::pass, Outcome::fail, Outcome::inconclusive};

Family gauge(std::string name, std::string unit, std::string help, double value) {
  return {std::move(name), Type::gauge, std::move(unit), std::move(help), {{{}, value}}};
}

Family counter(std::string name, std::string unit, std::string help, double value) {
  return {std::move(name), Type::counter, std::move(unit), std::move(help), {{{}, value}}};
}

// A gauge family with no sample when the value is unknown (NaN): absent, not zero.
Family optional_gauge(std::string name, std::string unit, std::string help, double value) {
  Family f = gauge(std::move(name), std::move(unit), std::move(help), value);
  if (std::isnan(value)) f.samples.clear();
  return f;
}

// One series per state, 1 for the current one (a "stateset"): a query can select
// `== 1` and a graph shows when it changed.
std::vector<Sample> state_samples(Labels labels, Outcome current) {
  std::vector<Sample> out;
  for (Outcome o : kOutcomes) {
    Labels l = labels;
    l.emplace_back("verdict", std::string(to_string(o)));
    out.push_back({std::move(l), o == current ? 1.0 : 0.0});
  }
  return out;
}

const Figure* find_figure(const CheckResult& c, std::string_view name) {
  for (const Figure& f : c.figures)
    if (f.name == name) return &f;
  return nullptr;
}

// rss-plateau -> rss, fd-plateau -> fds, thread-plateau -> threads.
std::string series_of(std::string_view id) {
  std::string s(id.substr(0, id.size() - std::string_view("-plateau").size()));
  if (s == "fd" || s == "thread") s += 's';
  return s;
}

void add_slopes(std::vector<Family>& out, const std::vector<Slope>& slopes) {
  for (bool bytes : {true, false}) {
    const std::string unit = bytes ? "bytes_per_second" : "per_second";
    Family slope{"memgate_slope_" + unit,
                 Type::gauge,
                 "",
                 std::string("Running Theil-Sen slope of a plateau-checked series after the warm-up, ") +
                     (bytes ? "bytes" : "count") +
                     " per wall second; bound=estimate|lower|upper (the confidence interval)",
                 {}};
    Family tolerance{"memgate_slope_tolerance_" + unit,
                     Type::gauge,
                     "",
                     "Growth the plateau check tolerates (--tolerance), per wall second",
                     {}};
    for (const Slope& s : slopes) {
      if (s.bytes != bytes) continue;
      for (const auto& [bound, v] : {std::pair{"estimate", s.per_s}, {"lower", s.low_per_s}, {"upper", s.high_per_s}})
        slope.samples.push_back({{{"series", s.series}, {"bound", bound}}, v});
      tolerance.samples.push_back({{{"series", s.series}}, s.tolerance_per_s});
    }
    out.push_back(std::move(slope));
    out.push_back(std::move(tolerance));
  }
}

}  // namespace

Labels common_labels(const RunLabels& l) {
  return {{"run", l.run}, {"scenario", l.scenario}, {"allocator", l.allocator.empty() ? "own" : l.allocator}};
}

LiveVerdicts live_verdicts(const std::vector<CheckResult>& checks, Outcome verdict, double analyzed_unix_s) {
  LiveVerdicts v;
  v.analyzed_unix_s = analyzed_unix_s;
  v.verdict = verdict;
  for (const CheckResult& c : checks) {
    v.checks.emplace_back(c.id, c.outcome);
    if (!c.id.ends_with("-plateau")) continue;
    const Figure* slope = find_figure(c, figure::kSlopePerH);
    const Figure* low = find_figure(c, "slope_ci_low_per_h");
    const Figure* high = find_figure(c, "slope_ci_high_per_h");
    const Figure* tolerance = find_figure(c, "tolerance_per_h");
    if (!slope || !low || !high || !tolerance) continue;  // no trend estimated yet
    v.slopes.push_back({series_of(c.id), slope->unit.starts_with("bytes"), slope->value / 3600, low->value / 3600,
                        high->value / 3600, tolerance->value / 3600});
  }
  return v;
}

std::vector<Family> live_families(const LiveFigures& f) {
  std::vector<Family> out = {
      gauge("memgate_rss_bytes", "bytes", "Resident set size of the target's process tree (sum of VmRSS)",
            static_cast<double>(f.rss_bytes)),
      gauge("memgate_rss_peak_bytes", "bytes", "Largest tree RSS sampled so far in this run",
            static_cast<double>(f.rss_peak_bytes)),
      optional_gauge(
          "memgate_pss_bytes", "bytes",
          "Proportional set size of the tree (sum of smaps_rollup Pss; shared pages counted once), last read",
          f.pss_bytes ? static_cast<double>(*f.pss_bytes) : NAN),
      gauge("memgate_vm_hwm_bytes", "bytes", "Largest VmHWM (the kernel's peak RSS) of any live process of the tree",
            static_cast<double>(f.hwm_bytes)),
      gauge("memgate_swap_bytes", "bytes", "Swap used by the tree (sum of VmSwap)", static_cast<double>(f.swap_bytes)),
      optional_gauge("memgate_heap_bytes", "bytes", "Bytes the allocator reports allocated (heap probe, --allocator)",
                     f.heap_bytes),
      optional_gauge("memgate_cgroup_memory_bytes", "bytes",
                     "Memory charged to the target's cgroup (memory.current; --memory-max and friends)",
                     f.cgroup_usage_bytes),
      optional_gauge("memgate_cgroup_memory_limit_bytes", "bytes", "The cgroup's memory limit (--memory-max)",
                     f.cgroup_limit_bytes),
      gauge("memgate_open_fds", "", "Open file descriptors of the tree", f.fds),
      gauge("memgate_threads", "", "Threads of the tree", f.threads),
      gauge("memgate_processes", "", "Live processes in the tree", f.processes),
      counter("memgate_target_cpu_seconds_total", "seconds",
              "User and system CPU time of the tree, reaped children included", f.cpu_s),
      gauge("memgate_run_start_timestamp_seconds", "seconds", "Unix time the run started", f.start_unix_s),
      gauge("memgate_elapsed_seconds", "seconds", "Wall time since the target started", f.elapsed_s),
      optional_gauge("memgate_planned_duration_seconds", "seconds", "Planned wall duration of the run",
                     f.planned_s ? *f.planned_s : NAN),
      gauge("memgate_scenario_time_seconds", "seconds", "The scenario clock (wall time times --time-scale)",
            f.scenario_time_s),
      {"memgate_phase",
       Type::gauge,
       "",
       "The traffic phase now (1 for the current phase; 'run' without traffic)",
       {{{{"phase", f.phase}}, 1}}},
      gauge("memgate_run_finished", "", "1 once the run has ended (the textfile keeps the final figures)",
            f.finished ? 1 : 0),
      counter("memgate_samples_total", "", "Tree samples taken", static_cast<double>(f.samples)),
      counter("memgate_missed_ticks_total", "", "Sample ticks missed because sampling was slower than --hz",
              static_cast<double>(f.missed_ticks)),
  };
  if (f.traffic) {
    const TrafficFigures& t = *f.traffic;
    out.push_back(counter("memgate_records_sent_total", "", "Records memgate's traffic driver handed to the transport",
                          static_cast<double>(t.sent)));
    out.push_back(counter("memgate_records_accepted_total", "",
                          "Records completely written into the target's pipe or socket",
                          static_cast<double>(t.accepted)));
    out.push_back(counter("memgate_records_dropped_total", "", "Records dropped by the late policy",
                          static_cast<double>(t.dropped)));
    out.push_back(optional_gauge("memgate_lag_seconds", "seconds",
                                 "How late the last accepted record was written, against when it was due",
                                 t.lag_s ? *t.lag_s : NAN));
  }
  if (f.verdicts) {
    const LiveVerdicts& v = *f.verdicts;
    out.push_back({"memgate_verdict", Type::gauge, "",
                   "The run's verdict so far, from its run directory (1 for the current one)",
                   state_samples({}, v.verdict)});
    Family checks{"memgate_check_verdict", Type::gauge, "", "Each check's outcome so far (1 for the current one)", {}};
    for (const auto& [id, outcome] : v.checks)
      for (Sample& s : state_samples({{"check", id}}, outcome)) checks.samples.push_back(std::move(s));
    out.push_back(std::move(checks));
    add_slopes(out, v.slopes);
    out.push_back(gauge("memgate_analysis_timestamp_seconds", "seconds",
                        "Unix time the verdict and slopes were last computed", v.analyzed_unix_s));
  }
  return out;
}

}  // namespace memgate::openmetrics
