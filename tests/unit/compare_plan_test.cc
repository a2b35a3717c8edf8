#include <gtest/gtest.h>

#include "compare/compare_plan.h"
#include "compare/recommend.h"
#include "memgate/error.h"

namespace memgate::compare {
namespace {

TEST(ComparePlan, AllocatorListBecomesVariantsLabelledByName) {
  const auto v = parse_allocator_list("glibc, jemalloc,mimalloc,/opt/lib/libhoard.so");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].label, "glibc");
  EXPECT_EQ(v[1].allocator, "jemalloc");
  EXPECT_EQ(v[3].label, "libhoard.so");
  EXPECT_EQ(v[3].allocator, "/opt/lib/libhoard.so");
  EXPECT_TRUE(v[2].alloc_env.empty());
}

TEST(ComparePlan, KnobSweepsAreNamedByTheirKnobs) {
  const auto v = parse_allocator_list(
      "jemalloc,jemalloc:dirty_decay_ms=0:muzzy_decay_ms=0,glibc:MALLOC_ARENA_MAX=2,mimalloc:purge_delay=0");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1].label, "jemalloc:dirty_decay_ms=0:muzzy_decay_ms=0");
  EXPECT_EQ(v[1].allocator, "jemalloc");
  EXPECT_EQ(v[1].alloc_env, std::vector<std::string>{"MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0"});
  EXPECT_EQ(v[2].allocator, "glibc");
  EXPECT_EQ(v[2].alloc_env, std::vector<std::string>{"MALLOC_ARENA_MAX=2"});
  EXPECT_EQ(v[3].alloc_env, std::vector<std::string>{"MIMALLOC_PURGE_DELAY=0"});
  EXPECT_NO_THROW(check_variants(v));  // distinct labels, fit for run directories
  EXPECT_EQ(describe_variant(v[1]), "jemalloc:dirty_decay_ms=0:muzzy_decay_ms=0");
  for (const char* bad : {"jemalloc:dirty_decay_ms", "glibc:arena_max=2", ":x=1"})
    EXPECT_THROW(parse_allocator_list(bad), Error) << bad;
}

TEST(ComparePlan, EmptyEntriesAreUsageErrors) {
  for (const char* bad : {"", "glibc,,jemalloc", "glibc,"}) {
    try {
      parse_allocator_list(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_NE(std::string(e.what()).find("empty entry"), std::string::npos) << e.what();
    }
  }
}

TEST(ComparePlan, VariantCarriesLabelAllocatorAndKnobs) {
  const auto v = parse_variant("je-d0=jemalloc MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0  MALLOC_ARENA_MAX=2");
  EXPECT_EQ(v.label, "je-d0");
  EXPECT_EQ(v.allocator, "jemalloc");
  ASSERT_EQ(v.alloc_env.size(), 2u);
  EXPECT_EQ(v.alloc_env[0], "MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0");
  EXPECT_EQ(v.alloc_env[1], "MALLOC_ARENA_MAX=2");
}

TEST(ComparePlan, MalformedVariantsNameTheExpectedForm) {
  for (const char* bad : {"jemalloc", "=jemalloc", "x=", "a/b=glibc", "je=jemalloc NOVALUE"}) {
    try {
      parse_variant(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_NE(std::string(e.what()).find("LABEL=ALLOCATOR"), std::string::npos) << e.what();
    }
  }
}

TEST(ComparePlan, DuplicateLabelsAndEmptyListsAreRefused) {
  EXPECT_THROW(check_variants({}), Error);
  EXPECT_THROW(check_variants({{"glibc", "glibc", {}}, {"glibc", "glibc", {"MALLOC_ARENA_MAX=1"}}}), Error);
  EXPECT_NO_THROW(check_variants({{"glibc", "glibc", {}}, {"glibc-a1", "glibc", {"MALLOC_ARENA_MAX=1"}}}));
}

TEST(ComparePlan, RunsAreInterleaved) {
  const std::vector<Variant> v{{"a", "glibc", {}}, {"b", "jemalloc", {}}, {"c", "mimalloc", {}}};
  const auto plan = interleaved_plan(v, 2);
  ASSERT_EQ(plan.size(), 6u);
  const std::vector<std::string> expected{"a-1", "b-1", "c-1", "a-2", "b-2", "c-2"};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].dir_name, expected[i]);
    EXPECT_EQ(plan[i].variant, i % 3);
    EXPECT_EQ(plan[i].repeat, static_cast<int>(i / 3) + 1);
  }
  EXPECT_THROW(interleaved_plan(v, 0), Error);
}

}  // namespace
}  // namespace memgate::compare
