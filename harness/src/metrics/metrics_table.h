// The pure half of the metrics channel (docs/metrics-channel.md): JSON lines in,
// latest values out. No I/O and no clocks, so it is tested on literal lines. Every
// container is bounded, so a target writing garbage or endless new field names cannot
// grow memgate's memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::metrics {

struct TableLimits {
  std::size_t max_unknown_fields = 64;  // undeclared numeric fields kept (latest value)
  std::size_t max_writers = 64;         // distinct pids remembered
  std::size_t max_accounting_bytes = 4096;
};

// {"pid":P,"cycle_done":N,"cycle_work":K}: the target finished cycle N (K units of work,
// optional) and is quiet now (docs/metrics-channel.md, "Cycles").
struct CycleMark {
  std::size_t cycle = 0;
  std::optional<double> work;
};
inline constexpr std::size_t kMaxPendingMarks = 1024;
inline constexpr std::size_t kMaxCycleWork = 10000;

class MetricsTable {
 public:
  // `declared`: the numeric fields that become samples.csv columns, in this order.
  explicit MetricsTable(std::vector<std::string> declared, TableLimits limits = {});

  // One complete line (without '\n'). Malformed or non-object lines are counted, never thrown.
  void feed(std::string_view line);
  // A line longer than the channel's limit was cut and discarded by the reader.
  void count_oversized() { ++oversized_; }

  const std::vector<std::string>& declared() const { return declared_; }
  // Latest value of declared field i (nullopt until a line carried it).
  std::optional<double> declared_value(std::size_t i) const { return declared_values_[i]; }

  std::uint64_t lines() const { return lines_; }
  std::uint64_t malformed() const { return malformed_; }
  std::uint64_t oversized() const { return oversized_; }
  // The cycle marks fed since the last call (at most kMaxPendingMarks; the runner takes
  // them every tick).
  std::vector<CycleMark> take_cycle_marks() { return std::exchange(pending_marks_, {}); }
  // Figures for report.json: counts, latest values of every field, writers, accounting.
  nlohmann::json figures() const;

 private:
  void take_number(const std::string& key, double value);
  void take_cycle_mark(const nlohmann::json& doc);
  std::vector<std::string> declared_;
  std::vector<std::optional<double>> declared_values_;
  TableLimits limits_;
  std::map<std::string, double> unknown_;       // bounded by limits_.max_unknown_fields
  std::map<pid_t, std::uint64_t> writers_;      // lines per pid, bounded by limits_.max_writers
  std::map<pid_t, nlohmann::json> accounting_;  // the last "accounting" object per pid
  std::vector<CycleMark> pending_marks_;
  std::map<std::size_t, double> cycle_work_;  // work per marked cycle, bounded by kMaxCycleWork
  std::uint64_t cycle_marks_ = 0;
  std::uint64_t lines_ = 0, malformed_ = 0, oversized_ = 0;
  std::uint64_t without_pid_ = 0, dropped_fields_ = 0, dropped_writers_ = 0, dropped_accounting_ = 0;
};

}  // namespace memgate::metrics
