// `memgate run --pid`: watching processes memgate did not start. memhog helpers started by
// the test are the "services": memgate judges their trees, ends when they exit or when
// --duration or an interrupt ends the watch, and never signals them.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "integration/run_helpers.h"
#include "sys/child.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;
constexpr double kMiB = 1024.0 * 1024.0;

// A memhog of the test's own (its own process group: memgate's signals could not reach
// it by accident), ready once it holds its memory.
sys::Child start_service(const std::string& ready, const std::vector<std::string>& args) {
  std::vector<std::string> argv{helper("memhog"), "--ready-file", ready};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = sys::Child::spawn({argv, {}, "", -1, -1});
  EXPECT_TRUE(wait_for([&] { return fs::exists(ready); }, 10)) << "memhog did not get ready";
  return child;
}

TEST(Attach, JudgesTheTreesUntilTheProcessesExitAndNeverSignalsThem) {
  const std::string base = fresh_dir("attach-exit"), dir = base + "/run";
  // One with a child (its tree is discovered), one plain; both exit on their own, with a
  // non-zero code that is theirs to report, not memgate's to judge.
  auto a = start_service(
      base + "/a", {"--alloc-mib", "24", "--children", "1", "--child-mib", "8", "--hold-s", "2.5", "--exit", "3"});
  auto b = start_service(base + "/b", {"--alloc-mib", "8", "--hold-s", "1.5"});
  const auto r = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--max-rss", "1G", "--pid",
                          std::to_string(a.pid()) + "," + std::to_string(b.pid())});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("attached to PIDs " + std::to_string(a.pid()) + " (memhog, up "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(", " + std::to_string(b.pid()) + " (memhog, up "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("never signals them"), std::string::npos) << r.output;
  const auto status = a.wait();
  EXPECT_FALSE(status.signaled) << "memgate must not signal an attached process: " << status.describe();
  EXPECT_EQ(status.code, 3);
  const auto b_status = b.wait();
  EXPECT_FALSE(b_status.signaled) << b_status.describe();

  const auto report = read_json(dir + "/report.json");  // validated against the schema
  const auto& run = report["run"];
  EXPECT_EQ(run["end_reason"], "target-exited");
  EXPECT_EQ(run["target"]["mode"], "attached");
  EXPECT_TRUE(run["target"]["problem"].is_null()) << "an exit status memgate cannot see is no problem";
  EXPECT_TRUE(run["target"]["exit_code"].is_null());
  EXPECT_FALSE(run["target"]["stopped_by_memgate"].get<bool>());
  ASSERT_EQ(run["target"]["attached"].size(), 2u);
  for (const auto& p : run["target"]["attached"]) {
    EXPECT_EQ(p["comm"], "memhog");
    EXPECT_TRUE(p["ended_after_s"].is_number()) << p;
    EXPECT_TRUE(p["started_at"].is_string()) << p;
    EXPECT_GE(p["age_at_attach_s"].get<double>(), 0) << p;
  }
  EXPECT_LT(run["target"]["attached"][1]["ended_after_s"].get<double>(),
            run["target"]["attached"][0]["ended_after_s"].get<double>())
      << "b holds for less time than a";
  // Both trees: 24 + 8 (child) + 8 MiB, and three processes.
  EXPECT_GE(report["summary"]["rss"]["peak"].get<double>(), 40 * kMiB);
  EXPECT_EQ(report["summary"]["processes"]["peak"].get<double>(), 3);
  EXPECT_EQ(report["verdict"]["outcome"], "pass");
  // memgate report recomputes the same from the directory.
  const auto again = memgate({"report", dir});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("attached to PIDs"), std::string::npos) << again.output;
}

TEST(Attach, DurationAndInterruptEndTheWatchNotTheProcess) {
  const std::string base = fresh_dir("attach-duration");
  auto service = start_service(base + "/ready", {"--alloc-mib", "16", "--hold-s", "60"});
  const std::string pid = std::to_string(service.pid());
  // --duration: a complete run, as a spawned target stopped at its end would be.
  const auto r = memgate({"run", "--out", base + "/duration", "--no-plot", "--quiet", "--plateau", "none", "--duration",
                          "1500ms", "--pid", pid});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(alive(service.pid())) << "--duration must not stop an attached process";
  const auto report = read_json(base + "/duration/report.json");
  EXPECT_EQ(report["run"]["end_reason"], "duration");
  EXPECT_EQ(report["run"]["status"], "finished");
  EXPECT_TRUE(report["run"]["target"]["attached"][0]["ended_after_s"].is_null()) << "still running at the end";
  EXPECT_NEAR(report["run"]["duration_s"].get<double>(), 1.5, 0.5);
  EXPECT_GE(report["summary"]["rss"]["peak"].get<double>(), 16 * kMiB);

  // SIGINT to memgate: it stops watching, writes its report, and the process runs on.
  const std::string dir = base + "/interrupt";
  auto watcher = sys::Child::spawn(
      {{MEMGATE_BIN, "run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--pid", pid}, {}, "", -1, -1});
  ASSERT_TRUE(wait_for([&] { return count_lines(dir + "/samples.csv") > 3; }, 10));
  ASSERT_EQ(::kill(watcher.pid(), SIGINT), 0);
  const auto status = watcher.wait();
  EXPECT_FALSE(status.signaled) << status.describe();
  EXPECT_TRUE(alive(service.pid())) << "an interrupted memgate must leave the attached process running";
  const auto interrupted = read_json(dir + "/report.json");
  EXPECT_EQ(interrupted["run"]["end_reason"], "interrupted");
  EXPECT_EQ(interrupted["run"]["target"]["mode"], "attached");
  ASSERT_EQ(::kill(service.pid(), SIGTERM), 0);  // the test's own service, stopped by the test
  service.wait();
}

