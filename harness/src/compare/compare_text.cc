#include "compare/compare_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "memgate/units.h"

namespace memgate::compare {

namespace {

std::string printf_text(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
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

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool any_has(const std::vector<VariantSummary>& variants, const char* key) {
  return std::any_of(variants.begin(), variants.end(),
                     [&](const VariantSummary& v) { return v.metrics.count(key) > 0; });
}

std::string cell(const VariantSummary& v, const char* key) {
  const auto it = v.metrics.find(key);
  const auto* info = find_metric(key);
  return it == v.metrics.end() || !info ? "n/a (not measured)" : format_spread(it->second, info->unit);
}

// Growth figures: a fall is not a negative growth, and a split needs the live heap.
std::string growth_cell(const VariantSummary& v, const char* key) {
  const auto it = v.metrics.find(key);
  if (it == v.metrics.end()) return "n/a (no probe)";
  if (std::string_view(key) != "non_heap_growth_bytes" && v.variant.allocator == "mimalloc")
    return "n/a (mimalloc reports mapped bytes only)";
  if (it->second.median < 0) return "n/a (fell by " + format_value(-it->second.median, "bytes") + ")";
  return format_value(it->second.median, "bytes");
}

std::string retained_cell(const VariantSummary& v) {
  const auto it = v.metrics.find("retained_after_burst_bytes");
  if (it == v.metrics.end()) return "n/a (no burst window)";
  if (it->second.median < 0) return "0 (ended " + format_value(-it->second.median, "bytes") + " below pre-burst)";
  return format_spread(it->second, "bytes");
}

std::string throughput_cell(const VariantSummary& v) {
  if (const auto it = v.metrics.find("records_per_s"); it != v.metrics.end())
    return format_spread(it->second, "count") + " " + (v.work_unit.empty() ? "records" : v.work_unit) + "/s";
  if (const auto it = v.metrics.find("wall_s"); it != v.metrics.end()) return format_spread(it->second, "s") + " wall";
  return "n/a (stopped by memgate; --work-metric)";
}

std::string cost_cell(const VariantSummary& v) {
  const auto it = v.metrics.find("cpu_per_unit_s");
  if (it == v.metrics.end()) return "n/a (no work count)";
  const std::string per = v.work_unit == "run" ? "/run" : "/1k " + (v.work_unit.empty() ? "records" : v.work_unit);
  return format_spread(it->second, "s") + per;
}

std::string call_cell(const VariantSummary& v, const Recommendation& r) {
  if (v.variant.label == r.baseline) return "baseline";
  const auto* call = find_call(r, v.variant.label);
  if (!call) return "n/a (not compared: see the notes)";
  return upper(to_string(call->rss.difference)) + " " + relative_text(call->rss);
}

std::string window_cell(const VariantSummary& v, const char* window, bool peak) {
  std::vector<double> values;
  for (const auto& [name, figures] : v.window_figures)
    if (name == window)
      for (const auto& f : figures)
        if (f.samples > 0) values.push_back(peak ? f.rss_max : f.rss_median);
  if (values.empty()) return "n/a (no samples)";
  return format_spread(spread_of(values), "bytes");
}

}  // namespace

std::string format_value(double value, std::string_view unit) {
  if (!std::isfinite(value)) return "–";
  if (unit == "bytes") return format_bytes(value);
  if (unit == "bytes/h") return format_bytes(value) + "/h";
  if (unit == "records/s") return printf_text("%.0f", value) + " records/s";
  if (unit == "s") {
    if (value != 0 && std::fabs(value) < 0.1) return printf_text("%.3g s", value);
    return printf_text(std::fabs(value) < 10 ? "%.2f s" : "%.1f s", value);
  }
  return printf_text("%.0f", value);
}

std::string format_spread(const Spread& s, std::string_view unit) {
  if (s.n == 0) return "–";
  std::string text = format_value(s.median, unit);
  if (s.n > 1) {
    // The range without repeating the median's unit when both ends share it:
    // "41.2 MiB (40.1–43.0)"; mixed units stay explicit: "2.6 KiB (2.4 KiB–3.7 MiB)".
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

std::string markdown_table(const std::vector<VariantSummary>& variants, const Recommendation& r) {
  struct Column {
    std::string title;
    bool right;
    std::function<std::string(const VariantSummary&)> cell;
  };
  std::vector<Column> columns{{"variant", false, [](const VariantSummary& v) { return describe_variant(v.variant); }},
                              {"steady RSS", true, [](const VariantSummary& v) { return cell(v, "steady_rss_bytes"); }},
                              {"peak RSS", true, [](const VariantSummary& v) { return cell(v, "peak_rss_bytes"); }}};
  if (any_has(variants, "retained_after_burst_bytes")) columns.push_back({"retained after burst", true, retained_cell});
  if (any_has(variants, "records_per_s") || any_has(variants, "wall_s"))
    columns.push_back({"throughput", true, throughput_cell});
  if (any_has(variants, "cpu_per_unit_s")) columns.push_back({"CPU per unit", true, cost_cell});
  columns.push_back({"verdicts", false, [](const VariantSummary& v) { return counts_text(v.verdicts); }});
  columns.push_back({"steady RSS vs " + r.baseline, false, [&r](const VariantSummary& v) { return call_cell(v, r); }});

  std::string out = "|", rule = "|";
  for (const auto& c : columns) {
    out += " " + c.title + " |";
    rule += c.right ? "---:|" : "---|";
  }
  out += "\n" + rule + "\n";
  for (const auto& v : variants) {
    out += "|";
    for (const auto& c : columns) out += " " + escape_cell(c.cell(v)) + " |";
    out += "\n";
  }
  return out;
}

namespace {

std::string windows_section(const std::vector<VariantSummary>& variants, const WindowPlan& plan) {
  std::string out;
  // The span of every figure the report shows.
  std::string figures;
  for (const auto& info : metrics()) {
    const auto it = plan.figures.find(std::string(info.key));
    if (it != plan.figures.end() && any_has(variants, std::string(info.key).c_str()))
      figures += "| " + std::string(info.label) + " | " + escape_cell(it->second) + " |\n";
  }
  if (!figures.empty()) out += "\n## What each figure is read over\n\n| figure | read over |\n|---|---|\n" + figures;
  if (plan.windows.empty()) return out;
  out += "\n## Windows\n\nEvery window is the same span of scenario time in every run.\n\n";
  out += "| window | span | chosen as |\n|---|---|---|\n";
  for (const auto& w : plan.windows)
    out += "| " + w.name + " | " + span_text(w) + " | " + escape_cell(w.basis) + " |\n";
  out += "\nRSS per window (median; burst: largest sample):\n\n| variant |";
  std::string rule = "|---|";
  for (const auto& w : plan.windows) {
    out += " " + w.name + " |";
    rule += "---:|";
  }
  out += "\n" + rule + "\n";
  for (const auto& v : variants) {
    out += "| " + escape_cell(v.variant.label) + " |";
    for (const auto& w : plan.windows) out += " " + window_cell(v, w.name.c_str(), w.name == window::kBurst) + " |";
    out += "\n";
  }
  return out;
}

// One row per figure, one column per variant: narrow however many figures there are.
std::string details_section(const std::vector<VariantSummary>& variants, const Recommendation& r) {
  struct Row {
    std::string title;
    std::function<std::string(const VariantSummary&)> cell;
  };
  std::vector<Row> rows{{"runs", [](const VariantSummary& v) { return std::to_string(v.runs); }}};
  const auto add_metric = [&](const char* key) {
    if (any_has(variants, key))
      rows.push_back({std::string(find_metric(key)->label), [key](const VariantSummary& v) { return cell(v, key); }});
  };
  for (const char* key : {"pre_burst_rss_bytes", "burst_peak_rss_bytes", "slope_bytes_per_h", "wall_s", "cpu_s",
                          "minor_faults", "purge_returned_bytes"})
    add_metric(key);
  // The purges at phase changes are often all the purges: one row then.
  const bool same_purges = std::all_of(variants.begin(), variants.end(), [](const VariantSummary& v) {
    const auto a = v.metrics.find("purge_returned_bytes"), b = v.metrics.find("phase_purge_returned_bytes");
    return (a == v.metrics.end()) == (b == v.metrics.end()) &&
           (a == v.metrics.end() || a->second.median == b->second.median);
  });
  if (!same_purges) add_metric("phase_purge_returned_bytes");
  add_metric("free_held_final_bytes");
  for (const char* key : {"live_heap_growth_bytes", "retention_growth_bytes", "non_heap_growth_bytes"})
    if (any_has(variants, key))
      rows.push_back(
          {std::string(find_metric(key)->label), [key](const VariantSummary& v) { return growth_cell(v, key); }});
  const auto call_row = [&](const char* title, auto member) {
    const bool any =
        std::any_of(r.calls.begin(), r.calls.end(), [&](const VariantCall& c) { return (c.*member).has_value(); });
    if (!any) return;
    rows.push_back({title, [&r, member](const VariantSummary& v) -> std::string {
                      if (v.variant.label == r.baseline) return "baseline";
                      const auto* c = find_call(r, v.variant.label);
                      if (!c || !(c->*member)) return "n/a (not compared)";
                      return upper(to_string((c->*member)->difference)) + " " + relative_text(*(c->*member));
                    }});
  };
  call_row("throughput vs baseline", &VariantCall::speed);
  call_row("CPU per unit vs baseline", &VariantCall::cost);
  rows.push_back({"problems", [](const VariantSummary& v) {
                    std::string problems;
                    if (v.target_failures) problems += std::to_string(v.target_failures) + " target failures";
                    if (v.unverified)
                      problems +=
                          std::string(problems.empty() ? "" : "; ") + std::to_string(v.unverified) + " unverified";
                    for (const auto& p : v.problems) problems += std::string(problems.empty() ? "" : "; ") + p;
                    return problems.empty() ? std::string("none") : problems;
                  }});

  std::string out = "\n## Details\n\n| figure |";
  std::string rule = "|---|";
  for (const auto& v : variants) {
    out += " " + escape_cell(v.variant.label) + " |";
    rule += "---:|";
  }
  out += "\n" + rule + "\n";
  for (const auto& row : rows) {
    out += "| " + row.title + " |";
    for (const auto& v : variants) out += " " + escape_cell(row.cell(v)) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace

std::string markdown_report(const std::string& workload, int repeat, const std::vector<VariantSummary>& variants,
                            const Recommendation& recommendation, const WindowPlan& plan) {
  std::string out = "# memgate compare\n\n";
  // A multi-line command (sh -c scripts) does not fit inline code.
  if (workload.find('\n') == std::string::npos)
    out += "Workload: `" + workload + "`, " + std::to_string(repeat) + " run(s) per variant, interleaved.\n";
  else
    out +=
        "Workload, " + std::to_string(repeat) + " run(s) per variant, interleaved:\n\n```sh\n" + workload + "\n```\n\n";
  out += "Cells: median (min–max) over the runs; steady RSS over the steady window";
  if (const auto* w = find_window(plan, window::kSteady)) out += " " + span_text(*w);
  out += "; differences: Hodges–Lehmann shift with its confidence interval (3+ runs per variant).\n\n";
  out += markdown_table(variants, recommendation);
  out += "\n**Recommendation:** " + recommendation.line + "\n";
  for (const auto& note : recommendation.notes) out += "\n- " + note;
  if (!recommendation.notes.empty()) out += "\n";
  out += windows_section(variants, plan);
  out += details_section(variants, recommendation);

  std::set<std::string> ids;
  for (const auto& v : variants)
    for (const auto& [id, counts] : v.checks) ids.insert(id);
  if (!ids.empty()) {
    out += "\n## Checks\n\n| variant |";
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
  return out;
}

}  // namespace memgate::compare
