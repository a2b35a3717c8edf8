#include "alloc/knob_check.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "memgate/error.h"

namespace memgate::alloc {
namespace {

[[noreturn]] void bad(const std::string& message) { throw Error(ExitCode::usage, message); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_integer(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_decimal(std::string_view s) {
  if (s.empty()) return false;
  const std::string text(s);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && v >= 0;
}

bool is_bool_word(std::string_view s) {
  const std::string u = upper(s);
  return u == "TRUE" || u == "FALSE" || u == "YES" || u == "NO" || u == "ON" || u == "OFF";
}

// mimalloc 2.0.9's reserve_os_memory parser: a number, then K, M or G, then optional B/IB.
bool is_mimalloc_size(std::string_view s) {
  const std::string u = upper(s);
  std::size_t digits = 0;
  while (digits < u.size() && std::isdigit(static_cast<unsigned char>(u[digits]))) ++digits;
  if (digits == 0) return false;
  std::string_view rest = std::string_view(u).substr(digits);
  if (!rest.empty() && (rest.front() == 'K' || rest.front() == 'M' || rest.front() == 'G')) rest.remove_prefix(1);
  return rest.empty() || rest == "B" || rest == "IB";
}

std::string quoted_join(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

void check_jemalloc_conf(std::string_view key, std::string_view conf, std::vector<std::string>& warnings) {
  const auto options = jemalloc_conf_options();
  std::size_t start = 0;
  while (start <= conf.size()) {
    const std::size_t comma = conf.find(',', start);
    const std::string_view pair =
        conf.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::size_t colon = pair.find(':');
    if (pair.empty() || colon == std::string_view::npos || colon == 0 || colon + 1 == pair.size())
      bad(std::string(key) + ": '" + std::string(pair) + "' is not opt:value; write e.g. " + std::string(key) +
          "=dirty_decay_ms:1000,narenas:2");
    const std::string_view opt = pair.substr(0, colon), value = pair.substr(colon + 1);
    if (std::find(options.begin(), options.end(), opt) == options.end()) {
      warnings.push_back(std::string(key) + ": jemalloc 5.3 has no option '" + std::string(opt) +
                         "' (it prints 'Invalid conf pair' and ignores it)");
    } else if ((opt == "dirty_decay_ms" || opt == "muzzy_decay_ms") &&
               !(is_integer(value) && std::atol(std::string(value).c_str()) >= -1)) {
      bad(std::string(key) + ": " + std::string(opt) + " takes milliseconds >= -1 (-1: never decay), not '" +
          std::string(value) + "'");
    } else if ((opt == "narenas" || opt == "max_background_threads") && !(is_integer(value) && value.front() != '-')) {
      bad(std::string(key) + ": " + std::string(opt) + " takes a count, not '" + std::string(value) + "'");
    } else if ((opt == "background_thread" || opt == "tcache" || opt == "retain" || opt == "abort_conf") &&
               value != "true" && value != "false") {
      bad(std::string(key) + ": " + std::string(opt) + " takes true or false, not '" + std::string(value) + "'");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

void check_glibc_tunables(std::string_view key, std::string_view tunables, std::vector<std::string>& warnings) {
  const auto known = glibc_malloc_tunables();
  std::size_t start = 0;
  while (start <= tunables.size()) {
    const std::size_t colon = tunables.find(':', start);
    const std::string_view item =
        tunables.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      bad(std::string(key) + ": '" + std::string(item) + "' is not name=value; write e.g. " + std::string(key) +
          "=glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072");
    const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    constexpr std::string_view prefix = "glibc.malloc.";
    if (name.starts_with(prefix)) {
      const std::string_view tunable = name.substr(prefix.size());
      if (std::find(known.begin(), known.end(), tunable) == known.end())
        bad(std::string(key) + ": glibc 2.36 has no tunable " + std::string(name) +
            "; malloc tunables are glibc.malloc.{" + quoted_join(known) + "}");
      if (!is_integer(value) || value.front() == '-')
        bad(std::string(key) + ": " + std::string(name) + " takes a non-negative integer, not '" + std::string(value) +
            "'");
      if (tunable == "check")
        warnings.push_back(std::string(key) +
                           ": glibc.malloc.check is read only with libc_malloc_debug.so.0 preloaded (glibc >= 2.34)");
    } else if (!name.starts_with("glibc.")) {
      bad(std::string(key) + ": '" + std::string(name) + "' is not a glibc tunable (they start with glibc.)");
    } else {
      warnings.push_back(std::string(key) + ": " + std::string(name) +
                         " is not a malloc tunable; passed through unchecked");
    }
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
}

void check_value(std::string_view key, const Knob& knob, std::string_view value, std::vector<std::string>& warnings) {
  const std::string k(key), v(value);
  switch (knob.value) {
    case KnobValue::integer:
      if (!is_integer(value)) bad(k + " takes an integer, not '" + v + "'");
      break;
    case KnobValue::boolean:
      if (value != "0" && value != "1" && upper(value) != "TRUE" && upper(value) != "FALSE")
        bad(k + " takes 0/1 or true/false, not '" + v + "'");
      break;
    case KnobValue::decimal:
      if (!is_decimal(value)) bad(k + " takes a non-negative number, not '" + v + "'");
      break;
    case KnobValue::mimalloc:
      if (!is_integer(value) && !is_bool_word(value)) bad(k + " takes an integer or on/off, not '" + v + "'");
      break;
    case KnobValue::mimalloc_size:
      if (!is_mimalloc_size(value) && !is_bool_word(value))
        bad(k + " takes a size such as 256M or 4GiB, not '" + v + "'");
      break;
    case KnobValue::jemalloc_conf: check_jemalloc_conf(key, value, warnings); break;
    case KnobValue::glibc_tunables: check_glibc_tunables(key, value, warnings); break;
  }
}

bool valid_env_name(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string knob_list(const AllocatorInfo& allocator) {
  std::string out;
  for (const auto& k : allocator.knobs)
    if (knob_works(allocator, k)) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

}  // namespace

CheckedKnob check_alloc_env(const AllocatorInfo* allocator, std::string_view entry) {
  const std::size_t eq = entry.find('=');
  const std::string_view key = entry.substr(0, eq);
  if (eq == std::string_view::npos || !valid_env_name(key))
    bad("--alloc-env '" + std::string(entry) + "' is not KEY=VALUE; write e.g. --alloc-env MALLOC_ARENA_MAX=2");
  const std::string_view value = entry.substr(eq + 1);
  CheckedKnob out{std::string(entry), {}};
  const std::string k(key);
  if (key == "LD_PRELOAD" || key.starts_with("MEMGATE_PROBE"))
    bad("--alloc-env " + k + " would break memgate's allocator probe; choose the library with --allocator PATH.so");

  if (!allocator) {  // custom PATH.so: memgate does not know its knobs
    out.warnings.push_back("--alloc-env " + k +
                           " not checked: memgate has no knob table for a custom allocator library");
    return out;
  }
  const Knob* knob = find_knob(*allocator, key);
  if (!knob) {
    const AllocatorInfo* owner = knob_owner(key);
    if (owner)
      bad("--alloc-env " + k + " is a " + std::string(owner->name) + " knob but the allocator is " +
          std::string(allocator->name) + ": add --allocator " + std::string(owner->name) + " or use one of " +
          knob_list(*allocator));
    bad("--alloc-env " + k + " is not a " + std::string(allocator->name) + " knob; known: " + knob_list(*allocator));
  }
  if (value.empty()) bad("--alloc-env " + k + " has an empty value; write " + k + "=VALUE");
  check_value(key, *knob, value, out.warnings);
  if (!knob_works(*allocator, *knob))
    out.warnings.push_back(k + " has no effect on the installed " + std::string(allocator->name) + " " +
                           version_text(*allocator) + ": " + std::string(knob->when_ignored));
  return out;
}

}  // namespace memgate::alloc
