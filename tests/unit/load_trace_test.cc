// Trace files: write / read round trip, malformed lines (error with the line number,
// or skip-and-count), and replay timing: multiplier, loops, reorder window, gap cap.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "load/trace.h"
#include "memgate/error.h"

namespace memgate::load {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "memgate_" + name + "_" + std::to_string(::getpid());
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

struct Replayed {
  double due;
  std::string record;
};

std::vector<Replayed> replay_all(TraceSource& source, std::size_t cap = 1000) {
  std::vector<Replayed> out;
  while (out.size() < cap) {
    auto due = source.next_due();
    if (!due) break;
    std::string record;
    source.emit(record);
    record.pop_back();
    out.push_back({*due, record});
  }
  return out;
}

TEST(LoadTrace, WriterAndReaderRoundTripEvenMalformedRecords) {
  const std::string path = temp_path("roundtrip.jsonl");
  TraceWriter writer(path);
  writer.write(0.5, "{\"a\":1}\n");
  writer.write(1.25, "{\"broken\":");  // a deliberately bad record survives as a string
  writer.close();
  TraceReader reader(path, {});
  TraceEntry e;
  ASSERT_TRUE(reader.next(e));
  EXPECT_DOUBLE_EQ(e.t_s, 0.5);
  EXPECT_EQ(e.record, "{\"a\":1}");
  ASSERT_TRUE(reader.next(e));
  EXPECT_DOUBLE_EQ(e.t_s, 1.25);
  EXPECT_EQ(e.record, "{\"broken\":");
  EXPECT_FALSE(reader.next(e));
}

TEST(LoadTrace, PhasesRoundTripAndAreReplayedPerRecord) {
  const std::string path = temp_path("phases.jsonl");
  TraceWriter writer(path);
  writer.write(0, "a", "nominal");
  writer.write(1, "b", "burst");
  writer.write(2, "c");  // no phase: the replay's own tag
  writer.close();
  TraceReader reader(path, {});
  TraceEntry e;
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.phase, "nominal");
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.phase, "burst");
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.phase, "");

  SentPhase sent;
  EXPECT_EQ(sent.get(), "replay");  // before the first record
  TraceSource source(path, {}, &sent);
  std::vector<std::string> phases, posted;
  std::string out;
  while (source.next_due()) {
    phases.emplace_back(source.phase());
    source.emit(out);
    posted.push_back(sent.get());
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"nominal", "burst", "replay"}));
  EXPECT_EQ(posted, phases);  // what the sampler sees after each record is sent
}

TEST(LoadTrace, MalformedLineIsAnErrorWithItsLineNumber) {
  const std::string path = write_file("bad.jsonl", "{\"t\":1}\n\n{\"t\":2\n{\"t\":3}\n");
  TraceReader reader(path, {});
  TraceEntry e;
  ASSERT_TRUE(reader.next(e));
  try {
    reader.next(e);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    const std::string message = error.what();
    EXPECT_NE(message.find(path + ":3: not valid JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("--skip-malformed"), std::string::npos) << message;
  }
}

TEST(LoadTrace, SkipMalformedCountsAndGoesOn) {
  const std::string path =
      write_file("skip.jsonl", "{\"t\":1}\nnot json\n[1,2]\n{\"x\":1}\n{\"t\":\"yesterday\"}\n{\"t\":2}\n");
  TraceReadOptions options;
  options.skip_malformed = true;
  TraceReader reader(path, options);
  TraceEntry e;
  int good = 0;
  while (reader.next(e)) ++good;
  EXPECT_EQ(good, 2);
  EXPECT_EQ(reader.malformed(), 4u);
  EXPECT_EQ(e.line_no, 6u);
}

TEST(LoadTrace, UserTraceWithIsoTimestampsIsReplayedLineForLine) {
  const std::string path = write_file("user.jsonl",
                                      "{\"ts\":\"2024-03-01T12:00:00.000Z\",\"v\":1}\n"
                                      "{\"ts\":\"2024-03-01T12:00:02.500Z\",\"v\":2}\n");
  ReplayOptions options;
  options.read.time_field = "ts";
  TraceSource source(path, options);
  const auto out = replay_all(source);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].due, 0);
  EXPECT_DOUBLE_EQ(out[1].due, 2.5);
  EXPECT_EQ(out[1].record, "{\"ts\":\"2024-03-01T12:00:02.500Z\",\"v\":2}");
  EXPECT_EQ(parse_utc_seconds("1970-01-02T00:00:01Z"), 86401.0);
  EXPECT_FALSE(parse_utc_seconds("2024-03-01 12:00"));
}

TEST(LoadTrace, MultiplierLoopsAndGapCap) {
  const std::string path = write_file("loop.jsonl",
                                      "{\"t\":100,\"line\":\"a\"}\n{\"t\":102,\"line\":\"b\"}\n"
                                      "{\"t\":104,\"line\":\"c\"}\n{\"t\":200,\"line\":\"d\"}\n");
  ReplayOptions options;
  options.multiplier = 2;
  options.loops = 2;
  options.max_gap_s = 10;
  TraceSource source(path, options);
  const auto out = replay_all(source);
  ASSERT_EQ(out.size(), 8u);
  const std::vector<double> expected = {0, 1, 2, 7, 7 + 7.0 / 3, 7 + 7.0 / 3 + 1, 7 + 7.0 / 3 + 2, 7 + 7.0 / 3 + 7};
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i].due, expected[i], 1e-9) << i;
  EXPECT_EQ(out[4].record, "a");
  EXPECT_EQ(source.stats()["gaps_capped"], 2);
}

