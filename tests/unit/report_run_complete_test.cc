// The run-complete check and the torn last line: a run directory memgate did not finish
// is judged from what it holds, never as a pass.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "record/run_meta.h"
#include "record/sample_log.h"
#include "report/run_analysis.h"
#include "report/so_far.h"
#include "report/terminal.h"

namespace memgate::report {
namespace {

// A run directory with `rows` complete samples (64 MiB each) and, with `torn`, half a row more.
std::string run_dir(const std::string& status, const std::string& end_reason, int rows, bool torn) {
  std::string dir = (std::filesystem::temp_directory_path() / "memgate-unit-complete-XXXXXX").string();
  if (!::mkdtemp(dir.data())) throw std::runtime_error("mkdtemp");
  record::RunMeta meta;
  meta.command = {"./server"};
  meta.status = status;
  meta.end_reason = end_reason;
  meta.checks = to_json(CheckSettings{});
  record::write_json_file(dir + "/" + record::kMetaFile, meta);
  std::ofstream out(dir + "/" + record::kSamplesFile);
  std::string header;
  for (const auto& c : record::tree_columns()) header += (header.empty() ? "" : ",") + c;
  out << header << "\n";
  for (int i = 0; i < rows; ++i)
    out << i * 0.1 << "," << i * 0.1 << ",0,run,1,67108864,67108864,0,0,67108864,0,,10,1,0,0,0.1\n";
  if (torn) out << rows * 0.1 << "," << rows * 0.1 << ",0,run,1,671";  // cut mid-number, no newline
  return dir;
}

const CheckResult* find(const RunAnalysis& a, const std::string& id) {
  for (const auto& c : a.checks)
    if (c.id == id) return &c;
  return nullptr;
}

TEST(RunComplete, AnAbandonedRunIsInconclusiveAndItsTornLineIsCounted) {
  const auto a = analyze_run_dir(run_dir("running", "", 5, true), CheckSettings{});
  const CheckResult* c = find(a, "run-complete");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, Outcome::inconclusive);
  EXPECT_NE(c->summary.find("the run did not finish (memgate stopped near t=0.4s)"), std::string::npos) << c->summary;
  EXPECT_NE(c->summary.find("torn last lines skipped: samples.csv 1"), std::string::npos) << c->summary;
  EXPECT_EQ(a.summary.samples, 5u);
  EXPECT_EQ(a.series.torn_lines, 1u);
  EXPECT_EQ(a.verdict.outcome, Outcome::inconclusive);
  EXPECT_EQ(a.exit_code, ExitCode::inconclusive);
  EXPECT_TRUE(a.target_problem.empty()) << "the target's end is unknown, not a failure";
}

// What a live analysis holds between refreshes: the checks and what the live line reads,
// not the pass's buckets (~3 MiB once full) nor its phase spans and fd snapshots.
TEST(RunComplete, KeepVerdictOnlyFreesThePassSeriesAndKeepsTheDecision) {
  auto a = analyze_run_dir(run_dir("running", "", 50, true), CheckSettings{});
  ASSERT_EQ(a.series.rss.buckets().size(), 50u);
  ASSERT_FALSE(a.series.phases.empty());
  const std::string decision = live_decision(a), progress = progress_text(a);
  const std::size_t checks = a.checks.size();
  keep_verdict_only(a);
  EXPECT_EQ(a.series.rss.buckets().capacity(), 0u);
  EXPECT_EQ(a.series.fds.buckets().capacity(), 0u);
  EXPECT_EQ(a.series.phases.capacity(), 0u);
  EXPECT_TRUE(a.series.fd_snapshots.empty());
  EXPECT_EQ(a.checks.size(), checks);
  EXPECT_EQ(a.series.torn_lines, 1u);
  EXPECT_EQ(live_decision(a), decision);
  EXPECT_EQ(progress_text(a), progress);
  EXPECT_EQ(a.verdict.outcome, Outcome::inconclusive);
}

TEST(RunComplete, AFinishedRunHasNoSuchCheck) {
  const auto a = analyze_run_dir(run_dir("finished", "target-exited", 5, false), CheckSettings{});
  EXPECT_EQ(find(a, "run-complete"), nullptr);
  EXPECT_EQ(a.series.torn_lines, 0u);
  EXPECT_EQ(a.summary.samples, 5u);
}

TEST(RunComplete, AnIoErrorRunCoversOnlyWhatWasWritten) {
  const auto a = analyze_run_dir(run_dir("finished", "io-error", 3, true), CheckSettings{});
  const CheckResult* c = find(a, "run-complete");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, Outcome::inconclusive);
  EXPECT_NE(c->summary.find("could not be written past t=0.2s"), std::string::npos) << c->summary;
  EXPECT_NE(a.verdict.outcome, Outcome::pass);
}

TEST(RunComplete, TheMetaInMemoryReplacesTheOneOnDisk) {
  const std::string dir = run_dir("running", "", 2, false);
  record::RunMeta final_meta = record::read_json_file(dir + "/" + record::kMetaFile).get<record::RunMeta>();
  final_meta.status = "finished";
  final_meta.end_reason = "target-exited";
  const auto a = analyze_run_dir(dir, CheckSettings{}, &final_meta);
  EXPECT_EQ(find(a, "run-complete"), nullptr);
  EXPECT_EQ(a.meta.status, "finished");
}

}  // namespace
}  // namespace memgate::report
