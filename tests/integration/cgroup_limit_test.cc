// `memgate run` under memory limits, on the real cgroup v1 memory controller of these
// machines (/sys/fs/cgroup/memory; the v2 code is tested on a fixture directory in
// tests/unit/cgroup_v2_fixture_test.cc): an OOM kill at --memory-max is a FAIL of
// cgroup-oom naming the victim and the limit (exit 1, not a crash); the same target
// under a higher limit passes; memory-headroom fails and passes on the peak's share;
// the cgroup columns and figures are recorded; no cgroup is left behind, not even by a
// memgate that was SIGKILLed (its watchdog, or else the next run, removes it).
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "integration/run_helpers.h"
#include "sys/cgroup.h"
#include "sys/child.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;
constexpr double kMiB = 1024.0 * 1024.0;

// These machines must offer the memory controller: a test that cannot run fails naming it.
sys::CgroupSupport support() {
  const auto s = sys::detect_memory_cgroup();
  EXPECT_TRUE(s.ok) << s.detail << "; " << s.fix;
  return s;
}

struct Run {
  CommandResult result;
  std::string dir;
  nlohmann::json report;
};

Run run_limited(const std::string& tag, const std::vector<std::string>& limit_args,
                const std::vector<std::string>& command) {
  Run run;
  run.dir = fresh_dir(tag) + "/run";
  std::vector<std::string> args{"run", "--out", run.dir, "--no-plot", "--quiet", "--plateau", "none"};
  args.insert(args.end(), limit_args.begin(), limit_args.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  run.result = memgate(args);
  if (fs::exists(run.dir + "/report.json")) run.report = read_json(run.dir + "/report.json");
  return run;
}

TEST(CgroupLimit, OomKillAtTheLimitFailsTheRunNamingTheVictimAndTheLimit) {
  if (!support().ok) return;
  // With eBPF when it can run: one kill is one failed check (cgroup-oom), not two.
  const auto run =
      run_limited("cg-oom", {"--memory-max", "100M", "--ebpf", "auto"}, {helper("memhog"), "--alloc-mib", "300"});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.output;
  const auto oom = report_check(run.report, "cgroup-oom");
  EXPECT_EQ(oom["outcome"], "fail");
  const std::string summary = oom["summary"];
  EXPECT_NE(summary.find("the OOM killer killed 1 process at the 100.0 MiB limit (memory.limit_in_bytes): pid "),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("(memhog, "), std::string::npos) << summary;  // the victim and its RSS
  EXPECT_NE(summary.find(" RSS)"), std::string::npos) << summary;
  EXPECT_EQ(run.report["verdict"]["outcome"], "fail");
  EXPECT_EQ(run.result.output.find("crashed"), std::string::npos) << run.result.output;
  for (const auto& check : run.report["checks"])
    if (check["id"] == "oom-kills") {
      EXPECT_EQ(check["outcome"], "pass") << check["summary"];
    }
  const auto& cg = run.report["samplers"]["cgroup"];
  EXPECT_EQ(cg["version"], "v1");
  EXPECT_EQ(cg["oom_kills"], 1);
  EXPECT_EQ(cg["memory_max_bytes"], 100 << 20);
  ASSERT_EQ(cg["oom_victims"].size(), 1u);
  EXPECT_EQ(cg["oom_victims"][0]["comm"], "memhog");
  EXPECT_EQ(cg["oom_victims"][0]["pid"], run.report["run"]["target"]["pid"]);
  EXPECT_GT(cg["oom_victims"][0]["rss_bytes"].get<double>(), 50 * kMiB);
  EXPECT_LE(cg["peak_bytes"].get<double>(), 100 * kMiB);
  // The headroom check fails too: the peak reached the limit.
  EXPECT_EQ(report_check(run.report, "memory-headroom")["outcome"], "fail");
  EXPECT_FALSE(fs::exists(cg["path"].get<std::string>())) << "cgroup left behind";
  EXPECT_NE(slurp(run.dir + "/events.jsonl").find("\"cgroup-oom-kill\""), std::string::npos);
}

TEST(CgroupLimit, TheSameTargetUnderAHigherLimitPasses) {
  if (!support().ok) return;
  const auto run = run_limited("cg-pass", {"--memory-max", "400M", "--hz", "20"},
                               {helper("memhog"), "--alloc-mib", "64", "--hold-s", "1"});
  EXPECT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_EQ(report_check(run.report, "cgroup-oom")["outcome"], "pass");
  const auto headroom = report_check(run.report, "memory-headroom");
  EXPECT_EQ(headroom["outcome"], "pass");
  EXPECT_NE(headroom["summary"].get<std::string>().find("of the 400.0 MiB limit (memory.limit_in_bytes)"),
            std::string::npos)
      << headroom["summary"];
  const auto& cg = run.report["samplers"]["cgroup"];
  EXPECT_EQ(cg["oom_kills"], 0);
  EXPECT_GE(cg["peak_bytes"].get<double>(), 64 * kMiB);
  EXPECT_LE(cg["peak_bytes"].get<double>(), 100 * kMiB);
  EXPECT_GT(cg["reads"].get<double>(), 10);
  EXPECT_FALSE(fs::exists(cg["path"].get<std::string>())) << "cgroup left behind";
  // The columns, filled while the target held its 64 MiB.
  const std::string samples = slurp(run.dir + "/samples.csv");
  const std::string header = samples.substr(0, samples.find('\n'));
  for (const char* column : {"cgroup_usage_bytes", "cgroup_peak_bytes", "cgroup_oom_kills", "cgroup_high_events",
                             "cgroup_max_events", "cgroup_pressure_some_avg10", "cgroup_pressure_full_avg10"})
    EXPECT_NE(header.find(column), std::string::npos) << column;
}

TEST(CgroupLimit, HeadroomFailsAboveTheShareOfTheLimit) {
  if (!support().ok) return;
  // 80 MiB of 100 MiB is within the limit (no OOM kill) but above 70 %.
  const auto run = run_limited("cg-headroom", {"--memory-max", "100M", "--max-limit-share", "70%"},
                               {helper("memhog"), "--alloc-mib", "80", "--hold-s", "0.5"});
  EXPECT_EQ(run.result.exit_code, 1) << run.result.output;
  EXPECT_EQ(report_check(run.report, "cgroup-oom")["outcome"], "pass");
  const auto headroom = report_check(run.report, "memory-headroom");
  EXPECT_EQ(headroom["outcome"], "fail");
  EXPECT_NE(headroom["summary"].get<std::string>().find("more than the 70% allowed"), std::string::npos)
      << headroom["summary"];
}

TEST(CgroupLimit, BadLimitsAreUsageErrorsBeforeTheTargetStarts) {
  const std::string marker = fresh_dir("cg-usage") + "/started";
  const auto high = memgate({"run", "--memory-max", "100M", "--memory-high", "200M", "--", "touch", marker});
  EXPECT_EQ(high.exit_code, 3) << high.output;
  EXPECT_NE(high.output.find("--memory-high is above --memory-max"), std::string::npos) << high.output;
  // No cgroup memory controller where MEMGATE_CGROUP_ROOT points: the flag and the fix.
  const auto none = run_command(
      {"env", "MEMGATE_CGROUP_ROOT=/nonexistent", MEMGATE_BIN, "run", "--memory-max", "100M", "--", "touch", marker});
  EXPECT_EQ(none.exit_code, 3) << none.output;
  EXPECT_NE(none.output.find("--memory-max: /nonexistent is not a directory; fix: point MEMGATE_CGROUP_ROOT"),
            std::string::npos)
      << none.output;
  EXPECT_FALSE(fs::exists(marker));
}

TEST(CgroupLimit, InterruptedMemgateRemovesTheCgroup) {
  if (!support().ok) return;
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string base = fresh_dir("cg-interrupt"), dir = base + "/run", ready = base + "/ready";
    auto proc = sys::Child::spawn(
        {{MEMGATE_BIN, "run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--memory-max", "200M", "--",
          helper("memhog"), "--alloc-mib", "16", "--hold-s", "60", "--ready-file", ready},
         {},
         "",
         -1,
         -1});
    ASSERT_TRUE(wait_for([&] { return fs::exists(ready); }, 10));
    const std::string cgroup = read_json(dir + "/meta.json")["samplers"]["cgroup"]["path"];
    ASSERT_TRUE(fs::exists(cgroup));
    ::kill(proc.pid(), sig);
    const auto status = proc.wait();
    EXPECT_FALSE(status.signaled) << status.describe();
    EXPECT_FALSE(fs::exists(cgroup)) << "cgroup left behind after " << sig;
    const auto report = read_json(dir + "/report.json");
    EXPECT_EQ(report["run"]["end_reason"], "interrupted");
    EXPECT_GE(report["samplers"]["cgroup"]["peak_bytes"].get<double>(), 16 * kMiB);
  }
}

