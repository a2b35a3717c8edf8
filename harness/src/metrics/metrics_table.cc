#include "metrics/metrics_table.h"

#include <algorithm>
#include <cmath>

namespace memgate::metrics {

MetricsTable::MetricsTable(std::vector<std::string> declared, TableLimits limits)
    : declared_(std::move(declared)), declared_values_(declared_.size()), limits_(limits) {}

void MetricsTable::take_number(const std::string& key, double value) {
  const auto it = std::find(declared_.begin(), declared_.end(), key);
  if (it != declared_.end()) {
    declared_values_[static_cast<std::size_t>(it - declared_.begin())] = value;
    return;
  }
  auto known = unknown_.find(key);
  if (known != unknown_.end()) known->second = value;
  else if (unknown_.size() < limits_.max_unknown_fields) unknown_.emplace(key, value);
  else ++dropped_fields_;
}

void MetricsTable::take_cycle_mark(const nlohmann::json& doc) {
  const auto done = doc.find("cycle_done");
  if (done == doc.end() || !done->is_number_integer() || done->get<std::int64_t>() < 1) return;
  CycleMark mark{static_cast<std::size_t>(done->get<std::int64_t>()), std::nullopt};
  if (const auto work = doc.find("cycle_work"); work != doc.end() && work->is_number()) {
    const double w = work->get<double>();
    if (std::isfinite(w) && w >= 0) mark.work = w;
  }
  ++cycle_marks_;
  if (mark.work && (cycle_work_.count(mark.cycle) || cycle_work_.size() < kMaxCycleWork))
    cycle_work_[mark.cycle] = *mark.work;
  if (pending_marks_.size() < kMaxPendingMarks) pending_marks_.push_back(mark);
}

void MetricsTable::feed(std::string_view line) {
  ++lines_;
  const auto doc = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    ++malformed_;
    return;
  }
  pid_t pid = 0;
  if (const auto p = doc.find("pid"); p != doc.end() && p->is_number_integer()) pid = p->get<pid_t>();
  if (pid == 0) ++without_pid_;
  auto writer = writers_.find(pid);
  if (writer != writers_.end()) ++writer->second;
  else if (writers_.size() < limits_.max_writers) writers_.emplace(pid, 1);
  else ++dropped_writers_;

  take_cycle_mark(doc);
  for (const auto& [key, value] : doc.items()) {
    if (key == "pid") continue;
    if (key == "accounting" && value.is_object()) {
      // Bounded by the line length already; the pid map is bounded like the writers.
      if (accounting_.count(pid) || accounting_.size() < limits_.max_writers) accounting_[pid] = value;
      else ++dropped_accounting_;
    } else if (value.is_number()) {
      const double v = value.get<double>();
      if (std::isfinite(v)) take_number(key, v);
    } else if (value.is_boolean()) {
      take_number(key, value.get<bool>() ? 1.0 : 0.0);  // "throttled": true plots as 1
    }
    // Strings, arrays and other objects are not metrics: ignored.
  }
}

nlohmann::json MetricsTable::figures() const {
  nlohmann::json last = nlohmann::json::object();
  for (std::size_t i = 0; i < declared_.size(); ++i)
    if (declared_values_[i]) last[declared_[i]] = *declared_values_[i];
  for (const auto& [k, v] : unknown_) last[k] = v;
  nlohmann::json writers = nlohmann::json::array();
  for (const auto& [pid, n] : writers_) writers.push_back({{"pid", pid}, {"lines", n}});
  nlohmann::json f = {{"lines", lines_},
                      {"malformed_lines", malformed_},
                      {"oversized_lines", oversized_},
                      {"lines_without_pid", without_pid_},
                      {"declared", declared_},
                      {"last", last},
                      {"writers", writers},
                      {"dropped_fields", dropped_fields_},
                      {"dropped_writers", dropped_writers_}};
  // With one writer the accounting line is reported as is; several keep their pids.
  if (accounting_.size() == 1) {
    f["accounting"] = accounting_.begin()->second;
  } else if (!accounting_.empty()) {
    nlohmann::json per_pid = nlohmann::json::object();
    for (const auto& [pid, a] : accounting_) per_pid[std::to_string(pid)] = a;
    f["accounting_by_pid"] = per_pid;
  }
  if (dropped_accounting_) f["dropped_accounting"] = dropped_accounting_;
  if (cycle_marks_ > 0) {
    f["cycle_marks"] = cycle_marks_;
    nlohmann::json work = nlohmann::json::object();
    for (const auto& [cycle, w] : cycle_work_) work[std::to_string(cycle)] = w;
    f["cycle_work"] = work;
  }
  return f;
}

}  // namespace memgate::metrics
