#include "report/so_far.h"

#include <algorithm>
#include <cctype>

#include "memgate/units.h"

namespace memgate::report {

namespace {
constexpr const char* kRunComplete = "run-complete";

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}
}  // namespace

SoFar verdict_so_far(const RunAnalysis& a) {
  SoFar out;
  std::vector<CheckResult> others;
  for (const auto& c : a.checks)
    if (c.id != kRunComplete) {
      others.push_back(c);
      if (c.outcome == Outcome::inconclusive) out.undecided.push_back(&c);
    }
  out.verdict = combine(others);
  return out;
}

nlohmann::json progress_json(const RunAnalysis& a) {
  if (a.meta.status != "running") return nullptr;
  const SoFar so_far = verdict_so_far(a);
  nlohmann::json to_decide = nlohmann::json::array();
  for (const CheckResult* c : so_far.undecided) to_decide.push_back({{"check", c->id}, {"summary", c->summary}});
  nlohmann::json p = {{"still_going", a.series.still_running},
                      {"sampled_s", a.summary.duration_s},
                      {"verdict_so_far", to_string(so_far.verdict.outcome)},
                      {"reason_so_far", so_far.verdict.reason},
                      {"to_decide", to_decide}};
  if (a.meta.planned_duration_s) p["left_s"] = std::max(0.0, *a.meta.planned_duration_s - a.summary.duration_s);
  return p;
}

std::string so_far_text(const RunAnalysis& a) {
  const SoFar so_far = verdict_so_far(a);
  // Never the word PASS: an unfinished run is not one, whatever its checks say so far.
  if (so_far.verdict.outcome == Outcome::pass) return "no check failed so far";
  return "so far " + upper(to_string(so_far.verdict.outcome)) + " (" + so_far.verdict.reason + ")";
}

std::string progress_text(const RunAnalysis& a) {
  if (a.meta.status != "running") return "";
  std::string out = a.series.still_running ? "  the run is still going: " : "  the run did not finish: ";
  out += so_far_text(a) + "\n";
  for (const CheckResult* c : verdict_so_far(a).undecided) out += "  to decide " + c->id + ": " + c->summary + "\n";
  return out;
}

}  // namespace memgate::report
