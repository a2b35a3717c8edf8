#include "report/attribution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <vector>

#include "analyze/heap_snapshot.h"
#include "memgate/units.h"
#include "sys/read_file.h"

namespace memgate::report {

namespace {

// Modules and sources that allocate on the program's behalf (libc, libstdc++'s operator
// new, inlined standard containers, the sampler itself): a call site is the first frame
// outside them.
bool is_system_frame(const std::string& module, const analyze::SymbolRow* sym) {
  if (module.find("libmemgate_attrib") != std::string::npos) return true;
  for (const char* prefix : {"/usr/lib/", "/lib/", "/usr/lib64/", "/lib64/"})
    if (module.starts_with(prefix)) return true;
  return sym && sym->file.starts_with("/usr/include/");
}

// "ns::(anonymous namespace)::keep(int) const" -> "ns::keep": what a person looks for.
std::string short_function(std::string name) {
  for (std::size_t at; (at = name.find("(anonymous namespace)::")) != std::string::npos;)
    name.erase(at, std::string_view("(anonymous namespace)::").size());
  if (name.ends_with(" const")) name.resize(name.size() - 6);
  if (!name.empty() && name.back() == ')') {
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
      if (name[i] == ')') ++depth;
      else if (name[i] == '(' && --depth == 0) {
        if (i > 0) name.resize(i);
        break;
      }
    }
  }
  return name;
}

std::string basename_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

class Names {
 public:
  explicit Names(std::vector<analyze::SymbolRow> rows) {
    for (auto& row : rows) rows_[std::pair{row.module, row.offset}].push_back(std::move(row));
  }
  // The address's inline levels, innermost first (one row when nothing is inlined there).
  const std::vector<analyze::SymbolRow>* levels(const std::string& module, std::uint64_t offset) const {
    const auto it = rows_.find({module, offset});
    return it == rows_.end() ? nullptr : &it->second;
  }
  // The function the compiler emitted, with the line of the address in it.
  const analyze::SymbolRow* find(const std::string& module, std::uint64_t offset) const {
    const auto* l = levels(module, offset);
    return l ? &l->back() : nullptr;
  }
  // The first inline level of the address outside the system (the line in the program's
  // own code that a standard container's inlined growth was called from), if any.
  const analyze::SymbolRow* own_level(const std::string& module, std::uint64_t offset) const {
    const auto* l = levels(module, offset);
    if (!l) return nullptr;
    for (const auto& row : *l)
      if (!is_system_frame(module, &row)) return &row;
    return nullptr;
  }
  // "file.cc:142 (function)", else "module+0xOFF (function)", else "module+0xOFF".
  static std::string site(const std::string& module, std::uint64_t offset, const analyze::SymbolRow* s) {
    std::string text = s && !s->file.empty() ? basename_of(s->file) + ":" + std::to_string(s->line)
                                             : basename_of(module) + "+" + hex(offset);
    if (s && !s->function.empty()) text += " (" + short_function(s->function) + ")";
    return text;
  }
  std::string function(const std::string& module, std::uint64_t offset) const {
    const analyze::SymbolRow* s = find(module, offset);
    return s && !s->function.empty() ? short_function(s->function) : basename_of(module) + "+" + hex(offset);
  }

 private:
  std::map<std::pair<std::string, std::uint64_t>, std::vector<analyze::SymbolRow>> rows_;
};

}  // namespace

