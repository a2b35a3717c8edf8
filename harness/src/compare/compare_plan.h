// What `memgate compare` runs: the variants (an allocator, optionally with knobs) and
// the interleaved order of their repetitions. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memgate::compare {

// One configuration under comparison: "jemalloc", or a labelled allocator + knobs.
struct Variant {
  // A constructor, not an aggregate: `{label, allocator, env}` keeps meaning what it did
  // before `size` was added.
  Variant() = default;
  Variant(std::string label_, std::string allocator_, std::vector<std::string> alloc_env_ = {},
          std::optional<double> size_ = std::nullopt)
      : label(std::move(label_)), allocator(std::move(allocator_)), alloc_env(std::move(alloc_env_)), size(size_) {}
  std::string label;                   // column/row name and run directory prefix
  std::string allocator;               // glibc|jemalloc|mimalloc|tcmalloc|PATH.so
  std::vector<std::string> alloc_env;  // --alloc-env KEY=VALUE entries of this variant
  // `memgate sizes`: the work size this variant runs at (Workload::run_config_at_size);
  // its allocator may then be empty (the workload's own).
  std::optional<double> size;
};

// "glibc,jemalloc,mimalloc" → one variant per allocator, labelled by its name (a
// PATH.so is labelled by its file name). A knob sweep entry ALLOCATOR:KEY=VALUE[:KEY=VALUE]
// is labelled by itself: "jemalloc:dirty_decay_ms=0" (MALLOC_CONF=dirty_decay_ms:0),
// "mimalloc:purge_delay=0" (MIMALLOC_PURGE_DELAY=0), "glibc:MALLOC_ARENA_MAX=2" (an
// environment name as it is). Throws Error(usage) for an empty list or entry, a knob
// that is not KEY=VALUE, or a label given twice.
std::vector<Variant> parse_allocator_list(std::string_view list);

// "LABEL=ALLOCATOR [KEY=VALUE ...]" (space-separated), e.g.
// "je-nodecay=jemalloc MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0".
// Knob values are validated later by prepare_allocator. Throws Error(usage).
Variant parse_variant(std::string_view spec);

// Throws Error(usage) when there is no variant or two share a label.
void check_variants(const std::vector<Variant>& variants);

// A label fit for a directory name: letters, digits, '.', '_', '+', '-', ':', '='.
bool valid_label(std::string_view label);

struct PlannedRun {
  std::size_t variant = 0;  // index into the variants
  int repeat = 1;           // 1..N
  std::string dir_name;     // "<label>-<repeat>"
};

// a1 b1 c1 a2 b2 c2 ...: interleaving spreads slow drifts of the machine (other load,
// thermal state, page cache) over every variant instead of biasing the last one.
// Throws Error(usage) when repeat < 1.
std::vector<PlannedRun> interleaved_plan(const std::vector<Variant>& variants, int repeat);

}  // namespace memgate::compare