TEST(LoadTrace, EndlessLoopKeepsGoing) {
  const std::string path = write_file("endless.jsonl", "{\"t\":0,\"line\":\"x\"}\n{\"t\":1,\"line\":\"y\"}\n");
  ReplayOptions options;
  options.loops = 0;
  TraceSource source(path, options);
  const auto out = replay_all(source, 101);
  ASSERT_EQ(out.size(), 101u);
  EXPECT_DOUBLE_EQ(out[100].due, 100);
}

// A pass without span (every record at one time, or each older than the first) lasts
// 1 s of trace time: an endless replay moves on instead of spinning at t=0 for ever.
TEST(LoadTrace, EndlessLoopOfOneInstantAdvancesOneSecondPerPass) {
  for (const char* text : {"{\"t\":5,\"line\":\"a\"}\n{\"t\":5,\"line\":\"b\"}\n{\"t\":5,\"line\":\"c\"}\n",
                           "{\"t\":9,\"line\":\"a\"}\n{\"t\":8,\"line\":\"b\"}\n{\"t\":7,\"line\":\"c\"}\n"}) {
    const std::string path = write_file("instant.jsonl", text);
    ReplayOptions options;
    options.loops = 0;
    options.multiplier = 2;  // 1 s of trace time is 0.5 s of replay
    TraceSource source(path, options);
    const auto out = replay_all(source, 300);
    ASSERT_EQ(out.size(), 300u);
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_DOUBLE_EQ(out[i].due, 0.5 * static_cast<double>(i / 3)) << i;
  }
}

TEST(LoadTrace, LineOverTheCapIsMalformedAndNeverHeldWhole) {
  const std::string big(kMaxTraceLineBytes, 'x');  // with its JSON around it: just over the cap
  const std::string path =
      write_file("long.jsonl", "{\"t\":0,\"line\":\"" + big + "\"}\n{\"t\":1,\"line\":\"after\"}\n");
  {
    TraceReader reader(path, {});
    TraceEntry entry;
    try {
      reader.next(entry);
      FAIL() << "expected an error for the long line";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_NE(std::string(e.what()).find(":1: longer than 16777216 bytes"), std::string::npos) << e.what();
    }
  }
  TraceReadOptions skip;
  skip.skip_malformed = true;
  TraceReader reader(path, skip);
  TraceEntry entry;
  ASSERT_TRUE(reader.next(entry));
  EXPECT_EQ(entry.record, "after");
  EXPECT_EQ(entry.line_no, 2u);
  EXPECT_EQ(reader.malformed(), 1u);
  EXPECT_EQ(reader.oversized(), 1u);
  EXPECT_FALSE(reader.next(entry));
}

TEST(LoadTrace, LineJustUnderTheCapAndALastLineWithoutNewlineAreRead) {
  const std::string record(kMaxTraceLineBytes - 64, 'y');
  const std::string path = write_file("under.jsonl", "{\"t\":0,\"line\":\"" + record + "\"}\n{\"t\":1,\"line\":\"z\"}");
  TraceReader reader(path, {});
  TraceEntry entry;
  ASSERT_TRUE(reader.next(entry));
  EXPECT_EQ(entry.record.size(), record.size());
  ASSERT_TRUE(reader.next(entry));
  EXPECT_EQ(entry.record, "z");
  EXPECT_FALSE(reader.next(entry));
}

TEST(LoadTrace, WriterRefusesARecordOverTheLineCap) {
  TraceWriter writer(temp_path("too_long_out.jsonl"));
  writer.write(0, "ok");
  try {
    writer.write(1, std::string(kMaxTraceLineBytes, 'q'));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("trace record 2 would be a line of"), std::string::npos) << e.what();
  }
  EXPECT_EQ(writer.lines(), 1u);
}

TEST(LoadTrace, DirectoryIsRefused) {
  try {
    TraceReader reader(::testing::TempDir(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(LoadTrace, ReorderWindowRestoresOrderWithinItsReach) {
  const std::string path = write_file("order.jsonl",
                                      "{\"t\":1,\"line\":\"1\"}\n{\"t\":3,\"line\":\"3\"}\n{\"t\":2,\"line\":\"2\"}\n"
                                      "{\"t\":4,\"line\":\"4\"}\n{\"t\":0.5,\"line\":\"late\"}\n");
  ReplayOptions options;
  options.reorder_window = 1;
  TraceSource source(path, options);
  const auto out = replay_all(source);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].record, "1");
  EXPECT_EQ(out[1].record, "2");
  EXPECT_EQ(out[2].record, "3");
  EXPECT_EQ(out[3].record, "late");  // beyond the window: sent at once, counted
  EXPECT_DOUBLE_EQ(out[3].due, out[2].due);
  EXPECT_EQ(out[4].record, "4");
  EXPECT_EQ(source.stats()["out_of_order"], 1);
}

}  // namespace
}  // namespace memgate::load
