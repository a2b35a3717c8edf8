// Scenario profiles: named variants of one scenario file, e.g. its CI form or the run
// with a pipeline's anti-pattern. A profile is a JSON merge patch (RFC 7386) applied to
// the document before it is validated, so a profile can change anything a scenario
// says and is checked exactly like the file itself. Pure: JSON in, JSON out.
//
//   "profiles": {
//     "ci": {"traffic": {"time_scale": 3}, "checks": {"plateau": "none"}},
//     "unbounded_queue": {"target": {"antipattern": "unbounded_queue"}}
//   }
//
// Objects merge key by key (so profiles touching different keys compose); arrays and
// values are replaced; null deletes a key.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::scenario {

// What the command line changes in a scenario, applied in this order.
struct Overrides {
  // A constructor, not an aggregate: `{profiles, time_scale}` keeps meaning what it did
  // before `size` was added.
  Overrides(std::vector<std::string> profiles_ = {}, std::optional<double> time_scale_ = std::nullopt,
            std::optional<double> size_ = std::nullopt)
      : profiles(std::move(profiles_)), time_scale(time_scale_), size(size_) {}
  std::vector<std::string> profiles;  // `--profile ci,unbounded_queue`: patches, in order
  std::optional<double> time_scale;   // `--time-scale N`: replaces traffic.time_scale
  std::optional<double> size;         // `memgate sizes`: one size of the "sizes" sweep (scenario/sizes.h)
};

// The profile names a document offers (sorted), for messages and listings.
std::vector<std::string> profile_names(const nlohmann::json& doc);

// The document with the overrides applied and its "profiles" key removed. Throws
// Error(usage) naming `file` for an unknown profile (listing the known ones), a profile
// that is not an object or that defines profiles itself, and a time scale on a scenario
// without traffic or outside (0, 1e6].
nlohmann::json apply_overrides(nlohmann::json doc, const Overrides& overrides, const std::string& file);

}  // namespace memgate::scenario
