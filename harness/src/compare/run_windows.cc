#include "compare/run_windows.h"

#include <cmath>
#include <filesystem>

#include "memgate/error.h"
#include "record/json_file.h"
#include "record/sample_log.h"
#include "report/check_registry.h"

namespace memgate::compare {

namespace {

constexpr std::size_t kMaxPhases = 512;  // a 24 h soak has ~30 phase spans

// Scenario time (phases and windows are defined on it); plain runs have t_s only.
double scenario_time(const record::SampleRow& row) {
  const double t = row.get("scenario_t_s");
  return std::isnan(t) ? row.get("t_s") : t;
}

std::string samples_path(const std::string& run_dir) { return run_dir + "/" + record::kSamplesFile; }

// The burst-recovery check's settings the run was judged with (canonical meta.json keys,
// older layouts included); a run without a readable meta.json keeps the defaults.
void read_burst_settings(const std::string& run_dir, RunTimeline& timeline) {
  const std::string path = run_dir + "/meta.json";
  if (!std::filesystem::exists(path)) return;
  const auto meta = record::read_json_file(path);
  if (!meta.is_object() || !meta.contains("checks")) return;
  const auto settings = report::to_json(report::check_settings_from_json(meta["checks"]));
  if (const auto it = settings.find("burst_phase"); it != settings.end() && it->is_string())
    timeline.burst_phase = it->get<std::string>();
  if (const auto it = settings.find("burst_level_window"); it != settings.end() && it->is_number())
    timeline.level_window_s = it->get<double>();
}

}  // namespace

RunTimeline scan_timeline(const std::string& run_dir) {
  RunTimeline timeline;
  auto& phases = timeline.phases;
  record::read_samples(samples_path(run_dir), [&](const record::SampleRow& row) {
    const double t = scenario_time(row);
    if (std::isnan(t)) return;
    const std::string_view phase = row.text("phase");
    if (phases.empty() || phases.back().name != phase) {
      if (phases.size() >= kMaxPhases) phases.erase(phases.begin());
      phases.push_back({std::string(phase), t, t});
    }
    phases.back().end_s = t;
    if (row.get("processes") != 0) timeline.end_s = t;
  });
  read_burst_settings(run_dir, timeline);
  return timeline;
}

std::map<std::string, WindowFigures> scan_windows(const std::string& run_dir, const WindowPlan& plan,
                                                  const std::string& work_column) {
  std::vector<WindowAccumulator> acc;
  for (const auto& w : plan.windows) acc.emplace_back(w);
  record::read_samples(samples_path(run_dir), [&](const record::SampleRow& row) {
    const double t = scenario_time(row);
    if (std::isnan(t)) return;
    // A sample of an empty tree (target gone) is not a memory figure.
    const double rss = row.get("processes") == 0 ? NAN : row.get("rss_bytes");
    const double cpu = row.get("cpu_s");
    const double work = work_column.empty() ? NAN : row.get(work_column);
    for (auto& a : acc) a.add(t, rss, cpu, work);
  });
  std::map<std::string, WindowFigures> out;
  for (const auto& a : acc) out[a.window().name] = a.result();
  return out;
}

}  // namespace memgate::compare
