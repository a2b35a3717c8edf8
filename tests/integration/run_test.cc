// `memgate run` end to end against memhog, a target whose memory, fds, threads and
// children are known: what memgate measures must match what the target holds.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/run_helpers.h"
#include "sys/child.h"

namespace memgate::testing {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct Run {
  CommandResult result;
  std::string dir;
  nlohmann::json report;
};

Run run_memhog(const std::string& tag, const std::vector<std::string>& memgate_args,
               const std::vector<std::string>& memhog_args) {
  Run run;
  run.dir = fresh_dir(tag) + "/run";
  // Short runs: a plateau verdict needs minutes of steady data (tested in report_test.cc).
  std::vector<std::string> args{"run", "--out", run.dir, "--no-plot", "--quiet", "--plateau", "none"};
  args.insert(args.end(), memgate_args.begin(), memgate_args.end());
  args.push_back("--");
  args.push_back(helper("memhog"));
  args.insert(args.end(), memhog_args.begin(), memhog_args.end());
  run.result = memgate(args);
  if (std::filesystem::exists(run.dir + "/report.json")) run.report = read_json(run.dir + "/report.json");
  return run;
}

std::string check_outcome(const nlohmann::json& report, const std::string& id) {
  return report_check(report, id)["outcome"];
}

TEST(Run, MeasuresWhatTheTargetHolds) {
  const auto run =
      run_memhog("holds", {"--hz", "20"}, {"--alloc-mib", "64", "--fds", "40", "--threads", "4", "--hold-s", "1.5"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  const auto& s = run.report["summary"];
  // 64 MiB touched + the program itself (a few MiB of libc/libstdc++ pages).
  EXPECT_GE(s["rss"]["peak"].get<double>(), 64 * kMiB);
  EXPECT_LE(s["rss"]["peak"].get<double>(), 64 * kMiB + 12 * kMiB);
  EXPECT_GE(s["hwm_max"]["peak"].get<double>(), 64 * kMiB);
  // Exactly the 40 extra fds, over what any target inherits here (stdio and whatever the
  // test runner passes down; nothing of memgate's own: its fds are all CLOEXEC).
  // Held for 1 s: a shorter run can end before its first sample on a loaded machine.
  const auto baseline = run_memhog("fd-baseline", {}, {"--hold-s", "1"});
  ASSERT_EQ(baseline.result.exit_code, 0) << baseline.result.output;
  EXPECT_EQ(s["fds"]["peak"].get<int>() - baseline.report["summary"]["fds"]["peak"].get<int>(), 40);
  EXPECT_EQ(s["threads"]["peak"].get<int>(), 5);
  EXPECT_EQ(s["processes"]["peak"].get<int>(), 1);
  EXPECT_EQ(run.report["run"]["target"]["exit_code"], 0);
  EXPECT_EQ(run.report["run"]["end_reason"], "target-exited");
  EXPECT_EQ(run.report["verdict"]["outcome"], "pass");
  // Every sample is on disk: 20 Hz for ~1.5 s, plus the header.
  const auto rows = count_lines(run.dir + "/samples.csv") - 1;
  EXPECT_EQ(rows, run.report["summary"]["samples"].get<std::size_t>());
  EXPECT_GE(rows, 25u);
}

TEST(Run, SumsTheTreeAndCountsSharedPagesOnceInPss) {
  const auto run =
      run_memhog("tree", {"--hz", "20", "--pss-hz", "5"}, {"--shared-mib", "48", "--children", "3", "--hold-s", "1.5"});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  const auto& s = run.report["summary"];
  EXPECT_EQ(s["processes"]["peak"].get<int>(), 4);
  // RSS counts the 48 shared MiB in each of the 4 processes; PSS counts them once.
  EXPECT_GE(s["rss"]["peak"].get<double>(), 4 * 48 * kMiB);
  EXPECT_GE(s["pss"]["peak"].get<double>(), 48 * kMiB);
  EXPECT_LE(s["pss"]["peak"].get<double>(), 48 * kMiB + 16 * kMiB);
}

TEST(Run, CrashIsExitCode4WithTheSignalNamed) {
  const auto run = run_memhog("crash", {}, {"--alloc-mib", "8", "--crash", "segv", "--hold-s", "0.3"});
  EXPECT_EQ(run.result.exit_code, 4) << run.result.output;
  EXPECT_NE(run.result.output.find("SIGSEGV"), std::string::npos) << run.result.output;
  EXPECT_EQ(run.report["run"]["target"]["signal"], "SIGSEGV");
  EXPECT_EQ(run.report["verdict"]["outcome"], "fail");
  EXPECT_EQ(run.report["verdict"]["exit_code"], 4);
}

TEST(Run, NonZeroExitIsATargetFailure) {
  const auto run = run_memhog("exit3", {}, {"--exit", "3"});
  EXPECT_EQ(run.result.exit_code, 4) << run.result.output;
  EXPECT_EQ(run.report["run"]["target"]["exit_code"], 3);
}

TEST(Run, BudgetFailsAndReportRecomputesWithOtherSettings) {
  const auto run = run_memhog("budget", {"--max-rss", "32M"}, {"--alloc-mib", "48", "--hold-s", "0.5"});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.output;
  EXPECT_EQ(check_outcome(run.report, "rss-budget"), "fail");

  // Same data, a budget it fits in: recomputed from disk, no re-run.
  const auto junit = run.dir + "/junit.xml";
  const auto again = memgate({"report", run.dir, "--in-place", "--max-rss", "1G", "--junit", junit});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(check_outcome(read_json(run.dir + "/report.json"), "rss-budget"), "pass");
  std::ifstream in(junit);
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("name=\"rss-budget\""), std::string::npos);
  EXPECT_EQ(xml.find("<failure"), std::string::npos);

  // Without flags, the recorded settings apply again.
  EXPECT_EQ(memgate({"report", run.dir, "--in-place"}).exit_code, 1);
  // Keep the document alive: a range-for over a temporary's member outlives the temporary.
  const auto recorded = read_json(run.dir + "/report.json");
  for (const auto& c : recorded["checks"])  // --plateau none was recorded too
    EXPECT_NE(c["id"], "rss-plateau");
}

TEST(Run, DurationStopsTheTargetAndIsNotAFailure) {
  const auto run = run_memhog("duration", {"--duration", "1s"}, {"--hold-s", "30"});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_EQ(run.report["run"]["end_reason"], "duration");
  EXPECT_TRUE(run.report["run"]["target"]["stopped_by_memgate"].get<bool>());
  EXPECT_LT(run.report["run"]["duration_s"].get<double>(), 5.0);
}

TEST(Run, TargetIgnoringSigtermIsKilledAfterGrace) {
  const auto run = run_memhog("grace", {"--duration", "0.5s", "--grace", "0.5s"}, {"--ignore-term", "--hold-s", "30"});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_EQ(run.report["run"]["target"]["signal"], "SIGKILL");
  EXPECT_LT(run.report["run"]["duration_s"].get<double>(), 5.0);
}

TEST(Run, SigtermToMemgateStillWritesACompleteReport) {
  const std::string dir = fresh_dir("sigterm") + "/run";
  const std::string ready = dir + ".ready";
  auto memgate_proc =
      sys::Child::spawn({{MEMGATE_BIN, "run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--hz", "50",
                          "--", helper("memhog"), "--alloc-mib", "16", "--hold-s", "60", "--ready-file", ready},
                         {},
                         ""});
  for (int i = 0; i < 500 && !std::filesystem::exists(ready); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(::kill(memgate_proc.pid(), SIGTERM), 0);
  const auto status = memgate_proc.wait();
  EXPECT_FALSE(status.signaled);
  EXPECT_EQ(status.code, 0);
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["run"]["status"], "finished");
  EXPECT_EQ(report["run"]["end_reason"], "interrupted");
  EXPECT_EQ(report["run"]["target"]["signal"], "SIGTERM");
  EXPECT_GE(report["summary"]["rss"]["peak"].get<double>(), 16 * kMiB);
  EXPECT_EQ(count_lines(dir + "/samples.csv") - 1, report["summary"]["samples"].get<std::size_t>());
}

TEST(Run, WritesTheTimelinePlot) {
  const std::string dir = fresh_dir("plot") + "/run";
  const auto result = memgate({"run", "--out", dir, "--quiet", "--plateau", "none", "--", helper("memhog"),
                               "--alloc-mib", "8", "--hold-s", "0.5"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ASSERT_TRUE(std::filesystem::exists(dir + "/timeline.png")) << result.output;
  EXPECT_GT(std::filesystem::file_size(dir + "/timeline.png"), 10000u);
}

TEST(BadInput, UnknownFlagIsUsageError) {
  const auto r = memgate({"run", "--no-such-flag", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

TEST(BadInput, MissingCommandIsUsageError) {
  const auto r = memgate({"run"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("command"), std::string::npos) << r.output;
}

TEST(BadInput, MissingExecutableIsExitCode4AndLeavesTheRunDirectory) {
  const std::string dir = fresh_dir("noexec") + "/run";
  const auto r = memgate({"run", "--out", dir, "--", "/nonexistent/program"});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("cannot start '/nonexistent/program'"), std::string::npos) << r.output;
  EXPECT_EQ(read_json(dir + "/meta.json")["end_reason"], "start-failed");
}

TEST(BadInput, UnwritableOutIsUsageError) {
  const std::string file = fresh_dir("unwritable") + "/a-file";
  std::ofstream(file) << "x";
  const auto r = memgate({"run", "--out", file + "/run", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
}

TEST(Run, TargetLogTakesTheTargetsStdoutAndStderr) {
  const std::string dir = fresh_dir("target-log");
  const auto r = memgate({"run", "--quiet", "--no-plot", "--plateau", "none", "--out", dir + "/run", "--target-log",
                          dir + "/target.log", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("to-std"), std::string::npos) << r.output;
  std::ifstream in(dir + "/target.log");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "to-stdout\nto-stderr\n");
}

TEST(BadInput, UnwritableTargetLogIsUsageErrorBeforeTheTargetStarts) {
  const std::string dir = fresh_dir("target-log-bad");
  const auto r = memgate({"run", "--quiet", "--no-plot", "--out", dir + "/run", "--target-log",
                          dir + "/missing/target.log", "--", "sh", "-c", "touch " + dir + "/started"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cannot write the target log " + dir + "/missing/target.log"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/started"));
}

TEST(BadInput, MalformedSizeIsUsageError) {
  const auto r = memgate({"run", "--max-rss", "12Q", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--max-rss '12Q': expected a size"), std::string::npos) << r.output;
}

TEST(BadInput, ReportOfANonRunDirectoryIsUsageError) {
  const auto r = memgate({"report", fresh_dir("empty")});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("meta.json"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace memgate::testing
