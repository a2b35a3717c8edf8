#include "compare/compare_runner.h"

#include <algorithm>
#include <filesystem>

#include "compare/compare_text.h"
#include "compare/run_windows.h"
#include "record/sample_log.h"
#include "memgate/error.h"
#include "record/run_meta.h"
#include "run/run_session.h"
#include "run/plot.h"
#include "sys/child.h"
#include "sys/file_access.h"
#include "sys/fs.h"
#include "sys/host.h"

namespace memgate::compare {

namespace {

constexpr const char* kPython = "/usr/bin/python3";
constexpr int kNoMatplotlib = 3;  // plot_compare.py's exit status when matplotlib is missing

std::string prepare_compare_dir(const std::string& requested, const std::string& prefix) {
  namespace fs = std::filesystem;
  std::string dir = requested;
  if (dir.empty()) {
    const std::string base = prefix + "-" + sys::compact_local_timestamp(sys::unix_millis());
    dir = base;
    for (int n = 2; fs::exists(dir); ++n) dir = base + "-" + std::to_string(n);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(ExitCode::usage, "cannot create compare directory " + dir + ": " +
                                     (ec ? ec.message() : "a file is in the way") + " (choose another --out)");
  if (fs::exists(fs::path(dir) / kCompareJson))
    throw Error(ExitCode::usage, dir +
                                     " already holds a comparison (compare.json): choose another --out, or "
                                     "recompute it with memgate compare --report " +
                                     dir);
  return dir;
}

std::string run_line(std::size_t index, std::size_t total, const RunFigures& f) {
  std::string line = "[" + std::to_string(index) + "/" + std::to_string(total) + "] " + f.dir + ":";
  const auto add = [&](const char* key, const char* label, std::string_view unit) {
    const auto it = f.values.find(key);
    if (it != f.values.end())
      line += std::string(" ") + label + (*label ? " " : "") + format_value(it->second, unit) + ",";
  };
  // The steady level waits for the common windows (every run must have finished first).
  add("peak_rss_bytes", "peak", "bytes");
  add("records_per_s", "", "records/s");
  add("wall_s", "wall", "s");
  line += " verdict " + (f.verdict.empty() ? std::string("?") : f.verdict);
  if (!f.problem.empty()) line += " (" + f.problem + ")";
  if (!f.mismatch.empty()) line += " (" + f.mismatch + ")";
  return line;
}

// The common windows: a first pass over every run's samples for its phases and end, then
// a second for the figures over the windows (both streaming: bounded memory).
void apply_common_windows(CompareResult& result) {
  std::vector<RunTimeline> timelines;
  std::vector<RunFigures*> scanned;
  for (auto& run : result.runs) {
    const std::string dir = result.out_dir + "/" + run.dir;
    if (!std::filesystem::exists(dir + "/" + record::kSamplesFile)) continue;
    try {
      RunTimeline t = scan_timeline(dir);
      t.warmup_s = run.warmup_s;
      t.label = run.dir;
      timelines.push_back(std::move(t));
      scanned.push_back(&run);
    } catch (const Error& e) {
      run.notes.push_back(std::string("samples not read: ") + e.what());
    }
  }
  result.windows = plan_windows(timelines);
  figure_windows(result.windows, result.manifest.work_metric);
  for (auto* run : scanned) {
    const std::string column = result.manifest.work_metric.empty() ? "" : "metric_" + result.manifest.work_metric;
    try {
      apply_windows(*run, result.windows, scan_windows(result.out_dir + "/" + run->dir, result.windows, column),
                    result.manifest.work_metric);
    } catch (const Error& e) {
      run->notes.push_back(std::string("samples not read: ") + e.what());
    }
  }
}

void finish(CompareResult& result, const CompareOptions& options) {
  apply_common_windows(result);
  result.variants = aggregate(result.manifest.variants, result.runs);
  result.recommendation = recommend(result.variants, options.recommend, &result.windows);
  for (const auto& note : result.windows.notes) result.recommendation.notes.push_back(note);
  result.markdown = markdown_report(result.manifest.workload, result.manifest.repeat, result.variants,
                                    result.recommendation, result.windows);
  record::write_json_file(result.out_dir + "/" + kCompareJson, to_json(result.manifest, result.runs, result.variants,
                                                                       result.recommendation, result.windows));
  const std::string md_path = result.out_dir + "/" + kCompareMarkdown;
  sys::write_text_file(md_path, result.markdown);
  if (options.plot) result.plot_note = plot_compare(result.out_dir);
}

}  // namespace

RunFigures load_run_figures(const std::string& run_dir) {
  // report.json only: its size does not grow with the run, samples.csv's does.
  RunFigures f = figures_from_report(record::read_json_file(run_dir + "/report.json"));
  f.dir = run_dir;
  return f;
}

namespace {

// The variant's allocator and knobs on top of the workload's run.
run::RunConfig variant_config(const Workload& workload, const Variant& v, const std::string& out_dir,
                              const CompareOptions& options) {
  run::RunConfig c = v.size ? workload.run_config_at_size(out_dir, *v.size) : workload.run_config(out_dir);
  if (!v.allocator.empty() || !v.size) {  // a size variant without an allocator keeps the workload's
    c.samplers.allocator = v.allocator;
    c.samplers.alloc_env = v.alloc_env;
  }
  c.plot = options.plot;  // every run directory gets its timeline.png
  auto& fields = c.samplers.metric_fields;
  if (!options.work_metric.empty() && std::find(fields.begin(), fields.end(), options.work_metric) == fields.end())
    fields.push_back(options.work_metric);
  return c;
}

// Usage and internal errors outrank a target that failed: they say the comparison
// itself was wrong, not one of its runs.
int severity(ExitCode code) {
  switch (code) {
    case ExitCode::usage: return 3;
    case ExitCode::internal: return 2;
    case ExitCode::target_failed: return 1;
    default: return 0;
  }
}

}  // namespace

CompareResult run_compare(const Workload& workload, const CompareOptions& options) {
  check_variants(options.variants);
  CompareResult result;
  auto& m = result.manifest;
  m.variants = options.variants;
  m.repeat = options.repeat;
  m.plan = interleaved_plan(options.variants, options.repeat);
  m.workload = workload.describe();
  m.work_metric = options.work_metric;
  const run::RunConfig sample = workload.run_config("");
  m.purge_every_s = sample.samplers.purge_every_s;
  m.purge_at_phases = sample.samplers.purge_at_phases;

  // Every variant is validated before the first run, through the same checks a run
  // makes: a typo in the last knob must not cost the user the whole comparison.
  for (const auto& v : options.variants) {
    try {
      const auto notes = run::validate(variant_config(workload, v, "", options));
      if (options.progress)
        for (const auto& note : notes) options.progress(v.label + ": " + note);
    } catch (const Error& e) {
      throw Error(e.code(), "variant " + v.label + ": " + e.what());
    }
  }
  if (options.progress)
    for (const auto& note : workload.notes()) options.progress(note);

  result.out_dir = prepare_compare_dir(options.out_dir, options.dir_prefix);
  record::write_json_file(result.out_dir + "/" + kCompareJson, to_json(m, {}, {}, {}));

  for (std::size_t i = 0; i < m.plan.size(); ++i) {
    const auto& planned = m.plan[i];
    const auto& variant = m.variants[planned.variant];
    const std::string run_dir = result.out_dir + "/" + planned.dir_name;
    RunFigures figures;
    try {
      const auto ran = run::run(variant_config(workload, variant, run_dir, options));
      if (!ran.error.empty()) throw Error(ran.exit_code, ran.error);
      figures = load_run_figures(run_dir);
    } catch (const Error& e) {
      // One run that cannot start (or be read back) must not discard the others.
      result.run_errors.push_back(planned.dir_name + ": " + e.what());
      if (severity(e.code()) > severity(result.run_error_code)) result.run_error_code = e.code();
      figures.problem = std::string("run failed: ") + e.what();
      figures.end_reason = record::kEndStartFailed;
    }
    figures.dir = planned.dir_name;
    figures.variant = variant.label;
    figures.repeat = planned.repeat;
    if (options.progress) options.progress(run_line(i + 1, m.plan.size(), figures));
    const bool interrupted = figures.end_reason == record::kEndInterrupted;
    result.runs.push_back(std::move(figures));
    // compare.json holds every finished run at once: a comparison killed midway keeps them.
    record::write_json_file(result.out_dir + "/" + kCompareJson, to_json(m, result.runs, {}, {}));
    if (interrupted) {
      // Ctrl-C stops the comparison, not just one run; what ran so far is still reported.
      m.status = "interrupted";
      break;
    }
  }
  if (m.status == "running") m.status = "finished";
  finish(result, options);
  return result;
}

CompareResult report_compare_dir(const std::string& dir, const CompareOptions& options) {
  CompareResult result;
  result.out_dir = dir;
  result.manifest = manifest_from_json(record::read_json_file(dir + "/" + kCompareJson));
  if (!options.work_metric.empty()) result.manifest.work_metric = options.work_metric;
  std::size_t missing = 0;
  std::vector<std::pair<std::string, std::string>> missing_figures;  // run, figure: never read from samples.csv
  for (const auto& planned : result.manifest.plan) {
    const std::string run_dir = dir + "/" + planned.dir_name;
    if (!std::filesystem::exists(run_dir + "/report.json")) {
      ++missing;
      continue;
    }
    RunFigures figures = load_run_figures(run_dir);
    for (const auto& what : figures.missing) missing_figures.emplace_back(planned.dir_name, what);
    figures.dir = planned.dir_name;
    figures.variant = result.manifest.variants[planned.variant].label;
    figures.repeat = planned.repeat;
    result.runs.push_back(std::move(figures));
  }
  if (result.runs.empty()) throw Error(ExitCode::usage, dir + ": no run of the comparison has a report.json yet");
  finish(result, options);
  if (missing > 0)
    result.recommendation.notes.push_back(std::to_string(missing) +
                                          " planned runs have no report.json and were left out");
  for (const auto& [run, what] : missing_figures) {
    // The common windows read the samples themselves: only a run they could not read lacks it.
    const bool recovered = std::any_of(result.runs.begin(), result.runs.end(), [&](const RunFigures& f) {
      return f.dir == run && f.values.count("steady_rss_bytes") > 0;
    });
    if (recovered) continue;
    result.recommendation.notes.push_back(run + ": " + what +
                                          " left out: its report.json was written by an older memgate; "
                                          "memgate report " +
                                          dir + "/" + run + " adds it");
  }
  return result;
}

std::string plot_compare(const std::string& dir) {
  if (!sys::is_executable(kPython))
    return "no charts: /usr/bin/python3 is missing (apt-get install python3-matplotlib)";
  const std::string script = run::reports_dir() + "/plot_compare.py";
  if (!sys::is_readable(script)) return "no charts: " + script + " not found (set MEMGATE_REPORTS_DIR)";
  try {
    // Its output goes to memgate's stderr: stdout carries only memgate's own.
    auto child = sys::Child::spawn({{kPython, script, dir}, {}, "", -1, 2});
    const auto status = child.wait();
    if (!status.signaled && status.code == 0) {
      std::string note = "charts: " + dir + "/compare_bars.png, " + dir + "/compare_rss.png";
      if (std::filesystem::exists(dir + "/compare_split.png")) note += ", " + dir + "/compare_split.png";
      return note;
    }
    if (!status.signaled && status.code == kNoMatplotlib)
      return "no charts: matplotlib is not installed for /usr/bin/python3 (apt-get install python3-matplotlib)";
    return "no charts: plot_compare.py " + status.describe();
  } catch (const Error& e) {
    return std::string("no charts: ") + e.what();
  }
}

}  // namespace memgate::compare
