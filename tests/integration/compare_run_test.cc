// `memgate compare` end to end: the burst helper (tests/helpers/alloc/alloc_burst,
// driven through its phases by a small shell script) under glibc and jemalloc, twice
// each, then the files, the interleaved order, the recomputation from disk and the
// usage errors.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

constexpr double kBurstBytes = 300000.0 * 256;  // what alloc_burst holds at its peak

// Waits for each phase of alloc_burst in its status file, then signals the next one.
// $0 is the helper; the run ends when the helper exits.
const char* kBurstDriver =
    "s=$(mktemp); \"$0\" \"$s\" 300000 256 & p=$!; "
    "wait_for() { while :; do read -r l < \"$s\" 2>/dev/null; case \"$l\" in *phase=$1*) return;; esac; sleep 0.05; "
    "done; }; "
    "wait_for baseline; sleep 0.3; kill -USR1 $p; wait_for burst; sleep 0.5; kill -USR1 $p; "
    "wait_for freed; sleep 1; kill -USR1 $p; wait $p; rc=$?; rm -f \"$s\"; echo \"alloc_burst exited $rc\"; exit $rc";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One comparison shared by the tests below (running it costs ~15 s).
class CompareEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fresh_dir("compare") + "/cmp");
    result_ = new CommandResult(
        memgate({"compare", "--allocators", "glibc,jemalloc", "--repeat", "2", "--out", *dir_, "--no-plot", "--hz",
                 "20", "--", "sh", "-c", kBurstDriver, helper("alloc/alloc_burst")}));
  }
  static void TearDownTestSuite() {
    fs::remove_all(fs::path(*dir_).parent_path());
    delete dir_;
    delete result_;
  }
  static std::string* dir_;
  static CommandResult* result_;
};
std::string* CompareEndToEnd::dir_ = nullptr;
CommandResult* CompareEndToEnd::result_ = nullptr;

TEST_F(CompareEndToEnd, WritesTheComparisonAndPrintsTheRecommendation) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  EXPECT_NE(result_->output.find("| variant | steady RSS | peak RSS |"), std::string::npos) << result_->output;
  EXPECT_NE(result_->output.find("Recommendation: "), std::string::npos) << result_->output;
  EXPECT_NE(result_->output.find("[4/4] jemalloc-2:"), std::string::npos) << result_->output;

  const auto j = read_json(*dir_ + "/compare.json");
  EXPECT_EQ(j["schema"], "memgate.compare/1");
  EXPECT_EQ(j["status"], "finished");
  ASSERT_EQ(j["runs"].size(), 4u);
  ASSERT_EQ(j["summary"].size(), 2u);
  const std::string line = j["recommendation"]["line"];
  EXPECT_FALSE(line.empty());
  EXPECT_NE(result_->output.find(line), std::string::npos);
  EXPECT_EQ(j["recommendation"]["baseline"], "glibc");
  EXPECT_EQ(j["recommendation"]["throughput_metric"], "wall_s");  // the helper does fixed work and exits

  const std::string md = read_text(*dir_ + "/compare.md");
  EXPECT_NE(md.find("| glibc | "), std::string::npos) << md;
  EXPECT_NE(md.find("| jemalloc | "), std::string::npos) << md;
  EXPECT_NE(md.find("| runs | 2 | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("**Recommendation:** " + line), std::string::npos) << md;
}

TEST_F(CompareEndToEnd, RunsAreInterleavedOrdinaryRunDirectories) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  const std::vector<std::string> order{"glibc-1", "jemalloc-1", "glibc-2", "jemalloc-2"};
  std::int64_t previous_start = 0;
  for (const auto& name : order) {
    const std::string run = *dir_ + "/" + name;
    ASSERT_TRUE(fs::exists(run + "/report.json")) << name;
    const auto meta = read_json(run + "/meta.json");
    const std::int64_t started = meta["started_unix_ms"];
    EXPECT_GT(started, previous_start) << name << " did not start after the run before it";
    previous_start = started;
    // The target's output stays with its run, not in the comparison's terminal lines.
    EXPECT_EQ(read_text(run + "/target.log"), "alloc_burst exited 0\n") << name;
  }
  EXPECT_EQ(result_->output.find("alloc_burst exited"), std::string::npos) << result_->output;
}

