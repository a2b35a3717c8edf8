// The sample log written with a tiny segment size and read back: the rows, phases and
// events come back in order across compressed segments and the live file, and a torn
// live line or a damaged segment tail is skipped and counted, not invented.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "record/sample_log.h"
#include "record/segments.h"

namespace memgate::record {
namespace {

namespace fs = std::filesystem;

std::string temp_dir() {
  std::string dir = (fs::temp_directory_path() / "memgate-unit-segments-XXXXXX").string();
  if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp");
  return dir;
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// Writes `rows` rows at 10 Hz with segments of 2 KiB; returns the directory.
std::string write_log(int rows) {
  const std::string dir = temp_dir();
  SampleLogWriter log(dir, {"extra_value"}, 2048);
  std::vector<ProcessSample> processes(3);
  for (int i = 0; i < rows; ++i) {
    TreeSample s;
    s.t_s = i * 0.1;
    s.rss_bytes = 1000000 + static_cast<std::uint64_t>(i);
    processes[0].pid = 10 + i;
    log.write_tree(s, i < rows / 2 ? "warm" : "soak", s.t_s, {static_cast<double>(i)});
    log.write_processes(s.t_s, processes);
    if (i % 10 == 0) log.write_event(s.t_s, "mark", {{"i", i}});
    log.maybe_flush(s.t_s, true);
  }
  return dir;
}

TEST(SampleLogSegments, RowsComeBackInOrderAcrossCompressedSegments) {
  const int rows = 400;
  const std::string dir = write_log(rows);
  int compressed = 0;
  for (const auto& name : names_in(dir)) {
    if (const auto s = parse_segment_name(kSamplesFile, name)) compressed += s->compressed;
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
    EXPECT_FALSE(parse_segment_name(kSamplesFile, name) && !parse_segment_name(kSamplesFile, name)->compressed)
        << name << " left uncompressed after the writer closed";
  }
  EXPECT_GE(compressed, 5);  // ~60 bytes a row: 400 rows are ~12 segments of 2 KiB

  int next = 0;
  std::set<std::string> phases;
  const std::size_t torn = read_samples(dir + "/" + kSamplesFile, [&](const SampleRow& row) {
    EXPECT_EQ(row.get("rss_bytes"), 1000000 + next);
    EXPECT_EQ(row.get("extra_value"), next);
    phases.insert(std::string(row.text("phase")));
    ++next;
  });
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(next, rows);
  EXPECT_EQ(phases, (std::set<std::string>{"warm", "soak"}));

  std::size_t process_rows = 0;
  read_samples(dir + "/" + kProcessesFile, [&](const SampleRow& row) {
    EXPECT_NEAR(row.get("t_s"), static_cast<double>(process_rows / 3) * 0.1, 1e-6);
    ++process_rows;
  });
  EXPECT_EQ(process_rows, 3u * rows);
  int marks = 0;
  read_events(dir + "/" + kEventsFile, "mark", [&](const nlohmann::json& e) { EXPECT_EQ(e["i"], 10 * marks++); });
  EXPECT_EQ(marks, rows / 10);
  fs::remove_all(dir);
}

TEST(SampleLogSegments, TornLiveLineAndDamagedSegmentTailAreSkippedAndCounted) {
  const std::string dir = write_log(200);
  std::ofstream(dir + "/" + kSamplesFile, std::ios::app) << "99.5,99.5,17";
  std::size_t rows = 0;
  EXPECT_EQ(read_samples(dir + "/" + kSamplesFile, [&](const SampleRow&) { ++rows; }), 1u);
  EXPECT_EQ(rows, 200u);

  // A compressed segment cut short (a disk that lost its end): the rows decoded before
  // the cut are read, the cut is counted, and the later segments still follow.
  const std::string second = dir + "/" + segment_name(kSamplesFile, 2, true);
  ASSERT_TRUE(fs::exists(second));
  fs::resize_file(second, fs::file_size(second) / 2);
  rows = 0;
  double last_t = -1;
  bool ordered = true;
  const std::size_t torn = read_samples(dir + "/" + kSamplesFile, [&](const SampleRow& row) {
    ordered &= row.get("t_s") > last_t;
    last_t = row.get("t_s");
    ++rows;
  });
  EXPECT_EQ(torn, 2u);
  EXPECT_LT(rows, 200u);
  EXPECT_GT(rows, 150u);
  EXPECT_TRUE(ordered);
  fs::remove_all(dir);
}

TEST(SampleLogSegments, OffMeansOneUncompressedFile) {
  const std::string dir = temp_dir();
  {
    SampleLogWriter log(dir, {}, 0);
    for (int i = 0; i < 300; ++i) {
      TreeSample s;
      s.t_s = i;
      log.write_tree(s, "run", s.t_s, {});
      log.maybe_flush(s.t_s, true);
    }
  }
  EXPECT_EQ(names_in(dir), (std::set<std::string>{kEventsFile, kProcessesFile, kSamplesFile}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace memgate::record
