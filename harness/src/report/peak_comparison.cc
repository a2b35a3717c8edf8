#include "report/peak_comparison.h"

#include "memgate/error.h"

#include "memgate/units.h"
#include "record/sample_log.h"

namespace memgate::report {
namespace {

nlohmann::json bytes_or_null(const MetricSummary& m) {
  return m.samples ? nlohmann::json(m.max) : nlohmann::json(nullptr);
}

nlohmann::json difference(std::uint64_t a, const nlohmann::json& b) {
  if (!b.is_number()) return nullptr;
  return static_cast<double>(a) - b.get<double>();
}

}  // namespace

void check_ebpf_section(const nlohmann::json& ebpf) {
  const auto bad = [](const std::string& field, const char* expected) {
    throw Error(ExitCode::usage, "meta.json: samplers.ebpf." + field + ": expected " + expected);
  };
  if (!ebpf.is_object()) bad("", "an object");
  if (ebpf.contains("supported") && !ebpf["supported"].is_boolean()) bad("supported", "true or false");
  // Integers of either signedness: meta read from disk holds unsigned ones, meta still in
  // memory (an io-error run judged before its file is written) signed ones.
  const auto count = [](const nlohmann::json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0; };
  for (const char* key : {"peak_bytes", "fork_corrected_peak_bytes", "fork_copy_bytes"})
    if (ebpf.contains(key) && !count(ebpf[key])) bad(key, "a number of bytes");
  if (!ebpf.contains("processes")) return;
  if (!ebpf["processes"].is_array()) bad("processes", "an array");
  for (const auto& p : ebpf["processes"]) {
    if (!p.is_object() || !count(p.value("pid", nlohmann::json())) || !p.value("comm", nlohmann::json()).is_string() ||
        (p.contains("peak_bytes") && !count(p["peak_bytes"])))
      bad("processes", "objects with a numeric pid, a comm string and peak_bytes");
  }
}

std::set<ProcessKey> ebpf_processes(const nlohmann::json& ebpf) {
  std::set<ProcessKey> keys;
  if (!ebpf.is_object() || !ebpf.value("supported", false) || !ebpf.contains("processes")) return keys;
  for (const auto& p : ebpf["processes"]) keys.insert({p.value("pid", 0), record::csv_safe(p.value("comm", ""))});
  return keys;
}

nlohmann::json compare_peaks(const nlohmann::json& ebpf, const std::map<ProcessKey, std::uint64_t>& proc_hwm,
                             const RunSummary& summary) {
  if (!ebpf.is_object() || !ebpf.value("supported", false)) return nullptr;
  const auto tree_peak = ebpf.value("peak_bytes", std::uint64_t{0});
  const nlohmann::json rss_peak = bytes_or_null(summary.rss);
  nlohmann::json tree = {
      {"ebpf_peak_bytes", tree_peak},                          // the sum over the tree at one instant
      {"proc_rss_peak_bytes", rss_peak},                       // the largest polled tree sum
      {"proc_hwm_max_bytes", bytes_or_null(summary.hwm_max)},  // the largest polled per-process VmHWM
      {"missed_by_polling_bytes", difference(tree_peak, rss_peak)},
      // Runs recorded before the fork correction have neither: null.
      {"ebpf_fork_corrected_peak_bytes", ebpf.value("fork_corrected_peak_bytes", nlohmann::json(nullptr))},
      {"fork_copy_bytes", ebpf.value("fork_copy_bytes", nlohmann::json(nullptr))},
  };
  nlohmann::json processes = nlohmann::json::array();
  if (ebpf.contains("processes"))
    for (const auto& p : ebpf["processes"]) {
      const ProcessKey key{p.value("pid", 0), record::csv_safe(p.value("comm", ""))};
      const auto peak = p.value("peak_bytes", std::uint64_t{0});
      const auto it = proc_hwm.find(key);
      const nlohmann::json hwm = it == proc_hwm.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
      nlohmann::json row = {{"pid", key.first},
                            {"comm", key.second},
                            {"ebpf_peak_bytes", peak},
                            {"proc_hwm_bytes", hwm},  // null: never polled (lived between process ticks)
                            {"ebpf_minus_proc_hwm_bytes", difference(peak, hwm)}};
      // At exit the kernel's final high-water mark (ru_maxrss), which polling can miss.
      if (p.contains("maxrss_bytes")) row["kernel_maxrss_bytes"] = p["maxrss_bytes"];
      processes.push_back(std::move(row));
    }
  return {{"tree", tree}, {"processes", processes}};
}

std::string peaks_line(const nlohmann::json& peaks, std::size_t max_processes) {
  if (!peaks.is_object()) return "";
  const auto& tree = peaks["tree"];
  auto amount = [](const nlohmann::json& v) {
    return v.is_number() ? format_bytes(v.get<double>()) : std::string("n/a");
  };
  std::string fork_note;
  if (tree.value("fork_copy_bytes", nlohmann::json(nullptr)).is_number() && tree["fork_copy_bytes"].get<double>() > 0)
    fork_note = " (" + amount(tree["ebpf_fork_corrected_peak_bytes"]) + " without the " +
                amount(tree["fork_copy_bytes"]) + " forked children shared copy-on-write with their parent)";
  std::string line = "peaks, eBPF exact vs /proc: tree " + amount(tree["ebpf_peak_bytes"]) + fork_note +
                     " vs RSS-sum peak " + amount(tree["proc_rss_peak_bytes"]) + " (largest VmHWM " +
                     amount(tree["proc_hwm_max_bytes"]) + ")";
  std::size_t shown = 0;
  for (const auto& p : peaks["processes"]) {
    if (shown++ == max_processes) break;
    line += (shown == 1 ? "; " : ", ") + std::string("pid ") + std::to_string(p["pid"].get<int>()) + " " +
            p["comm"].get<std::string>() + " " + amount(p["ebpf_peak_bytes"]) + " vs VmHWM " +
            (p["proc_hwm_bytes"].is_number() ? amount(p["proc_hwm_bytes"]) : std::string("never polled"));
    if (p.contains("kernel_maxrss_bytes")) line += " (at exit " + amount(p["kernel_maxrss_bytes"]) + ")";
  }
  return line;
}

}  // namespace memgate::report