std::optional<Attribution> load_attribution(const std::string& run_dir, const AttributionWindow& window) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(run_dir) / "attribution";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("snapshot-") && name.ends_with(".txt")) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  const std::string symbols_path = (dir / "symbols.tsv").string();
  const auto symbols_text = sys::try_read_text_file(symbols_path);
  const Names names(symbols_text ? analyze::parse_symbols(*symbols_text, symbols_path)
                                 : std::vector<analyze::SymbolRow>{});

  Attribution a;
  a.snapshots = files.size();
  a.steady_from_s = window.steady_from_s;
  a.steady_to_s = window.steady_to_s;
  analyze::GrowthInput in;
  in.steady_from_s = window.steady_from_s;
  in.steady_to_s = window.steady_to_s;
  in.rss_slope_per_h = window.rss_slope_per_h;
  in.units_per_h = window.units_per_h;
  // Per stack of (module, offset) frames: sampled bytes and blocks at each snapshot.
  using Frames = std::vector<std::pair<std::string, std::uint64_t>>;
  std::map<Frames, std::pair<std::vector<double>, std::vector<double>>> stack_series;
  const std::size_t n = files.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto snap = analyze::parse_heap_snapshot(sys::read_text_file(files[i]), files[i]);
    in.t_s.push_back(snap.t_s);
    in.labels.push_back(snap.label);
    if (snap.mean_bytes > 0) in.mean_bytes = a.mean_bytes = snap.mean_bytes;
    for (const auto& stack : snap.stacks) {
      std::string site;
      Frames frames;
      for (const auto& frame : stack.frames) {
        const std::string module = frame.module >= 0 ? snap.modules[static_cast<std::size_t>(frame.module)] : "?";
        if (site.empty() && frame.module >= 0) {
          if (!names.levels(module, frame.offset)) {
            if (!is_system_frame(module, nullptr)) site = Names::site(module, frame.offset, nullptr);
          } else if (const auto* own = names.own_level(module, frame.offset)) {
            site = Names::site(module, frame.offset, own);
          }
        }
        if (module.find("libmemgate_attrib") == std::string::npos) frames.emplace_back(module, frame.offset);
      }
      if (site.empty() && !stack.frames.empty() && stack.frames.front().module >= 0) {
        const std::string& module = snap.modules[static_cast<std::size_t>(stack.frames.front().module)];
        site = Names::site(module, stack.frames.front().offset, names.find(module, stack.frames.front().offset));
      }
      if (site.empty()) site = "(unknown)";
      auto& series = in.site_bytes[site];
      series.resize(n, 0.0);
      series[i] += stack.bytes;
      auto& [bytes, blocks] = stack_series[frames];
      bytes.resize(n, 0.0);
      blocks.resize(n, 0.0);
      bytes[i] += stack.bytes;
      blocks[i] += static_cast<double>(stack.count);
    }
  }
  for (auto& [site, series] : in.site_bytes) series.resize(n, 0.0);
  a.growth = analyze::attribute_growth(in);
  analyze::CycleGrowthInput cycles;
  for (const auto& label : in.labels) cycles.quiet_cycle.push_back(analyze::quiet_cycle_of(label));
  if (std::any_of(cycles.quiet_cycle.begin(), cycles.quiet_cycle.end(), [](std::size_t c) { return c > 0; })) {
    cycles.site_bytes = in.site_bytes;
    cycles.warmup_cycles = window.warmup_cycles;
    cycles.mean_bytes = in.mean_bytes;
    a.per_cycle = analyze::attribute_cycles(cycles);
  }
  if (a.growth.reason.empty()) {
    // Indexes of the early and late snapshots attribute_growth chose.
    std::size_t e = 0, l = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (in.t_s[i] == a.growth.early_t_s && in.labels[i] == a.growth.early_label) e = i;
      if (in.t_s[i] == a.growth.late_t_s && in.labels[i] == a.growth.late_label) l = i;
    }
    // Each stack's trend over the same snapshots as the sites', times the window.
    std::vector<std::size_t> inside;
    for (std::size_t i = e; i <= l; ++i)
      if (in.labels[i] != "end" && in.t_s[i] >= window.steady_from_s) inside.push_back(i);
    std::vector<double> t, v(inside.size()), c(inside.size());
    for (const std::size_t i : inside) t.push_back(in.t_s[i]);
    const double window_s = a.growth.late_t_s - a.growth.early_t_s;
    for (const auto& [frames, series] : stack_series) {
      for (std::size_t k = 0; k < inside.size(); ++k) {
        v[k] = series.first[inside[k]];
        c[k] = series.second[inside[k]];
      }
      const double grew = analyze::growth_slope_per_s(t, v) * window_s;
      if (grew < 1) continue;
      ProfileStack stack;
      stack.bytes = static_cast<std::int64_t>(grew);
      stack.count = static_cast<std::int64_t>(std::max(0.0, analyze::growth_slope_per_s(t, c) * window_s));
      std::string collapsed;
      for (const auto& [module, offset] : frames) {
        const analyze::SymbolRow* sym = names.find(module, offset);
        stack.frames.push_back({module, offset, sym ? sym->function : "", sym ? sym->file : "", sym ? sym->line : 0});
        collapsed = names.function(module, offset) + (collapsed.empty() ? "" : ";") + collapsed;
      }
      a.collapsed += (collapsed.empty() ? "(unknown)" : collapsed) + " " + std::to_string(stack.bytes) + "\n";
      a.stacks.push_back(std::move(stack));
    }
  }
  return a;
}

