#include "report/markdown_summary.h"

#include <algorithm>
#include <cctype>

#include "memgate/units.h"
#include "report/figure_text.h"
#include "report/inconclusive_policy.h"

namespace memgate::report {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// A table cell: no line breaks, and a literal '|' escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string code(const std::string& text) { return "`" + cell(text) + "`"; }

}  // namespace

std::string markdown_summary(const RunAnalysis& a, const MarkdownOptions& o) {
  std::string out =
      "### " + cell(o.title.empty() ? "memgate" : o.title) + ": " + upper(to_string(a.verdict.outcome)) + "\n\n";
  out += "**" + upper(to_string(a.verdict.outcome)) + "** (exit " + std::to_string(static_cast<int>(a.exit_code));
  if (a.verdict.outcome == Outcome::inconclusive)
    out += ", `--inconclusive " + std::string(to_string(a.inconclusive)) + "`";
  out += "): " + cell(a.verdict.reason) + "\n\n";

  out += "| check | outcome | key figures | summary |\n|---|---|---|---|\n";
  if (!a.target_problem.empty()) out += "| target | FAIL |  | " + cell(a.target_problem) + " |\n";
  for (const auto& c : a.checks)
    out += "| " + code(c.id) + " | " + upper(to_string(c.outcome)) + " | " + cell(key_figures(c)) + " | " +
           cell(c.summary) + " |\n";

  const auto& s = a.summary;
  if (s.rss.samples) {
    out += "\nRSS peak " + format_bytes(std::max(s.rss.max, s.hwm_max.max)) + ", final " + format_bytes(s.rss.last) +
           ", median " + format_bytes(s.rss.median) + "; fds peak " +
           std::to_string(static_cast<long long>(s.fds.max)) + "; " + std::to_string(s.samples) + " samples over " +
           format_duration(s.duration_s) + ".\n";
  }
  if (a.attribution) {
    out += "\n" + cell(attribution_headline(*a.attribution)) + ".\n";
    const auto rows = attribution_rows(*a.attribution);
    if (!rows.empty()) {
      out += "\n| call site | kind | growth | share |\n|---|---|---|---|\n";
      for (const auto& row : rows)
        out += "| " + code(row.site) + " | " + row.kind + " | " + cell(row.rate) + " | " + cell(row.share) + " |\n";
    }
  }
  if (!a.meta.notes.empty()) {
    out += "\n";
    for (const auto& note : a.meta.notes) out += "- note: " + cell(note) + "\n";
  }
  if (!o.timeline.empty()) out += "\n![memgate timeline](" + o.timeline + ")\n";
  if (!o.run_dir.empty()) out += "\nRun directory: " + code(o.run_dir) + "\n";
  return out + "\n";
}

}  // namespace memgate::report
