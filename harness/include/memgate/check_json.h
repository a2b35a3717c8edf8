// CheckResult <-> JSON, the one representation used in report.json and in meta.json's
// "sampler_checks" (the checks a sampler decided, e.g. the allocator probe's "allocator",
// eBPF's "oom-kills"), so `memgate report DIR` reproduces them without the target.
#pragma once

#include <nlohmann/json.hpp>

#include "memgate/check.h"

namespace memgate {

inline void to_json(nlohmann::json& j, const CheckResult& c) {
  nlohmann::json figures = nlohmann::json::object();
  for (const auto& f : c.figures) figures[f.name] = {{"value", f.value}, {"unit", f.unit}};
  j = {{"id", c.id}, {"outcome", to_string(c.outcome)}, {"summary", c.summary}, {"figures", figures}};
}

inline void from_json(const nlohmann::json& j, CheckResult& c) {
  c.id = j.at("id").get<std::string>();
  const std::string outcome = j.at("outcome").get<std::string>();
  c.outcome = outcome == "pass" ? Outcome::pass : outcome == "fail" ? Outcome::fail : Outcome::inconclusive;
  c.summary = j.value("summary", "");
  c.figures.clear();
  const nlohmann::json figures = j.value("figures", nlohmann::json::object());  // named: items() must not outlive it
  for (const auto& [name, f] : figures.items()) c.figures.push_back({name, f.value("value", 0.0), f.value("unit", "")});
}

}  // namespace memgate
