// One window definition for every variant of a comparison: each figure is read over the
// same span of scenario time in every run, so no variant's "steady" level is another's
// burst. Pure: no I/O (compare/run_windows.h streams the samples into it).
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyze/plateau.h"
#include "memgate/stream_stats.h"

namespace memgate::compare {

namespace window {
inline constexpr const char* kSteady = "steady";             // after the warm-up to the end of the shortest run
inline constexpr const char* kPreBurst = "pre-burst";        // the nominal level before the first burst
inline constexpr const char* kBurst = "burst";               // the first burst phase (its peak)
inline constexpr const char* kRecoveryEnd = "recovery-end";  // the end of the recovery after it
}  // namespace window

// A span of scenario time (seconds from the start of the run; scenario_t_s in samples.csv).
struct Window {
  std::string name;  // window::k*
  double start_s = 0, end_s = 0;
  std::string basis;  // how the span was chosen, in words
};

// What the first pass over a run's samples saw.
struct RunTimeline {
  std::vector<analyze::PhaseSpan> phases;  // contiguous runs of the phase tag (scenario time)
  double end_s = 0;                        // last sample with a live tree
  std::optional<double> warmup_s;          // the rss-plateau check's warm-up (report.json), if any
  std::string label;                       // the run directory, for the basis text
  // The run's rss-burst-recovery settings (meta.json checks): the burst and end-of-recovery
  // windows are those the check judged.
  std::string burst_phase = "burst";
  double level_window_s = 30;  // burst_level_window
};

struct WindowSettings {
  double pre_burst_s = 60;           // as the rss-burst-recovery check: median over this before the burst
  double max_warmup_fraction = 0.5;  // the common warm-up never removes more than this of the shortest run
};

struct WindowPlan {
  std::vector<Window> windows;     // steady first
  bool phased = false;             // true: the runs carry scenario phases
  std::vector<std::string> notes;  // runs whose phases differ, a short steady window...
  // The span each figure of compare.md / compare.json is read over (run_figures.h
  // figure_windows): metric key -> "steady [7.9 s, 16.0 s]", "the whole run", ...
  std::map<std::string, std::string> figures;
};

// Phased runs: the scenario's warmup phase is excluded; pre-burst, burst and
// recovery-end come from the first burst phase, as the rss-burst-recovery check defines
// them: the recovery lasts until the next burst phase (or the end), and its end level is
// the median over its last burst_level_window. Otherwise the longest warm-up any run
// needed is cut from all of them. Every window ends by the end of the shortest run.
WindowPlan plan_windows(const std::vector<RunTimeline>& runs, const WindowSettings& settings = {});

const Window* find_window(const WindowPlan& plan, const std::string& name);

// The figures of one run over one window, in bounded memory.
struct WindowFigures {
  std::size_t samples = 0;
  double rss_median = 0, rss_max = 0;                       // bytes
  double seconds = 0;                                       // last - first sample time in the window
  double cpu_s = std::numeric_limits<double>::quiet_NaN();  // CPU used in the window (NaN: not recorded)
  double work = std::numeric_limits<double>::quiet_NaN();   // work counter increase in the window
};

class WindowAccumulator {
 public:
  explicit WindowAccumulator(const Window& window) : window_(window) {}
  // t: scenario seconds; NaN values are skipped (cpu and work are cumulative counters).
  void add(double t, double rss, double cpu_s, double work);
  WindowFigures result() const;
  const Window& window() const { return window_; }

 private:
  Window window_;
  analyze::QuantileSketch rss_;
  std::size_t samples_ = 0;
  double rss_max_ = 0, rss_min_ = 0, t_first_ = 0, t_last_ = 0;
  double cpu_first_ = std::numeric_limits<double>::quiet_NaN(), cpu_last_ = cpu_first_;
  double work_first_ = cpu_first_, work_last_ = cpu_first_;
};

// "[7.9 s, 16.0 s]"
std::string span_text(const Window& w);

}  // namespace memgate::compare
