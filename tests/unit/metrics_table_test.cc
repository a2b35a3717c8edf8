#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "metrics/line_splitter.h"
#include "metrics/metrics_table.h"

namespace memgate::metrics {
namespace {

TEST(MetricsTable, DeclaredFieldsKeepTheirLatestValue) {
  MetricsTable t({"queue_depth", "throttled"});
  EXPECT_FALSE(t.declared_value(0));
  t.feed(R"({"pid":10,"queue_depth":12,"throttled":false})");
  t.feed(R"({"pid":10,"queue_depth":40,"throttled":true})");
  EXPECT_EQ(*t.declared_value(0), 40);
  EXPECT_EQ(*t.declared_value(1), 1);  // booleans plot as 0/1
  EXPECT_EQ(t.lines(), 2u);
  EXPECT_EQ(t.figures()["last"]["queue_depth"], 40);
}

TEST(MetricsTable, MalformedLinesAreCountedNotThrown) {
  MetricsTable t({"x"});
  t.feed("not json");
  t.feed("[1,2]");
  t.feed(R"({"x":NaN})");
  t.feed(R"({"x":1})");
  EXPECT_EQ(t.malformed(), 3u);
  EXPECT_EQ(*t.declared_value(0), 1);
}

TEST(MetricsTable, UnknownFieldsAreBounded) {
  MetricsTable t({}, TableLimits{.max_unknown_fields = 2});
  t.feed(R"({"a":1,"b":2,"c":3})");
  t.feed(R"({"a":5})");
  const auto f = t.figures();
  EXPECT_EQ(f["last"]["a"], 5);
  EXPECT_EQ(f["last"].size(), 2u);
  EXPECT_EQ(f["dropped_fields"], 1);
}

TEST(MetricsTable, AccountingIsKeptPerWriter) {
  MetricsTable t({});
  t.feed(R"({"pid":7,"accounting":{"received":3,"lost":0}})");
  EXPECT_EQ(t.figures()["accounting"]["received"], 3);
  t.feed(R"({"pid":8,"accounting":{"received":4}})");
  const auto f = t.figures();
  EXPECT_FALSE(f.contains("accounting"));
  EXPECT_EQ(f["accounting_by_pid"]["8"]["received"], 4);
  EXPECT_EQ(f["writers"].size(), 2u);
}

TEST(MetricsTable, WritersAreBounded) {
  MetricsTable t({}, TableLimits{.max_writers = 1});
  t.feed(R"({"pid":1})");
  t.feed(R"({"pid":2})");
  EXPECT_EQ(t.figures()["writers"].size(), 1u);
  EXPECT_EQ(t.figures()["dropped_writers"], 1);
}

TEST(LineSplitter, JoinsPartialLinesAndDropsOversizedOnes) {
  LineSplitter s(8);
  std::vector<std::string> lines;
  int oversized = 0;
  const auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  const auto on_big = [&] { ++oversized; };
  s.feed("ab", on_line, on_big);
  s.feed("c\nde", on_line, on_big);
  s.feed("f\n0123456789abc", on_line, on_big);
  s.feed("def\nok\n", on_line, on_big);
  EXPECT_EQ(lines, (std::vector<std::string>{"abc", "def", "ok"}));
  EXPECT_EQ(oversized, 1);
  EXPECT_EQ(s.pending(), 0u);
}

// A 100 MB line (a target writing garbage to the channel) never takes more than the
// limit of memory: it is dropped as one oversized line, and the next line still counts.
TEST(LineSplitter, HundredMegabyteLineHoldsAtMostTheLimit) {
  LineSplitter s(4096);
  std::vector<std::string> lines;
  int oversized = 0;
  std::size_t most_pending = 0;
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 1600; ++i) {
    s.feed(
        chunk, [&](std::string_view l) { lines.emplace_back(l); }, [&] { ++oversized; });
    most_pending = std::max(most_pending, s.pending());
  }
  s.feed(
      "\n{\"pid\":1}\n", [&](std::string_view l) { lines.emplace_back(l); }, [&] { ++oversized; });
  EXPECT_LE(most_pending, 4096u);
  EXPECT_EQ(oversized, 1);
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"pid\":1}"}));
}

}  // namespace
}  // namespace memgate::metrics
