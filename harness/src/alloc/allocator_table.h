// The ONE table of allocators memgate can put under a target and the environment
// knobs each one reads (after mimalloc's src/options.c: every knob carries a comment,
// and a knob the installed version ignores is known, so memgate can warn instead of
// letting a tuning run silently measure the defaults).
#pragma once

#include <climits>
#include <span>
#include <string>
#include <string_view>

namespace memgate::alloc {

// How a knob's value is written; knob_check.h validates each form.
enum class KnobValue {
  integer,         // decimal integer, sign allowed
  boolean,         // 0/1/true/false (gperftools reads these)
  decimal,         // a non-negative real number
  mimalloc,        // integer or on/off/true/false/yes/no (mimalloc's parser)
  mimalloc_size,   // like mimalloc, plus a K/M/G[iB] suffix (reserve_os_memory)
  jemalloc_conf,   // "opt:value,opt:value"
  glibc_tunables,  // "glibc.malloc.name=value:glibc.malloc.name=value"
};

inline constexpr int kAlways = INT_MAX;  // works_until: still read by the newest version
inline constexpr int kNever = INT_MAX;   // works_from: no version of this library reads it

struct Knob {
  constexpr Knob(std::string_view name_, KnobValue value_, std::string_view comment_, int works_from_ = 0,
                 int works_until_ = kAlways, std::string_view when_ignored_ = {})
      : name(name_),
        value(value_),
        comment(comment_),
        works_from(works_from_),
        works_until(works_until_),
        when_ignored(when_ignored_) {}

  std::string_view name;  // the environment variable
  KnobValue value;
  std::string_view comment;  // what it does, for error messages and docs/allocators.md
  // Versions (the allocator's own integer scheme, see AllocatorInfo::version) that read
  // the knob: [works_from, works_until).
  int works_from;
  int works_until;
  std::string_view when_ignored;  // the advice printed when the installed version ignores it
};

struct AllocatorInfo {
  std::string_view name;          // what --allocator takes
  std::string_view library;       // file to LD_PRELOAD, found at build time; empty: none needed
  int version = 0;                // installed version found at build time; 0: not installed
  std::string_view install_hint;  // how to get the library when it is missing
  std::span<const Knob> knobs;
};

// glibc, jemalloc, mimalloc, tcmalloc, in that order.
std::span<const AllocatorInfo> allocators();
const AllocatorInfo* find_allocator(std::string_view name);
const Knob* find_knob(const AllocatorInfo& allocator, std::string_view env_name);
// Which allocator of the table owns a knob name (for "MALLOC_CONF is a jemalloc knob").
const AllocatorInfo* knob_owner(std::string_view env_name);
bool knob_works(const AllocatorInfo& allocator, const Knob& knob);
// "5.3.0", "2.0.9", "2.10", "2.36" from the integer scheme.
std::string version_text(const AllocatorInfo& allocator);
// "glibc, jemalloc, mimalloc, tcmalloc".
std::string allocator_names();

// Option names valid inside the compound knobs.
std::span<const std::string_view> jemalloc_conf_options();  // MALLOC_CONF keys (jemalloc 5.3)
std::span<const std::string_view> glibc_malloc_tunables();  // glibc.malloc.* (glibc 2.36)

}  // namespace memgate::alloc
