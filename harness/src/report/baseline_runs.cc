#include "report/baseline_runs.h"

#include <algorithm>
#include <filesystem>

#include "memgate/check_names.h"
#include "memgate/error.h"
#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/checks/baseline.h"
#include "report/run_analysis.h"

namespace memgate::report {

namespace {

constexpr std::size_t kMaxBaselineRuns = 100;

bool is_run_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / record::kMetaFile, ec);
}

}  // namespace

std::vector<std::string> baseline_run_dirs(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_regular_file(p, ec)) {
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (is_run_dir(dir)) return {dir.string()};
    throw Error(ExitCode::usage, "--baseline " + path + ": a report.json is read with its run directory, and " +
                                     dir.string() + " has no meta.json");
  }
  if (!fs::is_directory(p, ec)) throw Error(ExitCode::usage, "--baseline " + path + ": no such file or directory");
  if (is_run_dir(p)) return {path};
  std::vector<std::string> dirs;
  for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && is_run_dir(it->path())) dirs.push_back(it->path().string());
  if (ec) throw Error(ExitCode::usage, "--baseline " + path + ": " + ec.message());
  if (dirs.empty())
    throw Error(ExitCode::usage, "--baseline " + path +
                                     ": neither a run directory nor a directory of run directories (memgate "
                                     "baseline save RUN_DIR --to " +
                                     path + ")");
  std::sort(dirs.begin(), dirs.end());
  if (dirs.size() > kMaxBaselineRuns)
    dirs.erase(dirs.begin(), dirs.end() - static_cast<std::ptrdiff_t>(kMaxBaselineRuns));
  return dirs;
}

BaselineRuns load_baseline(const std::string& path) {
  BaselineRuns b;
  b.path = path;
  try {
    b.dirs = baseline_run_dirs(path);
    for (const auto& dir : b.dirs) {
      const auto meta = record::read_run_meta(dir + "/" + record::kMetaFile);
      CheckSettings settings = check_settings_from_json(meta.checks);
      settings.set(checks::kBaseline, "");  // a baseline's own baseline is not read
      const RunAnalysis a = analyze_run_dir(dir, settings, &meta);
      b.runs.push_back(run_figures({a.meta, a.summary, a.series}, a.checks));
    }
  } catch (const Error& e) {
    b.error = e.what();
    b.runs.clear();
  }
  return b;
}

analyze::RunFigures run_figures(const CheckInputs& in, std::span<const CheckResult> checks) {
  analyze::RunFigures f;
  const auto& s = in.summary;
  const auto rss_t = in.series.rss.times();
  const auto rss_v = in.series.rss.means();
  f.steady_rss = analyze::second_half_level(rss_t, rss_v);
  if (s.rss.samples > 0) f.peak_rss = {std::max(s.rss.max, s.hwm_max.max), f.steady_rss.noise};
  if (s.fds.samples > 0) f.fds = {s.fds.max, analyze::tick_noise(in.series.fds.means())};
  f.heap = analyze::second_half_level(in.series.heap_allocated.times(), in.series.heap_allocated.means());
  for (const auto& c : checks) {
    if (c.id != check_id::kRssBurstRecovery || c.outcome == Outcome::inconclusive) continue;
    for (const auto& figure : c.figures)
      if (figure.name == figure::kRetained) f.retained_after_burst = {figure.value, f.steady_rss.noise};
  }
  return f;
}

}  // namespace memgate::report