TEST_F(CompareEndToEnd, EachRunIsServedByItsAllocatorAndSeesTheBurst) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  const auto j = read_json(*dir_ + "/compare.json");
  for (const auto& run : j["runs"]) {
    const std::string name = run["dir"];
    EXPECT_EQ(run["allocator_verified"], true) << name;
    EXPECT_EQ(run["problem"], "") << name;
    const auto report = read_json(*dir_ + "/" + name + "/report.json");
    const auto seen = report["samplers"]["alloc"]["allocators_seen"];
    EXPECT_TRUE(seen.contains(run["variant"].get<std::string>())) << name << ": " << seen.dump();
    // The helper holds 76.8 MB at its peak: the tree's peak RSS must show it.
    const double peak = run["values"]["peak_rss_bytes"];
    EXPECT_GT(peak, kBurstBytes) << name;
    EXPECT_LT(peak, 3 * kBurstBytes) << name;
    const double steady = run["values"]["steady_rss_bytes"];
    EXPECT_GT(steady, 0) << name;
    EXPECT_LE(steady, peak) << name;
  }
  for (const auto& variant : j["summary"]) {
    const auto& m = variant["metrics"]["peak_rss_bytes"];
    EXPECT_EQ(m["n"], 2) << variant["label"];
    EXPECT_LE(m["min"].get<double>(), m["median"].get<double>());
    EXPECT_LE(m["median"].get<double>(), m["max"].get<double>());
    EXPECT_TRUE(variant["metrics"].contains("wall_s")) << variant["label"];
    EXPECT_TRUE(variant["metrics"].contains("free_held_final_bytes")) << variant["label"];
  }
}

TEST_F(CompareEndToEnd, ReportRecomputesTheSameComparisonFromDisk) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  const auto before = read_json(*dir_ + "/compare.json");
  fs::remove(*dir_ + "/compare.md");
  const auto again = memgate({"compare", "--report", *dir_, "--no-plot"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const auto after = read_json(*dir_ + "/compare.json");
  EXPECT_EQ(after["summary"], before["summary"]);
  EXPECT_EQ(after["recommendation"]["line"], before["recommendation"]["line"]);
  EXPECT_TRUE(fs::exists(*dir_ + "/compare.md"));
  // A second comparison into the same directory would mix two experiments.
  const auto clash = memgate({"compare", "--allocators", "glibc", "--out", *dir_, "--", "true"});
  EXPECT_EQ(clash.exit_code, 3) << clash.output;
  EXPECT_NE(clash.output.find("already holds a comparison"), std::string::npos) << clash.output;
}

TEST_F(CompareEndToEnd, ChartsAreRendered) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  const auto plot =
      run_command({"/usr/bin/python3", std::string(MEMGATE_SOURCE_DIR) + "/reports/plot_compare.py", *dir_});
  if (plot.exit_code == 3) GTEST_SKIP() << "matplotlib is not installed for /usr/bin/python3: " << plot.output;
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  for (const char* png : {"compare_bars.png", "compare_rss.png"}) {
    ASSERT_TRUE(fs::exists(*dir_ + "/" + png)) << png;
    EXPECT_GT(fs::file_size(*dir_ + "/" + png), 10000u) << png;
  }
  // A run drawn beside the comparison (ci/demo's anti-pattern): the picture is redrawn
  // with it; a missing or unreadable run is a usage error, never a picture without it.
  const std::string script = std::string(MEMGATE_SOURCE_DIR) + "/reports/plot_compare.py";
  const auto before = fs::last_write_time(*dir_ + "/compare_rss.png");
  const auto contrast = run_command({"/usr/bin/python3", script, *dir_, "--contrast", *dir_ + "/glibc-1"});
  ASSERT_EQ(contrast.exit_code, 0) << contrast.output;
  EXPECT_GE(fs::last_write_time(*dir_ + "/compare_rss.png"), before);
  const auto missing = run_command({"/usr/bin/python3", script, *dir_, "--contrast", *dir_ + "/no-such-run"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("cannot read the contrast run"), std::string::npos) << missing.output;
  const auto usage = run_command({"/usr/bin/python3", script, *dir_, "--contrast"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_NE(usage.output.find("usage: plot_compare.py DIR [--contrast RUN_DIR]"), std::string::npos) << usage.output;
}

TEST(CompareUsage, BadRequestsFailBeforeAnyRun) {
  const std::string dir = fresh_dir("compare-usage");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"compare", "--allocators", "glibc,hoard", "--out", dir + "/a", "--", "true"}, "variant hoard"},
      {{"compare", "--out", dir + "/b", "--", "true"}, "--allocators"},
      {{"compare", "--allocators", "glibc", "--out", dir + "/c"}, "no command"},
      {{"compare", "--allocators", "glibc,glibc", "--out", dir + "/d", "--", "true"}, "compared twice"},
      {{"compare", "--allocators", "glibc,jemalloc", "--out", dir + "/e", "--", "/sbin/ldconfig", "-p"},
       "variant jemalloc"},
      {{"compare", "--variant", "je=jemalloc MIMALLOC_VERBOSE=1", "--out", dir + "/f", "--", "true"}, "variant je"},
  };
  for (const auto& c : cases) {
    const auto r = memgate(c.args);
    EXPECT_EQ(r.exit_code, 3) << c.args[2] << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
  }
  // Nothing ran: no run directory was created for any of them.
  for (const char* sub : {"a", "b", "c", "d", "e", "f"}) EXPECT_FALSE(fs::exists(dir + "/" + sub + "/glibc-1")) << sub;
  fs::remove_all(dir);
}