std::string attribution_headline(const Attribution& a) {
  const auto& g = a.growth;
  if (!g.reason.empty()) return "heap attribution: " + g.reason + " (" + std::to_string(a.snapshots) + " taken)";
  char window[96];
  std::snprintf(window, sizeof window, "between t=%.0fs and t=%.0fs", g.early_t_s, g.late_t_s);
  return "heap attribution: the sampled live heap went from " + format_bytes(g.heap_early_bytes) + " to " +
         format_bytes(g.heap_late_bytes) + " (" + (g.heap_growth_per_h >= 0 ? "+" : "") +
         format_bytes(g.heap_growth_per_h) + "/h) " + window;
}

std::vector<SiteRow> attribution_rows(const Attribution& a, std::size_t top) {
  std::vector<SiteRow> rows;
  const auto percent = [](double share) {
    char b[16];
    std::snprintf(b, sizeof b, "%.0f %%", share * 100);
    return std::string(b);
  };
  for (std::size_t i = 0; i < a.growth.growing.size() && i < top; ++i) {
    const auto& s = a.growth.growing[i];
    std::string share;
    if (s.share_of_growth) share = percent(*s.share_of_growth) + " of the heap growth";
    if (s.share_of_rss_slope)
      share += (share.empty() ? "" : ", ") + percent(*s.share_of_rss_slope) + " of the RSS slope";
    rows.push_back({"grows", s.site, "+" + format_bytes(s.bytes_per_h) + "/h", share});
  }
  if (a.per_cycle)
    for (std::size_t i = 0; i < a.per_cycle->growing.size() && i < top; ++i) {
      const auto& s = a.per_cycle->growing[i];
      rows.push_back({"keeps per cycle", s.site, "+" + format_bytes(s.bytes_per_cycle),
                      s.share_of_growth ? percent(*s.share_of_growth) + " of the heap kept per cycle" : ""});
    }
  for (std::size_t i = 0; i < a.growth.transient.size() && i < top; ++i) {
    const auto& s = a.growth.transient[i];
    rows.push_back({"came back", s.site, "rose " + format_bytes(s.came_back_bytes) + ", returned", ""});
  }
  return rows;
}

nlohmann::json to_json(const Attribution& a) {
  const auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  const auto sites = [&](const std::vector<analyze::SiteGrowth>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : list)
      out.push_back({{"site", s.site},
                     {"early_bytes", s.early_bytes},
                     {"late_bytes", s.late_bytes},
                     {"peak_bytes", s.peak_bytes},
                     {"bytes_per_h", s.bytes_per_h},
                     {"share_of_growth", opt(s.share_of_growth)},
                     {"share_of_rss_slope", opt(s.share_of_rss_slope)},
                     {"bytes_per_unit", opt(s.bytes_per_unit)}});
    return out;
  };
  const auto& g = a.growth;
  const auto levels = [](const std::vector<double>& v) {
    nlohmann::json out = nlohmann::json::array();
    for (const double x : v) out.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
    return out;
  };
  nlohmann::json per_cycle = nullptr;
  if (const auto& c = a.per_cycle) {
    nlohmann::json growing = nlohmann::json::array();
    for (const auto& s : c->growing)
      growing.push_back({{"site", s.site},
                         {"bytes_per_cycle", s.bytes_per_cycle},
                         {"share_of_growth", opt(s.share_of_growth)},
                         {"levels", levels(s.levels)}});
    per_cycle = {{"reason", c->reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(c->reason)},
                 {"cycles", c->cycles},
                 {"warmup_cycles", c->warmup_cycles},
                 {"judged_cycles", c->judged_cycles},
                 {"heap_bytes_per_cycle", c->heap_bytes_per_cycle},
                 {"heap_levels", levels(c->heap_levels)},
                 {"summary", analyze::cycle_growth_sentence(*c)},
                 {"growing", std::move(growing)}};
  }
  return {{"snapshots", a.snapshots},
          {"mean_bytes", a.mean_bytes},
          {"steady_from_s", a.steady_from_s},
          {"steady_to_s", a.steady_to_s},
          {"reason", g.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(g.reason)},
          {"early", {{"t_s", g.early_t_s}, {"label", g.early_label}, {"heap_bytes", g.heap_early_bytes}}},
          {"late", {{"t_s", g.late_t_s}, {"label", g.late_label}, {"heap_bytes", g.heap_late_bytes}}},
          {"snapshots_used", g.snapshots_used},
          {"heap_growth_per_h", g.heap_growth_per_h},
          {"summary", analyze::growth_sentence(g)},
          {"growing", sites(g.growing)},
          {"transient", sites(g.transient)},
          {"per_cycle", std::move(per_cycle)}};
}

}  // namespace memgate::report
