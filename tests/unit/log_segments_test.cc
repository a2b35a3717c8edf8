// The sample log's rotation layout (record/segments.h): segment names, which files a
// reader takes in which order (a .zst over its uncompressed twin left by a crash), and
// the rotation policy.
#include <gtest/gtest.h>

#include "record/segments.h"

namespace memgate::record {
namespace {

TEST(LogSegments, NamesSortInIndexOrderAndParseBack) {
  EXPECT_EQ(segment_name("samples.csv", 1, true), "samples.csv.000001.zst");
  EXPECT_EQ(segment_name("samples.csv", 12, false), "samples.csv.000012");
  EXPECT_LT(segment_name("samples.csv", 9, true), segment_name("samples.csv", 10, true));  // a shell glob's order
  const auto s = parse_segment_name("samples.csv", "samples.csv.000012.zst");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 12u);
  EXPECT_TRUE(s->compressed);
  const auto plain = parse_segment_name("events.jsonl", "events.jsonl.000003");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->index, 3u);
  EXPECT_FALSE(plain->compressed);
}

TEST(LogSegments, OtherNamesAreNoSegments) {
  for (const char* name : {"samples.csv", "samples.csv.000001.zst.tmp", "samples.csv.1.zst", "samples.csv.000000.zst",
                           "samples.csv.00000x.zst", "processes.csv.000001.zst", "samples.csvx000001.zst",
                           "samples.csv.000001.gz", "samples.csv.", "samples.csv.99999999999999999999"})
    EXPECT_FALSE(parse_segment_name("samples.csv", name)) << name;
}

TEST(LogSegments, ReadingOrderIsSegmentsByIndexThenTheLiveFile) {
  const std::vector<std::string> names = {"samples.csv",
                                          "samples.csv.000010.zst",
                                          "processes.csv.000001.zst",
                                          "samples.csv.000002",  // killed before its compression ended
                                          "samples.csv.000001.zst",
                                          "samples.csv.000003.zst.tmp",
                                          "samples.csv.000003",
                                          "samples.csv.000001",  // killed between rename and unlink
                                          "meta.json"};
  EXPECT_EQ(segment_reading_order("samples.csv", names),
            (std::vector<std::string>{"samples.csv.000001.zst", "samples.csv.000002", "samples.csv.000003",
                                      "samples.csv.000010.zst", "samples.csv"}));
  // Killed between closing a segment and creating the next live file.
  EXPECT_EQ(segment_reading_order("samples.csv", {"samples.csv.000001.zst"}),
            (std::vector<std::string>{"samples.csv.000001.zst"}));
  EXPECT_TRUE(segment_reading_order("samples.csv", {"meta.json"}).empty());
}

TEST(LogSegments, NextIndexFollowsTheLastSegment) {
  EXPECT_EQ(next_segment_index("samples.csv", {"samples.csv", "meta.json"}), 1u);
  EXPECT_EQ(next_segment_index("samples.csv", {"samples.csv.000001.zst", "samples.csv.000004"}), 5u);
}

TEST(LogSegments, RotatesAtTheSegmentSizeAndNeverWhenOff) {
  EXPECT_FALSE(should_rotate(4095, 4096));
  EXPECT_TRUE(should_rotate(4096, 4096));
  EXPECT_FALSE(should_rotate(std::uint64_t{1} << 40, 0));
  EXPECT_EQ(kDefaultSegmentBytes, std::uint64_t{64} << 20);
}

}  // namespace
}  // namespace memgate::record
