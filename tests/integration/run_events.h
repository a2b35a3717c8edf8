// A run directory's events.jsonl, read back by the integration tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::testing {

// The events of one kind, in order.
std::vector<nlohmann::json> events(const std::string& dir, const std::string& kind);

}  // namespace memgate::testing
