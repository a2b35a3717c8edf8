// baseline: compares this run's figures with those of the baseline runs analyze_run_dir
// loaded (report/baseline_runs.h). Registered after burst recovery, whose `retained`
// figure it reads from the results before it.
#include "report/checks/baseline.h"

#include "memgate/check_names.h"
#include "report/baseline_runs.h"
#include "report/check_registry.h"

namespace memgate::report::checks {

const Setting<BaselinePathCodec> kBaseline{
    "baseline", "PATH",
    "Compare with a known good run: a run directory, its report.json, or a directory of runs (repeats); "
    "FAIL on a figure that grew beyond --max-increase by more than the runs vary (docs/baselines.md)"};
const Setting<MaxIncreaseCodec> kMaxIncrease{
    "max_increase", "AMOUNT",
    "Baseline: growth of a figure that still passes: 10%, 5MiB, or both (10%,5MiB; the larger wins; default 10%)",
    analyze::MaxIncrease{}};

namespace {

constexpr const char* kExpected = "a share such as 10%, an amount such as 5MiB, or both (10%,5MiB)";

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  if (s.get(kBaseline).empty()) return;
  const std::string& name = s.get(kBaseline);
  if (in.baseline == nullptr || !in.baseline->error.empty()) {
    out.push_back({check_id::kBaseline,
                   Outcome::inconclusive,
                   "the baseline " + name +
                       " cannot be read: " + (in.baseline ? in.baseline->error : std::string("it was not loaded")),
                   {}});
    return;
  }
  const auto figures = run_figures(in, out);
  out.push_back(analyze::baseline_check(analyze::compare_runs(figures, in.baseline->runs, s.get(kMaxIncrease)), name));
}

}  // namespace

BaselinePathCodec::Value BaselinePathCodec::from_text(const std::string& text) {
  if (text.empty()) throw BadSettingValue{"a run directory, a report.json or a directory of runs"};
  return text;
}

BaselinePathCodec::Value BaselinePathCodec::from_json(const nlohmann::json& v) {
  if (!v.is_string()) throw BadSettingValue{"a path as a string"};
  return from_text(v.get<std::string>());
}

nlohmann::json BaselinePathCodec::to_meta(const Value& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); }

BaselinePathCodec::Value BaselinePathCodec::from_meta(const nlohmann::json& v) {
  return v.is_null() ? Value{} : from_json(v);
}

MaxIncreaseCodec::Value MaxIncreaseCodec::from_text(const std::string& text) {
  if (const auto m = analyze::parse_max_increase(text)) return *m;
  throw BadSettingValue{kExpected};
}

MaxIncreaseCodec::Value MaxIncreaseCodec::from_json(const nlohmann::json& v) {
  if (!v.is_string()) throw BadSettingValue{kExpected};
  return from_text(v.get<std::string>());
}

nlohmann::json MaxIncreaseCodec::to_meta(const Value& v) { return {{"pct", v.pct}, {"abs_bytes", v.abs_bytes}}; }

MaxIncreaseCodec::Value MaxIncreaseCodec::from_meta(const nlohmann::json& v) {
  if (!v.is_object() || !v.value("pct", nlohmann::json()).is_number() ||
      !v.value("abs_bytes", nlohmann::json()).is_number())
    throw BadSettingValue{"{\"pct\": N, \"abs_bytes\": N}"};
  const analyze::MaxIncrease m{v["pct"].get<double>(), v["abs_bytes"].get<double>()};
  if (!(m.pct >= 0) || !(m.abs_bytes >= 0)) throw BadSettingValue{"{\"pct\": N, \"abs_bytes\": N} with N >= 0"};
  return m;
}

const CheckSpec& baseline_check() {
  static const CheckSpec spec{"baseline", {check_id::kBaseline}, {&kBaseline, &kMaxIncrease}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
