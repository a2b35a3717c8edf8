// memory-headroom: under a memory limit (--memory-max, or --memory-high alone), the
// cgroup's peak and its projected level at the horizon against a share of the limit
// (analyze/headroom.h). Reported only when the run had a limit (meta.json
// samplers.cgroup).
#include <cmath>
#include <cstdlib>

#include "analyze/headroom.h"
#include "memgate/check_names.h"
#include "report/check_registry.h"
#include "report/checks/plateau.h"

namespace memgate::report::checks {

namespace {

// A share of the limit: "85%", "85" (percent), or a number in JSON; in (0, 100].
struct ShareCodec {
  using Value = double;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text) {
    std::string t = text;
    if (!t.empty() && t.back() == '%') t.pop_back();
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !(v > 0 && v <= 100))
      throw BadSettingValue{"a share of the limit between 0 and 100%, such as 85%"};
    return v;
  }
  static Value from_json(const nlohmann::json& v) {
    if (v.is_string()) return from_text(v.get<std::string>());
    if (!v.is_number() || !(v.get<double>() > 0 && v.get<double>() <= 100))
      throw BadSettingValue{"a share of the limit between 0 and 100 (percent), or a string such as \"85%\""};
    return v.get<double>();
  }
  static nlohmann::json to_meta(const Value& v) { return v; }
  static Value from_meta(const nlohmann::json& v) { return from_json(v); }
};

const Setting<ShareCodec> kMaxLimitShare{
    "max_limit_share", "PERCENT",
    "With --memory-max: fail the memory-headroom check when the cgroup's peak, or its projected level at the "
    "horizon, passes this share of the limit (default 85%)",
    85.0};

double number_or(const nlohmann::json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

void evaluate(const CheckInputs& in, const CheckSettings& s, std::vector<CheckResult>& out) {
  const auto it = in.meta.samplers.find("cgroup");
  if (it == in.meta.samplers.end() || !it->is_object()) return;
  const nlohmann::json& cg = *it;
  const bool v1 = cg.value("version", "") == "v1";
  analyze::HeadroomInput h;
  h.limit_bytes = number_or(cg, "memory_max_bytes", NAN);
  h.limit_name = v1 ? "memory.limit_in_bytes" : "memory.max";
  if (std::isnan(h.limit_bytes)) {
    h.limit_bytes = number_or(cg, "memory_high_bytes", NAN);
    h.limit_name = v1 ? "memory.soft_limit_in_bytes" : "memory.high";
  }
  if (!(h.limit_bytes > 0)) return;
  h.max_share_pct = s.get(kMaxLimitShare);
  double peak = number_or(cg, "peak_bytes", 0);
  for (const auto& b : in.series.cgroup_usage.buckets()) peak = std::max(peak, b.max);
  h.peak_bytes = peak;
  auto p = memory_plateau_settings(s);
  p.limit = h.limit_bytes;
  const auto projected = analyze::projected_usage(in.series.cgroup_usage.times(), in.series.cgroup_usage.means(), p);
  out.push_back(analyze::headroom_check(h, projected, p.horizon_s));
}

}  // namespace

const CheckSpec& headroom_check() {
  static const CheckSpec spec{"memory headroom", {check_id::kHeadroom}, {&kMaxLimitShare}, evaluate};
  return spec;
}

}  // namespace memgate::report::checks
