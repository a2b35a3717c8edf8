#include "compare/sizes.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "memgate/error.h"
#include "record/json_file.h"
#include "run/plot.h"
#include "scenario/sizes.h"
#include "sys/fs.h"

namespace memgate::compare {

namespace {

std::optional<double> number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::string size_label(double size) { return "size-" + scenario::size_text(size); }

// The levels of one run, from its own report.json: its steady level is its own (the
// comparison's common windows would read a longer run over a shorter one's span).
void read_levels(const std::string& run_dir, SizePoint& p) {
  const std::string path = run_dir + "/report.json";
  if (!std::filesystem::exists(path)) {
    if (p.problem.empty()) p.problem = "no report.json";
    return;
  }
  const auto report = record::read_json_file(path);
  RunFigures f = figures_from_report(report);
  if (const auto it = f.values.find("peak_rss_bytes"); it != f.values.end()) p.peak_rss = it->second;
  if (const auto it = f.values.find("steady_rss_bytes"); it != f.values.end()) p.steady_rss = it->second;
  p.live_heap = number_at(report, {"samplers", "alloc", "heap_last", "allocated_bytes"});
  p.verdict = f.verdict;
  if (p.problem.empty()) p.problem = f.problem;
}

void finish(SizesResult& r, const SizesOptions& options) {
  const std::string& dir = r.compare.out_dir;
  std::map<std::string, double> size_of;
  for (const auto& v : r.compare.manifest.variants)
    if (v.size) size_of[v.label] = *v.size;
  for (const auto& run : r.compare.runs) {
    const auto it = size_of.find(run.variant);
    if (it == size_of.end()) continue;
    SizePoint p;
    p.size = it->second;
    p.dir = run.dir;
    p.problem = run.problem;
    try {
      read_levels(dir + "/" + run.dir, p);
    } catch (const Error& e) {
      p.problem = e.what();
    }
    if (r.first_meta.host.empty() && std::filesystem::exists(dir + "/" + run.dir + "/meta.json")) try {
        r.first_meta = record::read_run_meta(dir + "/" + run.dir + "/meta.json");
      } catch (const Error&) {
        // the next run describes the suite
      }
    if (!p.problem.empty() && r.target_problem.empty()) r.target_problem = p.dir + ": " + p.problem;
    r.points.push_back(std::move(p));
  }
  std::sort(r.points.begin(), r.points.end(),
            [](const SizePoint& a, const SizePoint& b) { return a.size != b.size ? a.size < b.size : a.dir < b.dir; });
  r.measures = fit_measures(r.points, r.unit, r.settings);
  std::vector<CheckResult> checks;
  for (const auto& m : r.measures) checks.push_back(m.check);
  r.verdict = combine(checks);
  if (!r.target_problem.empty() && r.verdict.outcome == Outcome::pass) {
    r.verdict = {Outcome::inconclusive, "a run did not finish its work: " + r.target_problem};
  }
  r.markdown = sizes_markdown(r);
  record::write_json_file(dir + "/" + kSizesJson, sizes_json(r));
  sys::write_text_file(dir + "/" + kSizesMarkdown, r.markdown);
  if (options.plot) r.plot_note = run::plot_sizes(dir);
}

}  // namespace

std::vector<double> parse_size_list(const std::string& text) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string entry = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    double factor = 1;
    std::string digits = entry;
    if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K')) factor = 1e3, digits.pop_back();
    else if (!digits.empty() && digits.back() == 'M') factor = 1e6, digits.pop_back();
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(digits, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (digits.empty() || used != digits.size() || !(value > 0) || !std::isfinite(value))
      throw Error(ExitCode::usage, "--sizes: '" + entry + "' is not a size > 0; expected e.g. --sizes 10k,30k,100k");
    out.push_back(value * factor);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!std::is_sorted(out.begin(), out.end()) || std::adjacent_find(out.begin(), out.end()) != out.end() ||
      out.size() < 3)
    throw Error(ExitCode::usage, "--sizes " + text +
                                     ": expected at least 3 distinct sizes in ascending order, e.g. --sizes "
                                     "10k,30k,100k");
  return out;
}

std::vector<SizeMeasure> fit_measures(const std::vector<SizePoint>& points, const std::string& unit,
                                      const analyze::SizeFitSettings& settings) {
  struct Spec {
    const char* id;
    const char* what;
    std::optional<double> SizePoint::*level;
    bool optional;  // left out when no run measured it (the live heap needs the probe)
  };
  static const Spec kSpecs[] = {{"peak-rss-vs-size", "peak RSS", &SizePoint::peak_rss, false},
                                {"steady-rss-vs-size", "steady RSS", &SizePoint::steady_rss, false},
                                {"live-heap-vs-size", "live heap", &SizePoint::live_heap, true}};
  std::vector<SizeMeasure> out;
  for (const auto& spec : kSpecs) {
    std::vector<double> x, y;
    for (const auto& p : points) {
      // A run whose target failed did not do its size's work: its level is not that size's.
      if (!p.problem.empty() || !(p.*spec.level)) continue;
      x.push_back(p.size);
      y.push_back(*(p.*spec.level));
    }
    if (spec.optional && x.empty()) continue;
    SizeMeasure m{spec.id, spec.what, analyze::fit_against_size(x, y, settings), {}};
    m.check = analyze::size_fit_check(m.id, m.what, m.fit, unit, settings.confidence);
    out.push_back(std::move(m));
  }
  return out;
}

ExitCode sizes_exit_code(const SizesResult& r) {
  if (!r.compare.run_errors.empty()) return r.compare.run_error_code;
  return exit_code_for(r.verdict.outcome);
}

SizesResult run_sizes(const Workload& workload, const SizesOptions& options) {
  CompareOptions o;
  for (double size : options.sizes) o.variants.push_back({size_label(size), "", {}, size});
  o.repeat = options.repeat;
  o.out_dir = options.out_dir;
  o.dir_prefix = "memgate-sizes";
  o.plot = options.plot;
  o.progress = options.progress;
  SizesResult r;
  r.workload = workload.describe();
  r.unit = options.unit;
  r.settings = options.fit;
  r.sizes = options.sizes;
  r.repeat = options.repeat;
  r.compare = run_compare(workload, o);
  finish(r, options);
  return r;
}

SizesResult report_sizes_dir(const std::string& dir, SizesOptions options, bool has_unit) {
  const auto saved = record::read_json_file(dir + "/" + kSizesJson);
  CompareOptions o;
  o.plot = options.plot;
  SizesResult r;
  r.compare = report_compare_dir(dir, o);
  r.workload = r.compare.manifest.workload;
  r.unit = has_unit ? options.unit : saved.value("unit", options.unit);
  r.settings = options.fit;
  if (!options.fit.tolerance_per_unit && saved.contains("tolerance_per_unit") &&
      saved["tolerance_per_unit"].is_number())
    r.settings.tolerance_per_unit = saved["tolerance_per_unit"].get<double>();
  for (const auto& v : r.compare.manifest.variants)
    if (v.size) r.sizes.push_back(*v.size);
  r.repeat = r.compare.manifest.repeat;
  finish(r, options);
  return r;
}

}  // namespace memgate::compare
