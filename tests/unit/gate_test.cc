// The in-process gates (harness/src/gate/, memgate/gtest.h): the process's own memory
// readings, the leak and peak verdicts with their wording, and the GoogleTest macros
// failing and passing. The unit test binary runs under glibc's malloc (or a sanitizer's).
#include <gtest/gtest-spi.h>

#include <cstring>
#include <memory>
#include <vector>

#include "memgate/gtest.h"
#include "sys/self_memory.h"

namespace {

using memgate::gate::Outcome;
using memgate::sys::HeapSource;

// Allocations a leaking block keeps; freed at the end of each test (sanitizer-clean).
struct Kept {
  std::vector<std::unique_ptr<char[]>> blocks;
  Kept() { blocks.reserve(256); }  // no reallocation while a gate measures
  void leak(std::size_t bytes) { blocks.push_back(std::make_unique<char[]>(bytes)); }
};

TEST(GateSelfMemory, AllocatorStatisticsSeeAnAllocationThatIsKept) {
  const memgate::sys::SelfMemory memory;
  ASSERT_NE(memory.source(), HeapSource::rss) << memory.source_text();
  const std::uint64_t before = memory.live_bytes();
  auto block = std::make_unique<char[]>(1 << 20);
  EXPECT_GE(memory.live_bytes(), before + (1 << 20)) << memory.source_text();
  block.reset();
  EXPECT_LT(memory.live_bytes(), before + (1 << 20));
}

TEST(GateSelfMemory, PeakRssResetsAndSeesATouchedBuffer) {
  ASSERT_TRUE(memgate::sys::reset_self_peak_rss()) << "/proc/self/clear_refs refused";
  const std::uint64_t rss = memgate::sys::self_rss_bytes();
  ASSERT_GT(rss, 0u);
  {
    std::vector<char> buffer(32 << 20);
    std::memset(buffer.data(), 1, buffer.size());
  }
  const auto peak = memgate::sys::self_peak_rss_bytes();
  ASSERT_TRUE(peak);
  EXPECT_GE(*peak, rss + (30 << 20));
}

TEST(GateNoLeak, ABlockKeepingAKilobytePerRunFailsWithTheCycleLeakText) {
  {
    Kept freed;  // chunks of the leaking size freed just before: glibc's thread cache holds some
    for (int i = 0; i < 16; ++i) freed.leak(1000);
  }
  Kept kept;
  const auto v = memgate::gate::no_leak([&] { kept.leak(1000); }, 20, 2);
  EXPECT_EQ(v.outcome, Outcome::fail) << v.message;
  // The wording of the per-cycle leak check of `memgate run`, then the source.
  EXPECT_NE(v.message.find("The live heap keeps "), std::string::npos) << v.message;
  EXPECT_NE(v.message.find(" per cycle (99% CI "), std::string::npos) << v.message;
  // Under glibc at least 8 warm-ups (its thread cache); elsewhere the 2 asked for.
  const bool glibc = memgate::gate::heap_source().find("glibc") == 0;
  EXPECT_NE(v.message.find(glibc ? "over 20 cycles after 8 warm-up" : "over 20 cycles after 2 warm-up"),
            std::string::npos)
      << v.message;
  EXPECT_NE(v.message.find(memgate::gate::heap_source()), std::string::npos) << v.message;
}

TEST(GateNoLeak, ABlockThatFreesWhatItAllocatesPasses) {
  std::size_t total = 0;
  const auto v = memgate::gate::no_leak(
      [&] {
        std::vector<std::string> words(100, std::string(100, 'x'));
        total += words.size();
      },
      20, 2);
  EXPECT_EQ(v.outcome, Outcome::pass) << v.message;
  EXPECT_NE(v.message.find("returns to its level after every cycle"), std::string::npos) << v.message;
  EXPECT_GE(total, 2200u);  // warm-ups and judged runs all ran
}

TEST(GateNoLeak, TooFewIterationsAreInconclusiveAndSayHowManyToRun) {
  const auto v = memgate::gate::no_leak([] {}, 3, 1);
  EXPECT_EQ(v.outcome, Outcome::inconclusive) << v.message;
  EXPECT_NE(v.message.find("cannot be judged"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("run at least "), std::string::npos) << v.message;
}

TEST(GateNoLeak, AToleranceAboveTheLeakPasses) {
  Kept kept;
  memgate::gate::LeakOptions options;
  options.tolerance_bytes = 64 * 1024;
  const auto v = memgate::gate::no_leak([&] { kept.leak(1000); }, 20, 2);
  const auto tolerated = memgate::gate::no_leak([&] { kept.leak(1000); }, options);
  EXPECT_EQ(v.outcome, Outcome::fail) << v.message;
  EXPECT_EQ(tolerated.outcome, Outcome::pass) << tolerated.message;
}

TEST(GatePeakBelow, APeakAboveTheLimitFailsAndNamesTheMeasure) {
  const auto v = memgate::gate::peak_below(
      [] {
        std::vector<char> buffer(48 << 20);
        std::memset(buffer.data(), 1, buffer.size());
      },
      "16MiB");
  EXPECT_EQ(v.outcome, Outcome::fail) << v.message;
  EXPECT_NE(v.message.find("peak RSS [VmHWM"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("not below the 16.0 MiB limit"), std::string::npos) << v.message;
}

TEST(GatePeakBelow, ASmallBlockPassesAndABadLimitSaysHowToWriteOne) {
  const auto small = memgate::gate::peak_below([] { std::string s(100, 'x'); }, 16u << 20);
  EXPECT_EQ(small.outcome, Outcome::pass) << small.message;
  const auto bad = memgate::gate::peak_below([] {}, "lots");
  EXPECT_EQ(bad.outcome, Outcome::fail);
  EXPECT_NE(bad.message.find("'lots' is not a size"), std::string::npos) << bad.message;
}

TEST(GateWindow, LiveGrowthAndPeakOfAWindow) {
  memgate::gate::Window window;
  window.start();
  auto kept = std::make_unique<char[]>(4 << 20);
  std::memset(kept.get(), 1, 4 << 20);
  const auto f = window.stop();
  EXPECT_GE(f.live_growth_bytes, 4 << 20);
  EXPECT_TRUE(f.peak_is_rss);
  EXPECT_GE(f.peak_bytes, 4 << 20);
  EXPECT_FALSE(f.allocations);  // without memgate::alloc_counting, counts come from jemalloc only
}

// The macros, through gtest-spi: a leak is a non-fatal failure carrying the analysis text.
Kept* macro_kept = nullptr;

TEST(GateMacros, ExpectNoLeakFailsOnALeakAndPassesOtherwise) {
  Kept kept;
  macro_kept = &kept;
  EXPECT_NONFATAL_FAILURE(MEMGATE_EXPECT_NO_LEAK(macro_kept->leak(1000), 20, 2), "keeps");
  MEMGATE_EXPECT_NO_LEAK({ std::string s(1000, 'x'); }, 20, 2);
  macro_kept = nullptr;
}

TEST(GateMacros, AssertVariantsAreFatal) {
  Kept kept;
  macro_kept = &kept;
  EXPECT_FATAL_FAILURE(MEMGATE_ASSERT_NO_LEAK(macro_kept->leak(1000), 20, 2), "per cycle");
  EXPECT_FATAL_FAILURE(MEMGATE_ASSERT_PEAK_BELOW(std::vector<char>(24 << 20, 1), "8MiB"), "not below");
  macro_kept = nullptr;
}

TEST(GateMacros, ExpectPeakBelowAcceptsBytesAndText) {
  EXPECT_NONFATAL_FAILURE(MEMGATE_EXPECT_PEAK_BELOW(std::vector<char>(24 << 20, 1), 8u << 20), "not below");
  MEMGATE_EXPECT_PEAK_BELOW(std::string(100, 'x'), "8MiB");
}

}  // namespace
