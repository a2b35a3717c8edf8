// RSS growth attribution from heap figures: pure arithmetic on literal values.
#include <vector>

#include <gtest/gtest.h>

#include "alloc/heap_split.h"

namespace memgate::alloc {
namespace {

TEST(HeapSplit, SumsOnlyFiguresEveryProcessOffers) {
  const HeapFigures a{100, std::nullopt, std::nullopt, 400, std::nullopt, 50};
  const HeapFigures b{10, 20, std::nullopt, 40, std::nullopt, std::nullopt};
  const HeapFigures total = sum_heaps(std::vector<HeapFigures>{a, b});
  EXPECT_EQ(total.allocated, 110u);
  EXPECT_EQ(total.mapped, 440u);
  EXPECT_FALSE(total.active);     // a does not offer it
  EXPECT_FALSE(total.free_held);  // b does not offer it
  EXPECT_FALSE(sum_heaps({}).allocated);
}

TEST(HeapSplit, AttributesGrowthToLeakRetentionAndNonHeap) {
  HeapFigures start, end;
  start.allocated = 10'000'000;
  start.free_held = 1'000'000;
  end.allocated = 40'000'000;                                       // +30 MB live: a leak
  end.free_held = 6'000'000;                                        // +5 MB retained by the allocator
  const RssSplit split = split_rss_growth(50e6, 90e6, start, end);  // +40 MB RSS
  EXPECT_DOUBLE_EQ(split.rss_growth, 40e6);
  EXPECT_DOUBLE_EQ(*split.live_heap_growth, 30e6);
  EXPECT_DOUBLE_EQ(*split.retention_growth, 5e6);
  EXPECT_DOUBLE_EQ(*split.non_heap_growth, 5e6);  // stacks, mappings, file pages
  EXPECT_EQ(split.basis, "allocated + free_held");
}

TEST(HeapSplit, MappedOnlyGivesOneHeapFigure) {
  HeapFigures start, end;
  start.mapped = 8'000'000;
  end.mapped = 20'000'000;
  const RssSplit split = split_rss_growth(30e6, 40e6, start, end);
  EXPECT_FALSE(split.live_heap_growth);
  EXPECT_DOUBLE_EQ(*split.heap_growth, 12e6);
  EXPECT_DOUBLE_EQ(*split.non_heap_growth, -2e6);  // heap grew more than RSS: untouched commit
  const auto json = to_json(split);
  EXPECT_TRUE(json["live_heap_growth_bytes"].is_null());
  EXPECT_EQ(json["heap_growth_bytes"], 12e6);
}

TEST(HeapSplit, NoFiguresNoSplit) {
  const RssSplit split = split_rss_growth(1, 2, HeapFigures{}, HeapFigures{});
  EXPECT_FALSE(split.heap_growth);
  EXPECT_FALSE(split.non_heap_growth);
  EXPECT_EQ(to_json(HeapFigures{}), nlohmann::json::object());
}

TEST(HeapSplit, HeldBeyondHeapSumsFreshPairsOnly) {
  const HeldPart a{50'000'000, 20'000'000, 0.05}, b{10'000'000, 12'000'000, 0.1};
  const std::vector<HeldPart> both{a, b};
  EXPECT_DOUBLE_EQ(*held_beyond_heap(both, 0.2), 30e6);  // b's heap above its RSS counts 0, not -2 MB
  // One stale snapshot: the sample is left out rather than half paired.
  const std::vector<HeldPart> stale{a, {10'000'000, 9'000'000, 0.5}};
  EXPECT_FALSE(held_beyond_heap(stale, 0.2));
  // No live-heap figure (mimalloc 2.0.9), or no probed process: nothing to judge.
  const std::vector<HeldPart> unknown{a, {10'000'000, std::nullopt, 0.01}};
  EXPECT_FALSE(held_beyond_heap(unknown, 0.2));
  EXPECT_FALSE(held_beyond_heap({}, 0.2));
}

}  // namespace
}  // namespace memgate::alloc
