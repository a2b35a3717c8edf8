#include "report/terminal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "memgate/units.h"
#include "report/attribution_output.h"
#include "report/peak_comparison.h"

namespace memgate::report {

std::string progress_line(const Progress& p) {
  std::string when = format_duration(p.elapsed_s);
  if (p.planned_s) when += "/" + format_duration(*p.planned_s);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f Hz", p.achieved_hz);
  return when + "  RSS " + format_bytes(static_cast<double>(p.rss_bytes)) + " (peak " +
         format_bytes(static_cast<double>(p.rss_peak_bytes)) + ")  fds " + std::to_string(p.fds) + "  procs " +
         std::to_string(p.processes) + "  " + rate;
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
  out += growth_lines(a.series.python_growth, "Python heap");
  for (const auto& note : a.meta.notes) out += "  note: " + note + "\n";
  if (!report_path.empty()) out += "  report: " + report_path + "\n";
  return out;
}

}  // namespace memgate::report
