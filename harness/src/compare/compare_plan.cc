#include "compare/compare_plan.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "memgate/error.h"

namespace memgate::compare {

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// "/opt/lib/libhoard.so" → "libhoard.so"; names stay as they are.
std::string default_label(const std::string& allocator) {
  const auto slash = allocator.rfind('/');
  return slash == std::string::npos ? allocator : allocator.substr(slash + 1);
}

bool is_env_name(std::string_view key) {
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "jemalloc:dirty_decay_ms=0:muzzy_decay_ms=0" -> jemalloc, MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0;
// "mimalloc:purge_delay=0" -> MIMALLOC_PURGE_DELAY=0; an environment name (MALLOC_ARENA_MAX=2) as it is.
Variant knob_variant(const std::string& entry, std::string_view list) {
  const auto usage = [&](const std::string& problem) {
    return Error(ExitCode::usage, "--allocators '" + std::string(list) + "': " + problem +
                                      " (a knob sweep entry is ALLOCATOR:KEY=VALUE[:KEY=VALUE], e.g. "
                                      "jemalloc:dirty_decay_ms=0 or glibc:MALLOC_ARENA_MAX=2)");
  };
  const auto colon = entry.find(':');
  Variant v{entry, entry.substr(0, colon), {}};
  if (v.allocator.empty()) throw usage("'" + entry + "' names no allocator");
  std::string conf;  // jemalloc's MALLOC_CONF options, joined
  for (std::size_t at = colon + 1; at <= entry.size();) {
    const auto next = std::min(entry.find(':', at), entry.size());
    const std::string knob = entry.substr(at, next - at);
    const auto eq = knob.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == knob.size()) throw usage("'" + knob + "' is not KEY=VALUE");
    const std::string key = knob.substr(0, eq), value = knob.substr(eq + 1);
    if (is_env_name(key)) v.alloc_env.push_back(knob);
    else if (v.allocator == "jemalloc") conf += (conf.empty() ? "" : ",") + key + ":" + value;
    else if (v.allocator == "mimalloc") v.alloc_env.push_back("MIMALLOC_" + upper(key) + "=" + value);
    else throw usage("'" + key + "': give " + v.allocator + "'s knob by its environment name (e.g. MALLOC_ARENA_MAX)");
    at = next + 1;
  }
  if (!conf.empty()) v.alloc_env.push_back("MALLOC_CONF=" + conf);
  return v;
}

}  // namespace

bool valid_label(std::string_view label) {
  if (label.empty() || label == "." || label == "..") return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '+' || c == '-' || c == ':' || c == '=';
  });
}

void check_variants(const std::vector<Variant>& variants) {
  if (variants.empty())
    throw Error(ExitCode::usage,
                "nothing to compare: give --allocators glibc,jemalloc,... or --variant LABEL=ALLOCATOR");
  std::set<std::string> seen;
  for (const auto& v : variants) {
    if (!valid_label(v.label))
      throw Error(ExitCode::usage,
                  "variant label '" + v.label +
                      "' cannot name a run directory: use letters, digits, '.', '_', '+', '-', ':', '=' "
                      "(--variant LABEL=ALLOCATOR)");
    if (!seen.insert(v.label).second)
      throw Error(
          ExitCode::usage,
          "'" + v.label + "' is compared twice: give each variant its own label (--variant LABEL=ALLOCATOR ...)");
  }
}

std::vector<Variant> parse_allocator_list(std::string_view list) {
  std::vector<Variant> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const std::string name =
        trim(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (name.empty())
      throw Error(ExitCode::usage,
                  "--allocators '" + std::string(list) +
                      "' has an empty entry: list names separated by commas, e.g. glibc,jemalloc,mimalloc,tcmalloc");
    // A knob sweep entry names its knobs: jemalloc:dirty_decay_ms=0 (a path has no ':').
    if (name.find(':') != std::string::npos) out.push_back(knob_variant(name, list));
    else out.push_back({default_label(name), name, {}});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Variant parse_variant(std::string_view spec) {
  const std::string text = trim(spec);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < text.size();) {
    const auto end = std::min(text.find(' ', i), text.size());
    if (end > i) words.push_back(text.substr(i, end - i));
    i = end + 1;
  }
  const auto usage = [&](const std::string& problem) {
    return Error(ExitCode::usage, "--variant '" + std::string(spec) + "': " + problem +
                                      " (expected LABEL=ALLOCATOR [KEY=VALUE ...], e.g. "
                                      "'je-nodecay=jemalloc MALLOC_CONF=dirty_decay_ms:0')");
  };
  if (words.empty()) throw usage("empty");
  const auto eq = words[0].find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == words[0].size()) throw usage("no LABEL=ALLOCATOR");
  Variant v{words[0].substr(0, eq), words[0].substr(eq + 1), {}};
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto knob_eq = words[i].find('=');
    if (knob_eq == std::string::npos || knob_eq == 0) throw usage("'" + words[i] + "' is not KEY=VALUE");
    v.alloc_env.push_back(words[i]);
  }
  if (!valid_label(v.label))
    throw usage("label '" + v.label + "' must use letters, digits, '.', '_', '+', '-', ':', '='");
  return v;
}

std::vector<PlannedRun> interleaved_plan(const std::vector<Variant>& variants, int repeat) {
  if (repeat < 1)
    throw Error(ExitCode::usage, "--repeat must be at least 1 (3 or more to tell differences from noise)");
  std::vector<PlannedRun> plan;
  plan.reserve(variants.size() * static_cast<std::size_t>(repeat));
  for (int r = 1; r <= repeat; ++r)
    for (std::size_t v = 0; v < variants.size(); ++v)
      plan.push_back({v, r, variants[v].label + "-" + std::to_string(r)});
  return plan;
}

}  // namespace memgate::compare
