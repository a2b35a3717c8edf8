// Sizes and durations as people write them (memgate/units.h), and the flags built on
// them: edge cases the fuzz targets found (tests/fuzz/corpus/units holds the inputs).
#include <gtest/gtest.h>

#include <cmath>

#include "analyze/plateau.h"
#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate {
namespace {

TEST(Units, SizesInTheirUsualForms) {
  EXPECT_EQ(parse_bytes("512M"), 512ull << 20);
  EXPECT_EQ(parse_bytes("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_bytes("800 KiB"), 800ull * 1024);
  EXPECT_EQ(parse_bytes("800k"), 800ull * 1024);
  EXPECT_EQ(parse_bytes(" 12"), 12u);
  EXPECT_FALSE(parse_bytes("12 parsecs"));
  EXPECT_FALSE(parse_bytes("-1"));
}

TEST(Units, DecimalSuffixesMeanPowersOfTenAndBinaryOnesPowersOfTwo) {
  // "512MB" meant 512 MiB: 4.9 % more than the user wrote.
  EXPECT_EQ(parse_bytes("512MB"), 512'000'000u);
  EXPECT_EQ(parse_bytes("512MiB"), 512ull << 20);
  EXPECT_EQ(parse_bytes("512m"), 512ull << 20);  // single letters stay binary, as in cgroups and ulimit
  EXPECT_EQ(parse_bytes("800 kB"), 800'000u);
  EXPECT_EQ(parse_bytes("2GB"), 2'000'000'000u);
  EXPECT_EQ(parse_bytes("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(parse_bytes("1gib"), 1ull << 30);
  EXPECT_FALSE(parse_bytes("1MiBB"));
  EXPECT_FALSE(parse_bytes("1iB"));
}

TEST(Units, DurationsOfSeveralTerms) {
  EXPECT_EQ(parse_duration("1h30m"), 5400);
  EXPECT_EQ(parse_duration("2m30s"), 150);
  EXPECT_EQ(parse_duration("1d12h"), 129600);
  EXPECT_EQ(parse_duration("1m500ms"), 60.5);
  EXPECT_FALSE(parse_duration("1h30"));  // 30 what?
  EXPECT_FALSE(parse_duration("1h 30m"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("1h-30m"));
}

TEST(Units, RatesPerSecondMinuteHourOrDay) {
  EXPECT_EQ(parse_rate_per_hour("h"), 1);
  EXPECT_EQ(parse_rate_per_hour("min"), 60);
  EXPECT_EQ(parse_rate_per_hour("m"), 60);
  EXPECT_EQ(parse_rate_per_hour("s"), 3600);
  EXPECT_EQ(parse_rate_per_hour("d"), 1.0 / 24);
  EXPECT_FALSE(parse_rate_per_hour(""));
  EXPECT_FALSE(parse_rate_per_hour("ms"));
  EXPECT_FALSE(parse_rate_per_hour("week"));
}

TEST(Units, SizesBeyondWhatFitsAreRejectedNotWrapped) {
  // Were 2^63 (llround's overflow value) instead of an error.
  EXPECT_FALSE(parse_bytes("18446744073709551616"));
  EXPECT_FALSE(parse_bytes("1e30"));
  EXPECT_FALSE(parse_bytes("20000000T"));
  EXPECT_FALSE(parse_bytes("1e300"));
  EXPECT_FALSE(parse_bytes("1e400"));
  // Above 2^63 but below 2^64 is still a size.
  EXPECT_EQ(parse_bytes("1e19"), 10000000000000000000ull);
  EXPECT_EQ(parse_bytes("8 EiB"), std::nullopt);  // no such unit
  EXPECT_EQ(parse_bytes("8388608T"), 9223372036854775808ull);
}

TEST(Units, DurationsThatOverflowAreRejected) {
  EXPECT_EQ(parse_duration("90"), 90);
  EXPECT_EQ(parse_duration("250ms"), 0.25);
  EXPECT_EQ(parse_duration("1.5h"), 5400);
  EXPECT_EQ(parse_duration("1e300s"), 1e300);
  // Finite numbers that overflow once scaled were an infinite duration.
  EXPECT_FALSE(parse_duration("1e308h"));
  EXPECT_FALSE(parse_duration("1.7e308m"));
  EXPECT_FALSE(parse_duration("inf"));
}

TEST(Units, FormattedSizesParseBackWithinRounding) {
  for (const double bytes : {0.0, 1000.0, 1536.0, 123456789.0, 5e12, 9e18}) {
    const auto again = parse_bytes(format_bytes(bytes));
    ASSERT_TRUE(again) << format_bytes(bytes);
    EXPECT_NEAR(static_cast<double>(*again), bytes, std::max(0.5, 0.05 * bytes)) << format_bytes(bytes);
  }
}

TEST(Units, WarmupAndToleranceRejectOverflowingValues) {
  EXPECT_THROW(analyze::parse_warmup("1e308h"), Error);
  analyze::PlateauSettings s;
  EXPECT_THROW(analyze::parse_tolerance("inf%/h", s), Error);  // was an infinite tolerance: every leak passed
  EXPECT_THROW(analyze::parse_tolerance("1e30T/h", s), Error);
  analyze::parse_tolerance("1e19/h,0.5%/h", s);
  EXPECT_EQ(s.tolerance_abs_per_h, 1e19);
  EXPECT_EQ(s.tolerance_pct_per_h, 0.5);
}

// Printing: short and readable for any value, including ones no run produces (1e300
// from a hand-written file).
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

}  // namespace
}  // namespace memgate
