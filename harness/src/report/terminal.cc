#include "report/terminal.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "memgate/check_names.h"
#include "memgate/units.h"
#include "report/attribution_output.h"
#include "report/peak_comparison.h"
#include "report/so_far.h"

namespace memgate::report {

namespace {

std::string printf_text(const char* format, double a, double b = 0, double c = 0) {
  char text[64];
  std::snprintf(text, sizeof text, format, a, b, c);
  return text;
}

// Bytes per hour in MiB/h (KiB/h below 0.1 MiB/h), the interval in the same unit.
std::string slope_text(double slope, double low, double high) {
  const double scale = std::max({std::fabs(slope), std::fabs(low), std::fabs(high)}) >= 0.1 * 1048576 ? 1048576 : 1024;
  return printf_text("%+.2g", slope / scale) + (scale > 1024 ? " MiB/h" : " KiB/h") +
         printf_text(" [%+.2g, %+.2g]", low / scale, high / scale);
}

std::optional<double> figure_of(const CheckResult& c, std::string_view name) {
  for (const auto& f : c.figures)
    if (f.name == name) return f.value;
  return std::nullopt;
}

}  // namespace

namespace {

// detail 5: everything; each level below leaves out one more part.
std::string progress_at(const Progress& p, int detail) {
  std::vector<std::string> parts;
  if (!p.target.empty()) parts.push_back(p.target);
  if (!p.phase.empty())
    parts.push_back(p.scenario_s && detail >= 2 ? p.phase + " @" + format_duration(*p.scenario_s) : p.phase);
  std::string when;
  if (!p.planned_s || detail >= 4)
    when = format_duration(p.elapsed_s) + (p.planned_s ? "/" + format_duration(*p.planned_s) : "");
  if (p.planned_s && *p.planned_s > p.elapsed_s)
    when += (when.empty() ? "" : ", ") + format_duration(*p.planned_s - p.elapsed_s) + " left";
  if (!when.empty()) parts.push_back(when);
  if (p.records_per_s && detail >= 1) {
    std::string traffic = printf_text("%.0f rec/s", *p.records_per_s);
    if (p.lag_s && detail >= 3)
      traffic += " lag " + (*p.lag_s < 1 ? printf_text("%.0f ms", *p.lag_s * 1000) : format_duration(*p.lag_s));
    parts.push_back(traffic);
  }
  parts.push_back("RSS " + format_bytes(static_cast<double>(p.rss_bytes)) + " (peak " +
                  format_bytes(static_cast<double>(p.rss_peak_bytes)) + ")");
  // The tree's shape and the sampling rate until there is a decision to show.
  if (p.decision.empty() && detail >= 5)
    parts.push_back("fds " + std::to_string(p.fds) + "  procs " + std::to_string(p.processes) + "  " +
                    printf_text("%.1f Hz", p.achieved_hz));
  else if (!p.decision.empty()) parts.push_back(p.decision);
  std::string line;
  for (const auto& part : parts) line += (line.empty() ? "" : " | ") + part;
  return line;
}

}  // namespace

std::string progress_line(const Progress& p, std::size_t width) {
  std::string line;
  for (int detail = 5; detail >= 0; --detail)
    if ((line = progress_at(p, detail)).size() <= width) break;
  if (line.size() > width) {
    while (width > 0 && (static_cast<unsigned char>(line[width]) & 0xC0) == 0x80)
      --width;  // not inside a UTF-8 character
    line.resize(width);
  }
  // Phase names are the user's text: no control character reaches the terminal.
  for (char& ch : line)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  return line;
}

std::string live_decision(const RunAnalysis& a) {
  const CheckResult* undecided_plateau = nullptr;
  for (const auto& c : a.checks) {
    if (c.outcome != Outcome::inconclusive || c.id.size() < 8 || c.id.compare(c.id.size() - 8, 8, "-plateau") != 0)
      continue;
    undecided_plateau = &c;
    break;
  }
  if (undecided_plateau) {
    const CheckResult& c = *undecided_plateau;
    const auto slope = figure_of(c, figure::kSlopePerH), low = figure_of(c, "slope_ci_low_per_h"),
               high = figure_of(c, "slope_ci_high_per_h");
    if (slope && low && high) return c.id + " " + slope_text(*slope, *low, *high);
    if (const auto needed = figure_of(c, "run_length_needed_s"))
      return c.id + " needs " + format_duration(std::max(0.0, *needed - a.summary.duration_s)) + " more";
    return c.id + " undecided";
  }
  // Every plateau decided (or none asked): the verdict of everything but run-complete.
  return so_far_text(a);
}

std::string closing_summary(const RunAnalysis& a, const std::string& report_path) {
  std::string verdict(to_string(a.verdict.outcome));
  std::transform(verdict.begin(), verdict.end(), verdict.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string out = "memgate: " + verdict + " (exit " + std::to_string(static_cast<int>(a.exit_code)) + ") — " +
                    a.verdict.reason + "\n";
  for (const auto& c : a.checks) {
    std::string tag(to_string(c.outcome));
    out += "  [" + tag + "] " + c.id + ": " + c.summary + "\n";
  }
  out += progress_text(a);
  const auto& s = a.summary;
  if (s.rss.samples) {
    out += "  RSS peak " + format_bytes(std::max(s.rss.max, s.hwm_max.max)) + ", final " + format_bytes(s.rss.last) +
           ", median " + format_bytes(s.rss.median);
    if (s.pss.samples) out += "; PSS peak " + format_bytes(s.pss.max);
    out += "; fds peak " + std::to_string(static_cast<long long>(s.fds.max)) + "; threads peak " +
           std::to_string(static_cast<long long>(s.threads.max)) + "; " + std::to_string(s.samples) + " samples over " +
           format_duration(s.duration_s) + "\n";
  }
  if (const std::string peaks = peaks_line(a.peaks); !peaks.empty()) out += "  " + peaks + "\n";
  if (a.attribution) {
    out += "  " + attribution_headline(*a.attribution) + "\n";
    for (const auto& row : attribution_rows(*a.attribution))
      out += "    " + row.kind + " " + row.rate + "  " + row.site + (row.share.empty() ? "" : "  (" + row.share + ")") +
             "\n";
  }
  out += growth_lines(a.series.python_growth, "Python heap");
  for (const auto& note : a.meta.notes) out += "  note: " + note + "\n";
  if (!report_path.empty()) out += "  report: " + report_path + "\n";
  return out;
}

}  // namespace memgate::report