// The descriptor snapshots (fd-plateau's growth sentence, the nofile limit) cover every
// attached tree, not only the first pid's.
TEST(Attach, DescriptorSnapshotsCoverEveryAttachedProcess) {
  const std::string base = fresh_dir("attach-fds"), dir = base + "/run";
  auto a = start_service(base + "/a", {"--alloc-mib", "4", "--hold-s", "60"});
  auto b = start_service(base + "/b", {"--alloc-mib", "4", "--hold-s", "60"});
  const auto r = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--duration", "1500ms",
                          "--pid", std::to_string(a.pid()) + "," + std::to_string(b.pid())});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ifstream events(dir + "/events.jsonl");
  std::string line;
  std::size_t snapshots = 0, with_both = 0;
  while (std::getline(events, line)) {
    const auto e = nlohmann::json::parse(line);
    if (e["kind"] != "fd-snapshot") continue;
    ++snapshots;
    std::set<int> pids;
    for (const auto& p : e["processes"]) pids.insert(p["pid"].get<int>());
    if (pids.count(a.pid()) && pids.count(b.pid())) ++with_both;
  }
  EXPECT_GE(snapshots, 1u);
  EXPECT_EQ(with_both, snapshots) << "every fd snapshot must list both attached processes";
  for (auto* service : {&a, &b}) {
    ASSERT_EQ(::kill(service->pid(), SIGTERM), 0);  // the test's own services, stopped by the test
    service->wait();
  }
}

TEST(Attach, RefusesAMissingPidACommandAndSpawnOnlyFlags) {
  // A pid that existed and was reaped: gone.
  auto gone = sys::Child::spawn({{"true"}, {}, "", -1, -1});
  const pid_t pid = gone.pid();
  gone.wait();
  const std::string base = fresh_dir("attach-refused");
  const auto missing = memgate({"run", "--out", base + "/missing", "--no-plot", "--pid", std::to_string(pid)});
  EXPECT_EQ(missing.exit_code, 4) << missing.output;
  EXPECT_NE(missing.output.find("--pid " + std::to_string(pid) + ": no such process"), std::string::npos)
      << missing.output;
  const auto meta = read_json(base + "/missing/meta.json");
  EXPECT_EQ(meta["end_reason"], "start-failed");

  const auto both = memgate({"run", "--out", base + "/both", "--pid", "1", "--", "true"});
  EXPECT_EQ(both.exit_code, 3) << both.output;
  EXPECT_NE(both.output.find("give --pid or a command"), std::string::npos) << both.output;
  EXPECT_FALSE(fs::exists(base + "/both"));
  const auto allocator = memgate({"run", "--out", base + "/alloc", "--pid", "1", "--allocator", "glibc"});
  EXPECT_EQ(allocator.exit_code, 3) << allocator.output;
  EXPECT_NE(allocator.output.find("with --pid"), std::string::npos) << allocator.output;
  const auto limit = memgate({"run", "--out", base + "/limit", "--pid", "1", "--memory-max", "1G"});
  EXPECT_EQ(limit.exit_code, 3) << limit.output;
  const auto zero = memgate({"run", "--out", base + "/zero", "--pid", "0"});
  EXPECT_EQ(zero.exit_code, 3) << zero.output;
  EXPECT_NE(zero.output.find("--pid 0: a pid is a positive number"), std::string::npos) << zero.output;
}

TEST(Attach, RefusesAProcessItMayNotRead) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root, to run memgate as another user (nobody) against the test's process";
  const std::string base = fresh_dir("attach-denied");
  fs::permissions(base, fs::perms::all);  // nobody writes the run directory here
  auto service = start_service(base + "/ready", {"--hold-s", "30"});
  const auto r =
      run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", MEMGATE_BIN, "run", "--out",
                   base + "/run", "--no-plot", "--ebpf", "off", "--pid", std::to_string(service.pid())});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("--pid " + std::to_string(service.pid()) + " (memhog): memgate may not read its memory"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("CAP_SYS_PTRACE"), std::string::npos) << r.output;
  EXPECT_TRUE(alive(service.pid()));
  ::kill(service.pid(), SIGTERM);
  service.wait();
}

}  // namespace
}  // namespace memgate::testing
