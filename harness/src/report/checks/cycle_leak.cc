// rss-leak-per-cycle, pss-leak-per-cycle, heap-leak-per-cycle, fd-leak-per-cycle,
// thread-leak-per-cycle: the quiescent level after each cycle against the cycle number
// (analyze/cycle_leak.h). Judged on runs whose phases hold cycles ("cycle N quiet": a
// scenario's traffic.cycles, --cycles, or marks on the metrics channel); nothing otherwise.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "report/checks/cycle_leak.h"

#include "analyze/cycle_leak.h"
#include "analyze/trend_stats.h"
#include "memgate/check_names.h"
#include "memgate/cycle_phase.h"
#include "report/check_registry.h"
#include "report/checks/plateau.h"

namespace memgate::report::checks {

namespace {

// A production rate for the projection per day: "2000/s", "2000" (units per second).
struct RateCodec {
  using Value = std::optional<double>;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(std::string text) {
    if (text.ends_with("/s")) text.resize(text.size() - 2);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(v > 0) || !std::isfinite(v))
      throw BadSettingValue{"a rate of work units per second, e.g. 2000/s"};
    return v;
  }
  static Value from_json(const nlohmann::json& v) {
    if (v.is_number()) return from_text(std::to_string(v.get<double>()));
    if (!v.is_string()) throw BadSettingValue{"a rate of work units per second, e.g. \"2000/s\" or 2000"};
    return from_text(v.get<std::string>());
  }
  static nlohmann::json to_meta(const Value& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
  static Value from_meta(const nlohmann::json& v) { return v.is_null() ? Value{} : from_json(v); }
};

// How a quiet phase decides the target has drained: "queue", "cpu" or "time".
struct DrainSignalCodec {
  using Value = DrainSignal;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text) {
    if (text == "queue") return DrainSignal::queue;
    if (text == "cpu") return DrainSignal::cpu;
    if (text == "time") return DrainSignal::time;
    throw BadSettingValue{"queue (the target's queue is empty), cpu (its CPU time stops advancing) or time"};
  }
  static Value from_json(const nlohmann::json& v) {
    if (!v.is_string()) throw BadSettingValue{"\"queue\", \"cpu\" or \"time\""};
    return from_text(v.get<std::string>());
  }
  static nlohmann::json to_meta(const Value& v) {
    return v == DrainSignal::cpu ? "cpu" : v == DrainSignal::time ? "time" : "queue";
  }
  static Value from_meta(const nlohmann::json& v) { return from_json(v); }
};

const Setting<DrainSignalCodec> kCycleDrainSignal{
    "cycle_drain_signal", "SIGNAL",
    "When a cycle's quiet phase is measured: queue (once the target reports an empty queue; default), cpu (also "
    "once the tree's CPU time stops advancing, bounded by the drain and quiet times) or time (the whole quiet phase)",
    DrainSignal::queue};

const Setting<PlateauMetricsCodec> kCycleLeak{
    "cycle_leak",
    "LIST",
    "Series judged per cycle on runs with cycles (--cycles, traffic.cycles, or cycles marked on the metrics "
    "channel): rss,pss,heap,fds,threads or none (default rss,heap,fds; heap needs --allocator)",
    {"rss", "heap", "fds"}};
const Setting<codec::Size> kCycleTolerance{
    "cycle_tolerance", "SIZE", "Memory a cycle may keep (default the larger of 4KiB and 0.1% of the level per cycle)"};
const Setting<codec::Size> kCycleTolerancePerUnit{
    "cycle_tolerance_per_unit", "SIZE",
    "Memory a unit of work (a record) may keep, when the work per cycle is known; replaces cycle_tolerance"};
const Setting<codec::Count> kCycleWarmup{"cycle_warmup", "N",
                                         "Leading cycles left out of the per-cycle leak checks (default: detected, "
                                         "at least 1)"};
const Setting<RateCodec> kProductionRate{
    "production_rate", "RATE",
    "Work units per second in production (e.g. 2000/s): the per-cycle checks project the memory kept per day"};

struct Series {
  const char* metric;
  const char* id;
  const char* what;
  const char* unit;
  std::vector<double> CycleLevels::*levels;
};

constexpr Series kSeries[] = {
    {"rss", check_id::kRssLeakPerCycle, "RSS", "bytes", &CycleLevels::rss},
    {"pss", check_id::kPssLeakPerCycle, "PSS", "bytes", &CycleLevels::pss},
    {"heap", check_id::kHeapLeakPerCycle, "The live heap", "bytes", &CycleLevels::heap},
    {"fds", check_id::kFdLeakPerCycle, "Open fds", "count", &CycleLevels::fds},
    {"threads", check_id::kThreadLeakPerCycle, "Threads", "count", &CycleLevels::threads},
};

// Units of work of each cycle: the records the traffic driver delivered in phase "cycle
// N", else the work the target gave with its marks ({"cycle_done": N, "cycle_work": K}).
std::vector<double> work_per_cycle(const record::RunMeta& meta, std::size_t cycles, std::string& unit) {
  std::vector<double> work(cycles, NAN);
  const auto& samplers = meta.samplers;
  if (const auto t = samplers.find("traffic"); t != samplers.end() && t->contains("phases")) {
    unit = "record";
    for (const auto& row : (*t)["phases"]) {
      if (!row.is_object() || !row.contains("phase") || !row["phase"].is_string()) continue;
      const auto p = parse_cycle_phase(row["phase"].get<std::string>());
      if (p && p->part == CyclePart::load && p->cycle <= cycles && row.contains("accepted") &&
          row["accepted"].is_number())
        work[p->cycle - 1] = row["accepted"].get<double>();
    }
    return work;
  }
  if (const auto m = samplers.find("metrics"); m != samplers.end() && m->contains("cycle_work")) {
    unit = "unit";
    for (const auto& [key, value] : (*m)["cycle_work"].items()) {
      const std::size_t c = std::strtoul(key.c_str(), nullptr, 10);
      if (c >= 1 && c <= cycles && value.is_number()) work[c - 1] = value.get<double>();
    }
  }
  return work;
}

// The cycles the run was planned in: the traffic's cycle phases, else the target's marks.
std::size_t planned_cycles(const record::RunMeta& meta) {
  std::size_t planned = 0;
  const auto& samplers = meta.samplers;
  if (const auto t = samplers.find("traffic"); t != samplers.end() && t->contains("phases"))
    for (const auto& row : (*t)["phases"])
      if (row.is_object() && row.contains("phase") && row["phase"].is_string())
        if (const auto p = parse_cycle_phase(row["phase"].get<std::string>())) planned = std::max(planned, p->cycle);
  if (const auto m = samplers.find("metrics"); m != samplers.end() && m->contains("cycle_work"))
    for (const auto& [key, value] : (*m)["cycle_work"].items())
      planned = std::max<std::size_t>(planned, std::strtoul(key.c_str(), nullptr, 10));
  return std::min(planned, kMaxCycleLevels);
}

// The CPU-idle drain: how long each quiet phase waited for the CPU to stop, and which
// never saw it stop (measured whole: the bound), said in the summary.
void add_cpu_drain(const CycleLevels& levels, CheckResult& r) {
  std::vector<double> waits;
  std::string undrained;
  std::size_t count = 0, measured = 0;
  for (std::size_t i = 0; i < levels.drained.size(); ++i) {
    if (!std::isfinite(levels.drained[i])) continue;
    ++measured;
    if (levels.drained[i] == 0) {
      if (++count <= 5) undrained += (undrained.empty() ? "" : ", ") + std::to_string(i + 1);
      continue;
    }
    if (std::isfinite(levels.wait_s[i])) waits.push_back(levels.wait_s[i]);
  }
  if (count > 5) undrained += ", ...";
  r.figures.push_back({"cpu_drain_wait_s", waits.empty() ? NAN : analyze::median(waits), "s"});
  r.figures.push_back({"undrained_cycles", static_cast<double>(count), "count"});
  if (count > 0)
    r.summary += " The CPU did not go idle in " + std::to_string(count) + " of " + std::to_string(measured) +
                 " quiet phases (cycle " + undrained +
                 "): measured over the whole quiet phase; give the target a longer drain or quiet time.";
}

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  // Cycles whose quiet phase held no drained sample count too (as unmeasured), so a run
  // whose quiet phases were all too short is INCONCLUSIVE rather than silently unjudged.
  const std::size_t cycles = std::max(in.series.cycles.cycles(), planned_cycles(in.meta));
  if (cycles == 0) return;
  CycleLevels levels = in.series.cycles;
  for (auto* v : {&levels.rss, &levels.pss, &levels.heap, &levels.fds, &levels.threads}) v->resize(cycles, NAN);
  const bool any_quiet_sample = in.series.cycles.cycles() > 0;
  std::string work_unit = "unit";
  const std::vector<double> work = work_per_cycle(in.meta, cycles, work_unit);
  const auto& wanted = s.get(kCycleLeak);
  for (const Series& series : kSeries) {
    if (std::find(wanted.begin(), wanted.end(), series.metric) == wanted.end()) continue;
    const std::vector<double>& v = levels.*series.levels;
    // A series the run never recorded (no probe, no PSS reads) is not judged; with no
    // quiet sample at all, RSS (always sampled) says so for the run.
    const bool recorded = any_quiet_sample ? std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })
                                           : std::string(series.metric) == "rss";
    if (!recorded) continue;
    analyze::CycleSettings cs;
    if (const auto warmup = s.get(kCycleWarmup)) cs.warmup_cycles = static_cast<std::size_t>(*warmup);
    cs.production_units_per_s = s.get(kProductionRate);
    const bool counts = std::string(series.unit) == "count";
    if (counts) {
      // A descriptor or a thread is a whole object: keeping one per cycle is a leak.
      cs.tolerance_abs_per_cycle = 0.5;
      cs.tolerance_pct_per_cycle = 0;
    } else {
      if (const auto t = s.get(kCycleTolerance)) {
        cs.tolerance_abs_per_cycle = static_cast<double>(*t);
        cs.tolerance_pct_per_cycle = 0;
      }
      if (const auto t = s.get(kCycleTolerancePerUnit)) cs.tolerance_per_unit = static_cast<double>(*t);
    }
    out.push_back(analyze::cycle_leak_check(series.id, series.what, v, work, series.unit, work_unit, cs));
    if (s.get(kCycleDrainSignal) == DrainSignal::cpu) add_cpu_drain(in.series.cycles, out.back());
  }
}

}  // namespace

DrainSignal cycle_drain_signal(const CheckSettings& s) { return s.get(kCycleDrainSignal); }

const CheckSpec& cycle_leak_checks() {
  static const CheckSpec spec{
      "per-cycle leak",
      {check_id::kRssLeakPerCycle, check_id::kPssLeakPerCycle, check_id::kHeapLeakPerCycle, check_id::kFdLeakPerCycle,
       check_id::kThreadLeakPerCycle},
      {&kCycleLeak, &kCycleTolerance, &kCycleTolerancePerUnit, &kCycleWarmup, &kProductionRate, &kCycleDrainSignal},
      evaluate};
  return spec;
}

}  // namespace memgate::report::checks
