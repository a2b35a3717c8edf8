// Golden files for memgate's outputs, in the manner of Google Benchmark's output_test:
// the expected text is literal, with placeholders where a value may differ between
// machines or runs (tests/README.md):
//
//   {{num}}   any number (1, -2.5, 3e+07)     {{int}}   any integer
//   {{ts}}    an ISO-8601 UTC timestamp       {{path}}  a path (no spaces)
//   {{any}}   any text (the rest of the line, or up to the next literal)
//
// JSON is compared as a tree: the same keys, the same types and equal values, where a
// golden string that is one placeholder stands for a value of that kind ({{num}}: any
// number, {{json}}: any value at all) and a string with placeholders inside matches like
// a line of text.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::golden {

// Empty when `actual` matches `golden`, else one line per difference (at most a few).
std::vector<std::string> match_text(const std::string& golden, const std::string& actual);
std::vector<std::string> match_json(const nlohmann::json& golden, const nlohmann::json& actual);

// Regeneration: the actual output with placeholders put back where the previous golden
// had them (and still matches) and where the rules say a value is host-specific:
// `volatile_paths` (e.g. a temporary directory) become {{path}}; ISO timestamps become
// {{ts}}; in JSON, values of keys named in `volatile_keys` become {{any}} / {{num}}.
struct Rules {
  std::vector<std::string> volatile_paths;
  std::vector<std::string> volatile_keys;
};
std::string regenerate_text(const std::string& previous, const std::string& actual, const Rules& rules);
nlohmann::json regenerate_json(const nlohmann::json& previous, const nlohmann::json& actual, const Rules& rules);

// MEMGATE_UPDATE_GOLDEN=1 in the environment.
bool update_requested();

}  // namespace memgate::golden
