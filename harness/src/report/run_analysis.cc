#include "report/run_analysis.h"

#include <cmath>

#include "analyze/budget.h"
#include "record/sample_log.h"

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

RunAnalysis analyze_run_dir(const std::string& dir, const CheckSettings& settings) {
  RunAnalysis a;
  a.meta = record::read_json_file(dir + "/" + record::kMetaFile).get<record::RunMeta>();

  analyze::StreamStats rss, pss, hwm, swap, fds, threads, processes;
  double last_t = 0;
  record::read_samples(dir + "/" + record::kSamplesFile, [&](const record::SampleRow& row) {
    const double t = row.get("t_s");
    if (std::isnan(t)) return;
    last_t = t;
    ++a.summary.samples;
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

  a.checks = analyze::budget_checks(settings.budgets, a.summary);
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
