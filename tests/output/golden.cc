#include "output/golden.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace memgate::golden {

namespace {

constexpr std::size_t kMaxDifferences = 20;

const char* const kTimestamp = R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z)";

struct Placeholder {
  const char* name;
  const char* regex;
};
const Placeholder kPlaceholders[] = {
    {"{{num}}", R"([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?inf|nan)"},
    {"{{int}}", R"([-+]?[0-9]+)"},
    {"{{ts}}", kTimestamp},
    {"{{path}}", R"([^\s]+)"},
    {"{{any}}", R"(.*)"},
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;  // "a\n" -> {"a", ""}: a missing last newline is a difference too
}

std::string escape_regex(const std::string& literal) {
  static const std::string special = R"(\^$.|?*+()[]{}/)";
  std::string out;
  for (char c : literal) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// A golden line as a regex: literal text between the placeholders.
std::regex line_regex(const std::string& golden) {
  std::string pattern;
  std::size_t at = 0;
  while (at < golden.size()) {
    const Placeholder* found = nullptr;
    std::size_t found_at = std::string::npos;
    for (const auto& p : kPlaceholders) {
      const auto pos = golden.find(p.name, at);
      if (pos < found_at) {
        found_at = pos;
        found = &p;
      }
    }
    pattern += escape_regex(golden.substr(at, found_at == std::string::npos ? std::string::npos : found_at - at));
    if (!found) break;
    pattern += std::string("(") + found->regex + ")";
    at = found_at + std::string(found->name).size();
  }
  return std::regex(pattern);
}

bool has_placeholder(const std::string& s) {
  return std::any_of(std::begin(kPlaceholders), std::end(kPlaceholders),
                     [&](const Placeholder& p) { return s.find(p.name) != std::string::npos; });
}

bool line_matches(const std::string& golden, const std::string& actual) {
  if (!has_placeholder(golden)) return golden == actual;
  return std::regex_match(actual, line_regex(golden));
}

std::string type_name(const nlohmann::json& j) {
  if (j.is_number_integer()) return "integer";
  if (j.is_number_float()) return "float";
  return j.type_name();
}

void compare(const nlohmann::json& g, const nlohmann::json& a, const std::string& path, std::vector<std::string>& out) {
  if (out.size() >= kMaxDifferences) return;
  const auto differ = [&](const std::string& what) { out.push_back(path + ": " + what); };
  if (g.is_string()) {
    const auto& text = g.get_ref<const std::string&>();
    if (text == "{{json}}") return;
    if (text == "{{num}}") {
      if (!a.is_number()) differ("expected a number, got " + a.dump());
      return;
    }
    if (text == "{{int}}") {
      if (!a.is_number_integer()) differ("expected an integer, got " + a.dump());
      return;
    }
    if (!a.is_string()) return differ("expected a string " + g.dump() + ", got " + type_name(a) + " " + a.dump());
    if (!line_matches(text, a.get_ref<const std::string&>())) differ("expected " + g.dump() + ", got " + a.dump());
    return;
  }
  if (type_name(g) != type_name(a))
    return differ("expected " + type_name(g) + " " + g.dump() + ", got " + type_name(a) + " " + a.dump());
  if (g.is_object()) {
    for (const auto& [key, value] : g.items())
      if (!a.contains(key)) differ("key \"" + key + "\" is missing");
    for (const auto& [key, value] : a.items())
      if (!g.contains(key)) differ("unexpected key \"" + key + "\": " + value.dump());
    for (const auto& [key, value] : g.items())
      if (a.contains(key)) compare(value, a[key], path + "." + key, out);
  } else if (g.is_array()) {
    if (g.size() != a.size())
      differ("expected " + std::to_string(g.size()) + " elements, got " + std::to_string(a.size()));
    for (std::size_t i = 0; i < std::min(g.size(), a.size()); ++i)
      compare(g[i], a[i], path + "[" + std::to_string(i) + "]", out);
  } else if (g.is_number_float()) {
    // The same arithmetic on another libm may differ in the last bits, never more.
    const double x = g.get<double>(), y = a.get<double>();
    if (!(std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)) + 1e-12))
      differ("expected " + g.dump() + ", got " + a.dump());
  } else if (g != a) {
    differ("expected " + g.dump() + ", got " + a.dump());
  }
}

std::string apply_rules(std::string text, const Rules& rules) {
  auto paths = rules.volatile_paths;
  std::sort(paths.begin(), paths.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  for (const auto& p : paths) {
    if (p.empty()) continue;
    for (auto at = text.find(p); at != std::string::npos; at = text.find(p, at + 8))
      text.replace(at, p.size(), "{{path}}");
  }
  return std::regex_replace(text, std::regex(kTimestamp), "{{ts}}");
}

nlohmann::json regenerate(const nlohmann::json* previous, const nlohmann::json& actual, const std::string& key,
                          const Rules& rules) {
  const bool was_placeholder =
      previous && previous->is_string() && (has_placeholder(previous->get<std::string>()) || *previous == "{{json}}");
  if (was_placeholder) {
    std::vector<std::string> differences;
    compare(*previous, actual, "", differences);
    if (differences.empty()) return *previous;
  }
  if (actual.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : actual.items()) {
      const nlohmann::json* p = previous && previous->is_object() && previous->contains(k) ? &(*previous)[k] : nullptr;
      out[k] = regenerate(p, v, k, rules);
    }
    return out;
  }
  if (actual.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < actual.size(); ++i) {
      const nlohmann::json* p = previous && previous->is_array() && i < previous->size() ? &(*previous)[i] : nullptr;
      out.push_back(regenerate(p, actual[i], key, rules));
    }
    return out;
  }
  const bool is_volatile =
      std::find(rules.volatile_keys.begin(), rules.volatile_keys.end(), key) != rules.volatile_keys.end();
  if (is_volatile && actual.is_number()) return "{{num}}";
  if (is_volatile && actual.is_string()) return "{{any}}";
  if (actual.is_string()) return apply_rules(actual.get<std::string>(), rules);
  return actual;
}

}  // namespace

std::vector<std::string> match_text(const std::string& golden, const std::string& actual) {
  const auto g = lines_of(golden), a = lines_of(actual);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::max(g.size(), a.size()) && out.size() < kMaxDifferences; ++i) {
    const std::string where = "line " + std::to_string(i + 1) + ": ";
    if (i >= g.size()) out.push_back(where + "unexpected line: " + a[i]);
    else if (i >= a.size()) out.push_back(where + "missing line: " + g[i]);
    else if (!line_matches(g[i], a[i])) out.push_back(where + "expected\n    " + g[i] + "\n  got\n    " + a[i]);
  }
  return out;
}

std::vector<std::string> match_json(const nlohmann::json& golden, const nlohmann::json& actual) {
  std::vector<std::string> out;
  compare(golden, actual, "$", out);
  return out;
}

std::string regenerate_text(const std::string& previous, const std::string& actual, const Rules& rules) {
  const auto p = lines_of(previous), a = lines_of(actual);
  std::string out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0) out += '\n';
    out += i < p.size() && has_placeholder(p[i]) && line_matches(p[i], a[i]) ? p[i] : apply_rules(a[i], rules);
  }
  return out;
}

nlohmann::json regenerate_json(const nlohmann::json& previous, const nlohmann::json& actual, const Rules& rules) {
  return regenerate(previous.is_discarded() || previous.is_null() ? nullptr : &previous, actual, "", rules);
}

bool update_requested() {
  const char* v = std::getenv("MEMGATE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

}  // namespace memgate::golden
