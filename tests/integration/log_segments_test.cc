// A run with a tiny --log-segment: its samples.csv, processes.csv and events.jsonl are
// closed into several zstd-compressed segments, and `memgate report` reads them with the
// live tail to the same verdict and sample count as the same run decompressed by hand
// with the documented zstdcat command into one plain file each.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

int compressed_segments(const std::string& dir, const std::string& base) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    n += name.rfind(base + ".", 0) == 0 && e.path().extension() == ".zst";
  }
  return n;
}

TEST(LogSegments, CompressedSegmentsReportAsTheSameRunDecompressed) {
  const std::string base = fresh_dir("segments");
  const std::string dir = base + "/run", plain = base + "/plain";
  const auto run = memgate({"run",
                            "--out",
                            dir,
                            "--no-plot",
                            "--quiet",
                            "--hz",
                            "50",
                            "--process-hz",
                            "20",
                            "--log-segment",
                            "2K",
                            "--duration",
                            "3s",
                            "--max-rss",
                            "1G",
                            "--plateau",
                            "none",
                            "--",
                            helper("memhog"),
                            "--alloc-mib",
                            "8",
                            "--children",
                            "1",
                            "--hold-s",
                            "60"});
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 2) << run.output;
  EXPECT_GE(compressed_segments(dir, "samples.csv"), 3);
  EXPECT_GE(compressed_segments(dir, "processes.csv"), 3);
  for (const auto& e : fs::directory_iterator(dir)) {  // all closed segments were compressed by the end
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name.find(".csv.") == std::string::npos || e.path().extension() == ".zst") << name;
  }

  // The same run as plain files, with the commands docs/sample-log.md gives users.
  fs::create_directories(plain);
  fs::copy_file(dir + "/meta.json", plain + "/meta.json");
  const auto cat = run_command(
      {"sh", "-c",
       "cd \"$1\" && for f in samples.csv processes.csv; do { zstdcat $f.*.zst; tail -n +2 $f; } > \"$2/$f\" || exit "
       "1; "
       "done && { for f in events.jsonl.*.zst; do [ -e \"$f\" ] && zstdcat \"$f\"; done; cat events.jsonl; } > "
       "\"$2/events.jsonl\"",
       "sh", dir, plain});
  ASSERT_EQ(cat.exit_code, 0) << cat.output;

  const auto segmented = memgate_split({"report", dir, "--json"});
  const auto decompressed = memgate_split({"report", plain, "--json"});
  ASSERT_EQ(segmented.exit_code, decompressed.exit_code) << segmented.err << decompressed.err;
  const auto a = nlohmann::json::parse(segmented.out), b = nlohmann::json::parse(decompressed.out);
  EXPECT_EQ(a["summary"]["samples"], b["summary"]["samples"]);
  EXPECT_EQ(a["summary"]["samples"].get<std::size_t>(), count_lines(plain + "/samples.csv") - 1);
  EXPECT_GE(a["summary"]["samples"].get<int>(), 100);  // 3 s at 50 Hz
  EXPECT_EQ(a["verdict"], b["verdict"]);
  ASSERT_EQ(a["checks"].size(), b["checks"].size());
  for (std::size_t i = 0; i < a["checks"].size(); ++i) {
    EXPECT_EQ(a["checks"][i]["id"], b["checks"][i]["id"]);
    EXPECT_EQ(a["checks"][i]["outcome"], b["checks"][i]["outcome"]) << a["checks"][i]["id"];
  }
  EXPECT_EQ(a["summary"]["rss"], b["summary"]["rss"]);
}

}  // namespace
}  // namespace memgate::testing
