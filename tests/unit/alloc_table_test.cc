// The allocator table and --alloc-env validation: every knob the table says the
// installed version reads is really in that library, the ignored ones are not, and
// bad entries fail with a message naming the fix.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "alloc/allocator_table.h"
#include "alloc/knob_check.h"
#include "memgate/error.h"

namespace memgate::alloc {
namespace {

std::string usage_error(const AllocatorInfo* allocator, std::string_view entry) {
  try {
    check_alloc_env(allocator, entry);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "accepted " << entry;
  return {};
}

std::string file_bytes(std::string_view path) {
  std::ifstream in{std::string(path), std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(AllocTable, ListsTheFourAllocatorsWithBuildTimeLibraries) {
  EXPECT_EQ(allocator_names(), "glibc, jemalloc, mimalloc, tcmalloc");
  EXPECT_TRUE(find_allocator("glibc")->library.empty());
  for (const char* name : {"jemalloc", "mimalloc", "tcmalloc"}) {
    const AllocatorInfo* a = find_allocator(name);
    ASSERT_NE(a, nullptr);
    if (a->version == 0) continue;  // not installed at build time: resolution reports it
    EXPECT_NE(a->library.find(name == std::string("tcmalloc") ? "libtcmalloc_minimal.so."
                                                              : std::string("lib") + name + ".so."),
              std::string_view::npos)
        << a->library;
  }
  EXPECT_EQ(find_allocator("hoard"), nullptr);
  EXPECT_EQ(knob_owner("MALLOC_CONF")->name, "jemalloc");
  EXPECT_EQ(knob_owner("MALLOC_ARENA_MAX")->name, "glibc");
}

TEST(AllocTable, MimallocKnobsMatchTheInstalledLibrary) {
  const AllocatorInfo& mi = *find_allocator("mimalloc");
  if (mi.version == 0) GTEST_SKIP() << "mimalloc not installed";
  const std::string binary = file_bytes(mi.library);
  ASSERT_FALSE(binary.empty());
  for (const Knob& k : mi.knobs) {
    std::string option(k.name.substr(std::string_view("MIMALLOC_").size()));
    std::transform(option.begin(), option.end(), option.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    // mimalloc looks options up by their lower-case name: a knob it reads is in the binary.
    EXPECT_EQ(binary.find(option) != std::string::npos, knob_works(mi, k)) << k.name;
  }
}

TEST(AllocTable, TcmallocKnobsMatchTheInstalledLibrary) {
  const AllocatorInfo& tc = *find_allocator("tcmalloc");
  if (tc.version == 0) GTEST_SKIP() << "tcmalloc not installed";
  const std::string binary = file_bytes(tc.library);
  for (const Knob& k : tc.knobs) EXPECT_EQ(binary.find(k.name) != std::string::npos, knob_works(tc, k)) << k.name;
}

TEST(AllocEnv, AcceptsValidKnobs) {
  EXPECT_TRUE(check_alloc_env(find_allocator("glibc"), "MALLOC_ARENA_MAX=2").warnings.empty());
  EXPECT_TRUE(check_alloc_env(find_allocator("glibc"),
                              "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072")
                  .warnings.empty());
  EXPECT_TRUE(check_alloc_env(find_allocator("jemalloc"),
                              "MALLOC_CONF=dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:true")
                  .warnings.empty());
  EXPECT_TRUE(check_alloc_env(find_allocator("tcmalloc"), "TCMALLOC_RELEASE_RATE=10").warnings.empty());
  const auto mi = check_alloc_env(find_allocator("mimalloc"), "MIMALLOC_RESERVE_OS_MEMORY=256MiB");
  EXPECT_EQ(mi.entry, "MIMALLOC_RESERVE_OS_MEMORY=256MiB");
}

TEST(AllocEnv, WarnsWhenTheInstalledVersionIgnoresAKnob) {
  const AllocatorInfo& mi = *find_allocator("mimalloc");
  const auto checked = check_alloc_env(&mi, "MIMALLOC_PURGE_DELAY=0");
  if (mi.version >= 210) {
    EXPECT_TRUE(checked.warnings.empty());
  } else {
    ASSERT_EQ(checked.warnings.size(), 1u);
    EXPECT_NE(checked.warnings[0].find("MIMALLOC_DECOMMIT_DELAY"), std::string::npos) << checked.warnings[0];
  }
  const auto check = check_alloc_env(find_allocator("glibc"), "MALLOC_CHECK_=3");
  ASSERT_EQ(check.warnings.size(), 1u);
  EXPECT_NE(check.warnings[0].find("libc_malloc_debug.so.0"), std::string::npos);
  const auto conf = check_alloc_env(find_allocator("jemalloc"), "MALLOC_CONF=purge_delay:5");
  ASSERT_EQ(conf.warnings.size(), 1u);
  EXPECT_NE(conf.warnings[0].find("purge_delay"), std::string::npos);
}

TEST(AllocEnv, RejectsBadEntriesWithTheFix) {
  const AllocatorInfo* glibc = find_allocator("glibc");
  const AllocatorInfo* mimalloc = find_allocator("mimalloc");
  EXPECT_NE(usage_error(glibc, "MALLOC_ARENA_MAX").find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(usage_error(mimalloc, "MALLOC_CONF=narenas:2").find("is a jemalloc knob"), std::string::npos);
  EXPECT_NE(usage_error(mimalloc, "MIMALLOC_NO_SUCH=1").find("known: MIMALLOC_"), std::string::npos);
  EXPECT_NE(usage_error(glibc, "MALLOC_ARENA_MAX=two").find("takes an integer"), std::string::npos);
  EXPECT_NE(usage_error(find_allocator("jemalloc"), "MALLOC_CONF=dirty_decay_ms=1000").find("is not opt:value"),
            std::string::npos);
  EXPECT_NE(usage_error(find_allocator("jemalloc"), "MALLOC_CONF=dirty_decay_ms:-5").find(">= -1"), std::string::npos);
  EXPECT_NE(usage_error(glibc, "GLIBC_TUNABLES=glibc.malloc.arena_maks=2").find("no tunable"), std::string::npos);
  EXPECT_NE(usage_error(find_allocator("tcmalloc"), "TCMALLOC_RELEASE_RATE=-1").find("non-negative"),
            std::string::npos);
  EXPECT_NE(usage_error(mimalloc, "MIMALLOC_DECOMMIT_DELAY=soon").find("integer or on/off"), std::string::npos);
  EXPECT_NE(usage_error(glibc, "LD_PRELOAD=/x.so").find("--allocator PATH.so"), std::string::npos);
}

TEST(AllocEnv, CustomLibraryKnobsPassWithAWarning) {
  const auto checked = check_alloc_env(nullptr, "HOARD_SOMETHING=1");
  EXPECT_EQ(checked.entry, "HOARD_SOMETHING=1");
  ASSERT_EQ(checked.warnings.size(), 1u);
  EXPECT_NE(checked.warnings[0].find("not checked"), std::string::npos);
}

}  // namespace
}  // namespace memgate::alloc