// The pids of memgate's children that are memgate too (the watchdog: forked, never exec'd).
std::vector<pid_t> watchdogs_of(pid_t memgate) {
  std::vector<pid_t> out;
  std::istringstream children(
      slurp("/proc/" + std::to_string(memgate) + "/task/" + std::to_string(memgate) + "/children"));
  for (pid_t pid; children >> pid;)
    if (slurp("/proc/" + std::to_string(pid) + "/comm") == "memgate\n") out.push_back(pid);
  return out;
}

// A target whose grandchild leaves its process group (setsid) and writes its pid.
std::vector<std::string> escaping_target(const std::string& dir, const std::string& pid_file) {
  const std::string script = dir + "/escape.sh";
  std::ofstream(script) << "setsid sh -c 'echo $$ > " << pid_file << ".tmp; mv " << pid_file << ".tmp " << pid_file
                        << "; exec sleep 120' &\nexec sleep 120\n";
  return {"sh", script};
}

// A cgroup of the test's own under memgate's usual parent, given to memgate as
// MEMGATE_CGROUP_ROOT: the memgates of tests running beside this one (each of which
// cleans up dead memgates' cgroups under its own root) never see what this test leaves.
class PrivateRoot {
 public:
  PrivateRoot() : path_(support().parent + "/memgate-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n_)) {
    fs::create_directory(path_);
  }
  ~PrivateRoot() {
    std::error_code ec;
    fs::remove(path_ + "/memgate", ec);  // rmdir: cgroupfs directories hold only control files
    fs::remove(path_, ec);
  }
  std::string env() const { return std::string(sys::kCgroupRootVariable) + "=" + path_; }

