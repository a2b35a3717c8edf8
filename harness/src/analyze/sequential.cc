#include "analyze/sequential.h"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/normal.hpp>

#include "memgate/error.h"

namespace memgate::analyze {

double obrien_fleming_spent(double information, double alpha) {
  if (!(information > 0)) return 0;
  if (information >= 1) return alpha;
  const boost::math::normal standard;
  const double z = boost::math::quantile(boost::math::complement(standard, alpha / 2));
  return 2 * boost::math::cdf(boost::math::complement(standard, z / std::sqrt(information)));
}

std::vector<Look> plan_looks(const SequentialSettings& s) {
  if (!(s.max_s > 0) || !std::isfinite(s.max_s))
    throw Error(ExitCode::usage, "until-decided: the maximum run length must be a positive duration, e.g. 24h");
  if (!(s.look_ratio > 1) || !(s.first_look_s > 0))
    throw Error(ExitCode::usage, "until-decided: looks must start after 0 s and grow by a ratio above 1");
  std::vector<double> times;
  // A look within 1 % of the maximum is the maximum itself.
  for (double at = s.first_look_s; at < 0.99 * s.max_s; at *= s.look_ratio) times.push_back(at);
  const double looks = static_cast<double>(times.size() + 1);  // and the end of the run
  std::vector<Look> plan;
  double spent_before = 0;
  for (std::size_t k = 0; k < times.size(); ++k) {
    Look look;
    look.at_s = times[k];
    look.information = static_cast<double>(k + 1) / looks;
    look.spent = obrien_fleming_spent(look.information, s.alpha);
    const double share = look.spent - spent_before;
    look.alpha = share >= s.min_look_alpha ? share : 0;
    look.min_steady_s = s.min_steady_s;
    spent_before = look.spent;
    plan.push_back(look);
  }
  return plan;
}

PlateauSettings at_look(PlateauSettings s, const Look& look) {
  s.confidence = look.confidence();
  s.min_steady_s = std::max(s.min_steady_s, look.min_steady_s);
  DecelerationSettings d;
  d.correction = s.correction;
  d.student_t = s.student_t;
  s.defer_decelerating = d;
  return s;
}

LookDecision decide_look(std::span<const Outcome> outcomes) {
  bool all_pass = !outcomes.empty();
  for (const Outcome o : outcomes) {
    if (o == Outcome::fail) return LookDecision::fail;
    if (o != Outcome::pass) all_pass = false;
  }
  return all_pass ? LookDecision::pass : LookDecision::undecided;
}

}  // namespace memgate::analyze