TEST(CompareUsage, TargetThatCannotStartExits4) {
  const std::string dir = fresh_dir("compare-nostart");
  const std::string script = dir + "/not-executable.sh";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  fs::permissions(script, fs::perms::owner_read | fs::perms::owner_write);
  const auto r = memgate(
      {"compare", "--allocators", "glibc,jemalloc", "--repeat", "1", "--out", dir + "/x", "--no-plot", "--", script});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  // A run that cannot start does not end the comparison: every run is tried and reported.
  EXPECT_NE(r.output.find("glibc-1: cannot start"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("jemalloc-1: cannot start"), std::string::npos) << r.output;
  const auto j = read_json(dir + "/x/compare.json");
  ASSERT_EQ(j["runs"].size(), 2u) << j.dump();
  for (const auto& run : j["runs"])
    EXPECT_NE(run["problem"].get<std::string>().find("cannot start"), std::string::npos);
  EXPECT_EQ(j["summary"][0]["target_failures"], 1);
  fs::remove_all(dir);
}

// `--purge-every` means the same in both subcommands: a duration, positive.
TEST(CompareLikeRun, PurgeEveryTakesADurationAsInRun) {
  const std::string dir = fresh_dir("compare-purge");
  for (const std::string sub : {"run", "compare"}) {
    std::vector<std::string> args{sub};
    if (sub == "compare") args.insert(args.end(), {"--allocators", "glibc", "--repeat", "1"});
    else args.insert(args.end(), {"--allocator", "glibc"});
    args.insert(args.end(), {"--out", dir + "/" + sub, "--no-plot", "--plateau", "none", "--purge-every", "0.2s", "--",
                             "sh", "-c", "sleep 0.6"});
    const auto r = memgate(args);
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.output;
    std::vector<std::string> zero_args{sub, "--purge-every", "0"};
    zero_args.insert(zero_args.end(), args.begin() + 1, args.begin() + (sub == "compare" ? 5 : 3));
    zero_args.insert(zero_args.end(), {"--", "true"});
    const auto zero = memgate(zero_args);
    EXPECT_EQ(zero.exit_code, 3) << sub << ": " << zero.output;
    EXPECT_NE(zero.output.find("--purge-every must be positive"), std::string::npos) << sub << ": " << zero.output;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace memgate::testing