 private:
  static inline int n_ = 0;
  std::string path_;
};

struct Killed {
  std::string cgroup;
  pid_t grandchild = 0;
};

// Starts a limited run of escaping_target and SIGKILLs memgate (and its watchdog too
// when `with_watchdog`) once the grandchild runs in the cgroup.
Killed kill_memgate_mid_run(const std::string& tag, bool with_watchdog, const PrivateRoot& root) {
  Killed k;
  const std::string base = fresh_dir(tag), dir = base + "/run", pid_file = base + "/grandchild.pid";
  std::vector<std::string> argv{MEMGATE_BIN, "run", "--out", dir, "--no-plot", "--quiet", "--memory-max", "200M", "--"};
  for (auto& a : escaping_target(base, pid_file)) argv.push_back(a);
  auto memgate_proc = sys::Child::spawn({argv, {root.env()}, "", -1, -1});
  EXPECT_TRUE(wait_for([&] { return fs::exists(pid_file); }, 10));
  k.grandchild = std::atoi(slurp(pid_file).c_str());
  k.cgroup = read_json(dir + "/meta.json")["samplers"]["cgroup"]["path"];
  EXPECT_NE(slurp(k.cgroup + "/cgroup.procs").find(std::to_string(k.grandchild)), std::string::npos)
      << "the grandchild is not in the cgroup";
  const auto watchdogs = watchdogs_of(memgate_proc.pid());
  EXPECT_EQ(watchdogs.size(), 1u);
  if (with_watchdog)
    for (pid_t w : watchdogs) ::kill(w, SIGKILL);
  ::kill(memgate_proc.pid(), SIGKILL);
  memgate_proc.wait();
  return k;
}

TEST(CgroupLimit, SigkilledMemgateLeavesNoCgroupBehind) {
  if (!support().ok) return;
  const PrivateRoot root;
  const auto k = kill_memgate_mid_run("cg-sigkill", false, root);
  // The watchdog kills everything in the cgroup and removes it.
  EXPECT_TRUE(wait_for([&] { return !alive(k.grandchild); }, 5)) << "grandchild " << k.grandchild << " survived";
  EXPECT_TRUE(wait_for([&] { return !fs::exists(k.cgroup); }, 5)) << k.cgroup;
}

TEST(CgroupLimit, TheNextRunRemovesACgroupLeftByAKilledMemgate) {
  if (!support().ok) return;
  // Watchdog and memgate both killed: the escaped grandchild survives in the cgroup.
  const PrivateRoot root;
  const auto k = kill_memgate_mid_run("cg-leftover", true, root);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(alive(k.grandchild));
  ASSERT_TRUE(fs::exists(k.cgroup));
  // Any run that can use cgroups cleans up, limits or not.
  const auto next = run_command({"env", root.env(), MEMGATE_BIN, "run", "--out", fresh_dir("cg-next") + "/run",
                                 "--no-plot", "--plateau", "none", "--", "true"});
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_NE(
      next.output.find("removed the cgroup " + k.cgroup + " left by a memgate that died (killed 1 process in it)"),
      std::string::npos)
      << next.output;
  EXPECT_FALSE(fs::exists(k.cgroup));
  EXPECT_TRUE(wait_for([&] { return !alive(k.grandchild); }, 3)) << "grandchild " << k.grandchild << " survived";
}

}  // namespace
}  // namespace memgate::testing
