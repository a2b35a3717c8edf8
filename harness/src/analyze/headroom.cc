#include "analyze/headroom.h"

#include <cmath>
#include <cstdio>

#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", share);
  return text;
}

}  // namespace

std::optional<double> projected_usage(std::span<const double> t_s, std::span<const double> usage,
                                      const PlateauSettings& settings) {
  if (t_s.empty()) return std::nullopt;
  const PlateauAnalysis a = analyze_plateau(t_s, usage, settings);
  if (!a.reason.empty() || a.outcome != Outcome::fail) return std::nullopt;
  return a.projected_at_horizon;
}

CheckResult headroom_check(const HeadroomInput& in, std::optional<double> projected, double horizon_s) {
  CheckResult c;
  c.id = check_id::kHeadroom;
  const double limit = in.limit_bytes;
  const double share = limit > 0 ? 100.0 * in.peak_bytes / limit : 0;
  const double allowed = limit * in.max_share_pct / 100.0;
  c.figures = {{"limit", limit, "bytes"},
               {"peak", in.peak_bytes, "bytes"},
               {"peak_share", share, "%"},
               {"headroom", limit - in.peak_bytes, "bytes"},
               {"max_share", in.max_share_pct, "%"}};
  std::string text = "peak " + format_bytes(in.peak_bytes) + " is " + percent(share) + " of the " +
                     format_bytes(limit) + " limit (" + in.limit_name +
                     "): " + format_bytes(std::max(0.0, limit - in.peak_bytes)) + " (" +
                     percent(std::max(0.0, 100 - share)) + ") headroom left";
  bool over = in.peak_bytes > allowed;
  if (projected) {
    const double p_share = 100.0 * *projected / limit;
    c.figures.push_back({"projected_at_horizon", *projected, "bytes"});
    c.figures.push_back({"projected_share", p_share, "%"});
    text += "; growing, it reaches " + format_bytes(*projected) + " (" + percent(p_share) + ") at " +
            format_duration(horizon_s);
    over = over || *projected > allowed;
  }
  c.outcome = over ? Outcome::fail : Outcome::pass;
  c.summary = text + (over ? "; more than the " + percent(in.max_share_pct) + " allowed (--max-limit-share)"
                           : ", within the " + percent(in.max_share_pct) + " allowed");
  return c;
}

}  // namespace memgate::analyze
