#include "alloc/allocator_table.h"

#include <array>

#include "alloc/alloc_config.h"

namespace memgate::alloc {
namespace {

constexpr int kGlibcVersion = __GLIBC__ * 100 + __GLIBC_MINOR__;  // 236 = 2.36

constexpr Knob kGlibcKnobs[] = {
    {"MALLOC_ARENA_MAX", KnobValue::integer,
     "upper bound on malloc arenas (default 8 x cores on 64-bit); 2-4 is the usual cure for RSS growth in threaded "
     "programs"},
    {"MALLOC_ARENA_TEST", KnobValue::integer, "arenas created before MALLOC_ARENA_MAX is enforced"},
    {"MALLOC_TRIM_THRESHOLD_", KnobValue::integer,
     "free bytes at the heap top above which free() gives them back (default 128 KiB, dynamic); setting it freezes the "
     "mmap threshold"},
    {"MALLOC_TOP_PAD_", KnobValue::integer, "extra bytes asked of the kernel at each heap growth (default 128 KiB)"},
    {"MALLOC_MMAP_THRESHOLD_", KnobValue::integer,
     "blocks this large get their own mmap and return to the OS on free (default 128 KiB, rises dynamically to 32 "
     "MiB)"},
    {"MALLOC_MMAP_MAX_", KnobValue::integer, "most mmap'd blocks at once; 0 turns mmap use off"},
    {"MALLOC_PERTURB_", KnobValue::integer,
     "fills allocated and freed memory with a byte (debugging: touches pages, raises RSS)"},
    {"MALLOC_CHECK_", KnobValue::integer, "heap consistency checks", 0, 234,
     "glibc 2.34 and later read it only with libc_malloc_debug.so.0 preloaded: use --allocator "
     "/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0"},
    {"GLIBC_TUNABLES", KnobValue::glibc_tunables,
     "colon-separated tunables, e.g. glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072"},
};

constexpr Knob kJemallocKnobs[] = {
    {"MALLOC_CONF", KnobValue::jemalloc_conf,
     "comma-separated opt:value list, e.g. dirty_decay_ms:1000,narenas:2,background_thread:true "
     "(defaults here: dirty_decay_ms 10000, muzzy_decay_ms 0); Debian's jemalloc has no symbol prefix, so no "
     "JE_MALLOC_CONF"},
};

// mimalloc reads MIMALLOC_<option>; 2.1.0 (210) renamed the decommit options to purge_*.
constexpr Knob kMimallocKnobs[] = {
    {"MIMALLOC_SHOW_ERRORS", KnobValue::mimalloc, "print error messages"},
    {"MIMALLOC_SHOW_STATS", KnobValue::mimalloc, "print statistics at exit"},
    {"MIMALLOC_VERBOSE", KnobValue::mimalloc, "print verbose messages"},
    {"MIMALLOC_EAGER_COMMIT", KnobValue::mimalloc, "commit whole segments at once (default on)"},
    {"MIMALLOC_LARGE_OS_PAGES", KnobValue::mimalloc, "use 2 MiB OS pages where available (implies eager commit)"},
    {"MIMALLOC_RESERVE_HUGE_OS_PAGES", KnobValue::mimalloc, "reserve N 1 GiB huge pages at start"},
    {"MIMALLOC_RESERVE_HUGE_OS_PAGES_AT", KnobValue::mimalloc, "reserve the huge pages on this NUMA node"},
    {"MIMALLOC_RESERVE_OS_MEMORY", KnobValue::mimalloc_size, "reserve this much OS memory at start (K/M/G suffix)"},
    {"MIMALLOC_PAGE_RESET", KnobValue::mimalloc, "reset (madvise) free pages right away: lower RSS, more syscalls", 0,
     210, "mimalloc 2.1 replaced it by MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_ABANDONED_PAGE_DECOMMIT", KnobValue::mimalloc,
     "decommit free pages of abandoned (exited-thread) segments", 0, 210,
     "mimalloc 2.1 replaced it by MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_ABANDONED_PAGE_RESET", KnobValue::mimalloc, "old name of MIMALLOC_ABANDONED_PAGE_DECOMMIT", 0, 210,
     "mimalloc 2.1 replaced it by MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_EAGER_COMMIT_DELAY", KnobValue::mimalloc, "segments per thread allocated before eager commit starts"},
    {"MIMALLOC_DECOMMIT_DELAY", KnobValue::mimalloc,
     "ms before free memory is decommitted (default 25); the 2.0.x name of MIMALLOC_PURGE_DELAY", 0, 210,
     "mimalloc 2.1 renamed it: use MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_RESET_DELAY", KnobValue::mimalloc, "old name of MIMALLOC_DECOMMIT_DELAY", 0, 210,
     "mimalloc 2.1 renamed it: use MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_SEGMENT_DECOMMIT_DELAY", KnobValue::mimalloc, "ms before free segment memory is decommitted", 0, 210,
     "mimalloc 2.1 dropped it: use MIMALLOC_PURGE_DELAY"},
    {"MIMALLOC_DECOMMIT_EXTEND_DELAY", KnobValue::mimalloc, "extra decommit delay per re-commit", 0, 210,
     "mimalloc 2.1 renamed it: use MIMALLOC_PURGE_EXTEND_DELAY"},
    {"MIMALLOC_ALLOW_DECOMMIT", KnobValue::mimalloc, "decommit (rather than only reset) free memory", 0, 210,
     "mimalloc 2.1 renamed it: use MIMALLOC_PURGE_DECOMMITS"},
    {"MIMALLOC_USE_NUMA_NODES", KnobValue::mimalloc, "use at most N NUMA nodes (0: all)"},
    {"MIMALLOC_LIMIT_OS_ALLOC", KnobValue::mimalloc, "allocate only from reserved arenas, never fresh OS memory"},
    {"MIMALLOC_OS_TAG", KnobValue::mimalloc, "OS tag of mimalloc's mappings (macOS only)"},
    {"MIMALLOC_MAX_ERRORS", KnobValue::mimalloc, "most error messages printed"},
    {"MIMALLOC_MAX_WARNINGS", KnobValue::mimalloc, "most warnings printed"},
    {"MIMALLOC_MAX_SEGMENT_RECLAIM", KnobValue::mimalloc, "abandoned segments reclaimed per allocation"},
    {"MIMALLOC_DESTROY_ON_EXIT", KnobValue::mimalloc, "release all memory at exit (for DLLs unloaded early)"},
    {"MIMALLOC_PURGE_DELAY", KnobValue::mimalloc, "ms before free memory is purged (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it (it stays at the default): use MIMALLOC_DECOMMIT_DELAY"},
    {"MIMALLOC_PURGE_DECOMMITS", KnobValue::mimalloc, "purge by decommit instead of reset (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it: use MIMALLOC_ALLOW_DECOMMIT"},
    {"MIMALLOC_PURGE_EXTEND_DELAY", KnobValue::mimalloc, "extra purge delay per re-commit (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it: use MIMALLOC_DECOMMIT_EXTEND_DELAY"},
    {"MIMALLOC_ARENA_EAGER_COMMIT", KnobValue::mimalloc, "commit arena memory eagerly (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it"},
    {"MIMALLOC_ARENA_RESERVE", KnobValue::mimalloc_size, "arena reservation size (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it"},
    {"MIMALLOC_ARENA_PURGE_MULT", KnobValue::mimalloc, "arena purge delay multiplier (2.1+)", 210, kAlways,
     "mimalloc 2.0.x does not read it"},
};

// gperftools' libtcmalloc_minimal (no heap profiler; the sampler is there).
constexpr Knob kTcmallocKnobs[] = {
    {"TCMALLOC_RELEASE_RATE", KnobValue::decimal,
     "how fast free pages go back to the OS (default 1.0; 0 never; 10 aggressively)"},
    {"TCMALLOC_AGGRESSIVE_DECOMMIT", KnobValue::boolean, "return free spans to the OS at once (lowest RSS, slowest)"},
    {"TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES", KnobValue::integer, "cap of all thread caches together (default 32 MiB)"},
    {"TCMALLOC_HEAP_LIMIT_MB", KnobValue::integer, "fail allocations beyond this heap size"},
    {"TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD", KnobValue::integer, "print a stack for allocations at least this large"},
    {"TCMALLOC_TRANSFER_NUM_OBJ", KnobValue::integer, "objects moved per transfer-cache batch"},
    {"TCMALLOC_SKIP_SBRK", KnobValue::boolean, "never grow the heap with sbrk"},
    {"TCMALLOC_SKIP_MMAP", KnobValue::boolean, "never grow the heap with mmap"},
    {"TCMALLOC_DISABLE_MEMORY_RELEASE", KnobValue::boolean, "never return memory to the OS"},
    {"TCMALLOC_SAMPLE_PARAMETER", KnobValue::integer,
     "heap sampling period in bytes (default 0: off); samples cost CPU and are only read through GetHeapSample"},
};

constexpr std::string_view kJemallocConfOptions[] = {
    "abort",
    "abort_conf",
    "background_thread",
    "bin_shards",
    "cache_oblivious",
    "confirm_conf",
    "dirty_decay_ms",
    "dss",
    "experimental_infallible_new",
    "hpa",
    "hpa_dirty_mult",
    "hpa_hugification_threshold",
    "hpa_hugify_delay_ms",
    "hpa_min_purge_interval_ms",
    "hpa_sec_bytes_after_flush",
    "hpa_sec_max_alloc",
    "hpa_sec_max_bytes",
    "hpa_sec_nshards",
    "hpa_slab_max_alloc",
    "junk",
    "lg_extent_max_active_fit",
    "lg_prof_interval",
    "lg_prof_sample",
    "lg_san_uaf_align",
    "lg_tcache_flush_large_div",
    "lg_tcache_flush_small_div",
    "lg_tcache_max",
    "lg_tcache_nslots_mul",
    "max_background_threads",
    "metadata_thp",
    "mutex_max_spin",
    "muzzy_decay_ms",
    "narenas",
    "oversize_threshold",
    "percpu_arena",
    "prof",
    "prof_accum",
    "prof_active",
    "prof_final",
    "prof_gdump",
    "prof_leak",
    "prof_leak_error",
    "prof_prefix",
    "prof_recent_alloc_max",
    "prof_stats",
    "prof_sys_thread_name",
    "prof_thread_active_init",
    "prof_time_resolution",
    "retain",
    "san_guard_large",
    "san_guard_small",
    "slab_sizes",
    "stats_interval",
    "stats_interval_opts",
    "stats_print",
    "stats_print_opts",
    "tcache",
    "tcache_gc_delay_bytes",
    "tcache_gc_incr_bytes",
    "tcache_max",
    "tcache_nslots_large",
    "tcache_nslots_small_max",
    "tcache_nslots_small_min",
    "thp",
    "trust_madvise",
    "utrace",
    "xmalloc",
    "zero",
    "zero_realloc",
};

constexpr std::string_view kGlibcMallocTunables[] = {
    "arena_max",
    "arena_test",
    "check",
    "hugetlb",
    "mmap_max",
    "mmap_threshold",
    "mxfast",
    "perturb",
    "tcache_count",
    "tcache_max",
    "tcache_unsorted_limit",
    "top_pad",
    "trim_threshold",
};

const std::array<AllocatorInfo, 4>& table() {
  static const std::array<AllocatorInfo, 4> entries = {{
      {"glibc", "", kGlibcVersion, "", kGlibcKnobs},
      {"jemalloc", config::kJemallocLib, config::kJemallocVersion, "apt-get install libjemalloc-dev, then re-run cmake",
       kJemallocKnobs},
      {"mimalloc", config::kMimallocLib, config::kMimallocVersion, "apt-get install libmimalloc-dev, then re-run cmake",
       kMimallocKnobs},
      {"tcmalloc", config::kTcmallocLib, config::kTcmallocVersion,
       "apt-get install libgoogle-perftools-dev, then re-run cmake", kTcmallocKnobs},
  }};
  return entries;
}

}  // namespace

std::span<const AllocatorInfo> allocators() { return table(); }

const AllocatorInfo* find_allocator(std::string_view name) {
  for (const auto& a : table())
    if (a.name == name) return &a;
  return nullptr;
}

const Knob* find_knob(const AllocatorInfo& allocator, std::string_view env_name) {
  for (const auto& k : allocator.knobs)
    if (k.name == env_name) return &k;
  return nullptr;
}

const AllocatorInfo* knob_owner(std::string_view env_name) {
  for (const auto& a : table())
    if (find_knob(a, env_name)) return &a;
  return nullptr;
}

bool knob_works(const AllocatorInfo& allocator, const Knob& knob) {
  return allocator.version >= knob.works_from && allocator.version < knob.works_until;
}

std::string version_text(const AllocatorInfo& allocator) {
  const int v = allocator.version;
  if (v == 0) return "not installed";
  if (allocator.name == "jemalloc")
    return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  if (allocator.name == "mimalloc")
    return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  return std::to_string(v / 100) + "." + std::to_string(v % 100);  // glibc 2.36, gperftools 2.10
}

std::string allocator_names() {
  std::string out;
  for (const auto& a : table()) out += (out.empty() ? "" : ", ") + std::string(a.name);
  return out;
}

std::span<const std::string_view> jemalloc_conf_options() { return kJemallocConfOptions; }
std::span<const std::string_view> glibc_malloc_tunables() { return kGlibcMallocTunables; }

}  // namespace memgate::alloc
