#include "compare/compare_text.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "memgate/units.h"

namespace memgate::compare {

namespace {

std::string printf_text(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// "12 345 678": thousands separated so fault counts and rates read at a glance.
std::string grouped(double value) {
  const bool negative = value < 0;
  const std::string digits = printf_text("%.0f", std::fabs(value));
  std::string out = negative ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
    out += digits[i];
  }
  return out;
}

std::string counts_text(const std::map<std::string, std::size_t>& counts) {
  std::string text;
  for (const char* outcome : {"pass", "fail", "inconclusive"}) {
    const auto it = counts.find(outcome);
    if (it == counts.end() || it->second == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::to_string(it->second) + " " + outcome;
  }
  return text.empty() ? "–" : text;
}

std::string escape_cell(std::string text) {
  for (std::size_t at = 0; (at = text.find('|', at)) != std::string::npos; at += 2) text.replace(at, 1, "\\|");
  for (auto& c : text)
    if (c == '\n') c = ' ';
  return text;
}

}  // namespace

std::string format_value(double value, std::string_view unit) {
  if (!std::isfinite(value)) return "–";
  if (unit == "bytes") return format_bytes(value);
  if (unit == "bytes/h") return format_bytes(value) + "/h";
  if (unit == "records/s") return grouped(value) + " records/s";
  if (unit == "s") return printf_text(std::fabs(value) < 10 ? "%.2f s" : "%.1f s", value);
  return grouped(value);
}

std::string format_spread(const Spread& s, std::string_view unit) {
  if (s.n == 0) return "–";
  std::string text = format_value(s.median, unit);
  if (s.n > 1) {
    // The range without repeating the median's unit when both ends share it:
    // "41.2 MiB (40.1–43.0)"; mixed units stay explicit: "2.6 KiB (-2.4 MiB–3.7 KiB)".
    std::string lo = format_value(s.min, unit), hi = format_value(s.max, unit);
    const auto unit_of = [](const std::string& v) {
      const auto space = v.rfind(' ');
      return space == std::string::npos ? std::string() : v.substr(space);
    };
    const std::string suffix = unit_of(text);
    if (!suffix.empty() && unit_of(lo) == suffix && unit_of(hi) == suffix && unit != "count") {
      lo.erase(lo.size() - suffix.size());
      hi.erase(hi.size() - suffix.size());
    }
    text += " (" + lo + "–" + hi + ")";
  }
  return text;
}

std::string markdown_table(const std::vector<VariantSummary>& variants) {
  std::vector<const MetricInfo*> columns;
  for (const auto& m : metrics()) {
    if (m.key == "purges") continue;  // folded into the purge column
    for (const auto& v : variants)
      if (v.metrics.count(std::string(m.key))) {
        columns.push_back(&m);
        break;
      }
  }
  std::string out = "| variant | runs |";
  std::string rule = "|---|---:|";
  for (const auto* m : columns) {
    out += " " + std::string(m->label) + " |";
    rule += "---:|";
  }
  out += " verdicts | problems |\n" + rule + "---|---|\n";
  for (const auto& v : variants) {
    out += "| " + escape_cell(describe_variant(v.variant)) + " | " + std::to_string(v.runs) + " |";
    for (const auto* m : columns) {
      const auto it = v.metrics.find(std::string(m->key));
      std::string cell = it == v.metrics.end() ? "–" : format_spread(it->second, m->unit);
      if (m->key == "purge_returned_bytes" && v.metrics.count("purges"))
        cell += " in " + format_value(v.metrics.at("purges").median, "count") + " purges";
      out += " " + cell + " |";
    }
    std::string problems;
    if (v.target_failures) problems += std::to_string(v.target_failures) + " target failures";
    if (v.unverified)
      problems += std::string(problems.empty() ? "" : "; ") + std::to_string(v.unverified) + " unverified";
    for (const auto& p : v.problems) problems += std::string(problems.empty() ? "" : "; ") + p;
    out += " " + counts_text(v.verdicts) + " | " + escape_cell(problems.empty() ? "–" : problems) + " |\n";
  }
  return out;
}

std::string markdown_report(const std::string& workload, int repeat, const std::vector<VariantSummary>& variants,
                            const Recommendation& recommendation) {
  std::string out = "# memgate compare\n\n";
  // A multi-line command (sh -c scripts) does not fit inline code.
  if (workload.find('\n') == std::string::npos)
    out += "Workload: `" + workload + "`, " + std::to_string(repeat) + " run(s) per variant, interleaved.\n";
  else
    out +=
        "Workload, " + std::to_string(repeat) + " run(s) per variant, interleaved:\n\n```sh\n" + workload + "\n```\n\n";
  out += "Cells: median (min–max) over the runs.\n\n";
  out += markdown_table(variants);

  std::set<std::string> ids;
  for (const auto& v : variants)
    for (const auto& [id, counts] : v.checks) ids.insert(id);
  if (!ids.empty()) {
    out += "\n| checks |";
    std::string rule = "|---|";
    for (const auto& id : ids) {
      out += " " + id + " |";
      rule += "---|";
    }
    out += "\n" + rule + "\n";
    for (const auto& v : variants) {
      out += "| " + escape_cell(v.variant.label) + " |";
      for (const auto& id : ids) {
        const auto it = v.checks.find(id);
        out += " " + (it == v.checks.end() ? std::string("–") : counts_text(it->second)) + " |";
      }
      out += "\n";
    }
  }
  out += "\n**Recommendation:** " + recommendation.line + "\n";
  for (const auto& note : recommendation.notes) out += "\n- " + note;
  if (!recommendation.notes.empty()) out += "\n";
  return out;
}

}  // namespace memgate::compare
