// Sizes and durations as memgate prints and parses them, including values no run
// produces (1e300 from a hand-written file): short, readable, never undefined.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "memgate/units.h"

namespace memgate {
namespace {

TEST(Units, EverydayValuesKeepTheirForm) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * (1ull << 30)), "3.00 GiB");
  EXPECT_EQ(format_duration(7.25), "7.2s");
  EXPECT_EQ(format_duration(86400), "24h");
  EXPECT_EQ(format_duration(3.5 * 86400), "3.5 days");
}

TEST(Units, HugeAndNonFiniteValuesStayShort) {
  EXPECT_EQ(format_bytes(1e300), "9.09e+287 TiB");
  EXPECT_EQ(format_bytes(-1e300), "-9.09e+287 TiB");
  EXPECT_EQ(format_duration(1e300), "1.16e+295 days");
  EXPECT_EQ(format_duration(-1e300), "-1.16e+295 days");
  EXPECT_EQ(format_bytes(INFINITY), "inf B");
  EXPECT_EQ(format_duration(NAN), "?s");
  for (double v : {1e20, 1e100, 1e308}) {
    EXPECT_LE(format_bytes(v).size(), 16u) << v;
    EXPECT_LE(format_duration(v).size(), 16u) << v;
  }
}

TEST(Units, SizesBeyondSixtyThreeBitsAreRefused) {
  EXPECT_EQ(parse_bytes("512M"), 512ull << 20);
  EXPECT_EQ(parse_bytes("1T"), 1ull << 40);
  EXPECT_FALSE(parse_bytes("1e300"));
  EXPECT_FALSE(parse_bytes("9000000T"));
  EXPECT_FALSE(parse_bytes("1e400"));
}

}  // namespace
}  // namespace memgate
