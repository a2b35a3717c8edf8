// Process and disk faults around `memgate run`: memgate SIGKILLed, the run directory
// out of space, processes that escape the target's group, vanish mid-read, ignore
// SIGTERM or crash, two runs into one directory, a closed stdout. Each test states the
// outcome a user must be able to rely on: no target process outlives memgate, and a run
// memgate did not see through is never a PASS.
#include <signal.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "integration/run_helpers.h"
#include "record/sample_log.h"
#include "sys/child.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;
constexpr double kMiB = 1024.0 * 1024.0;

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Every pid the run recorded: the target and each process of processes.csv.
std::set<pid_t> recorded_pids(const std::string& dir) {
  std::set<pid_t> pids;
  if (fs::exists(dir + "/meta.json")) pids.insert(read_json(dir + "/meta.json").value("target_pid", 0));
  try {  // killed before its first flush, memgate leaves processes.csv empty
    record::read_samples(dir + "/processes.csv",
                         [&](const record::SampleRow& row) { pids.insert(static_cast<pid_t>(row.get("pid"))); });
  } catch (const std::exception&) {
  }
  pids.erase(0);
  return pids;
}

std::string notes_of(const nlohmann::json& report) {
  std::string all;
  for (const auto& n : report["run"]["notes"]) all += n.get<std::string>() + "\n";
  return all;
}

sys::Child spawn_memgate(const std::vector<std::string>& args, int output_fd = -1) {
  std::vector<std::string> argv{MEMGATE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return sys::Child::spawn({argv, {}, "", -1, output_fd});
}

// A python target that forks, setsid()s and forks a grandchild holding `mib` MiB, which
// writes its pid to `pid_file`; the target itself exits after `target_s`.
std::string daemon_script(const std::string& dir, int mib, double target_s, const std::string& pid_file) {
  const std::string path = dir + "/daemon.py";
  write_file(path,
             "import os, time\n"
             "pid = os.fork()\n"
             "if pid == 0:\n"
             "    os.setsid()\n"
             "    if os.fork() == 0:\n"
             "        b = bytearray(" +
                 std::to_string(mib) +
                 " * 1024 * 1024)\n"
                 "        for i in range(0, len(b), 4096): b[i] = 1\n"
                 "        open('" +
                 pid_file +
                 ".tmp', 'w').write(str(os.getpid()))\n"
                 "        os.rename('" +
                 pid_file + ".tmp', '" + pid_file +
                 "')\n"
                 "        time.sleep(60)\n"
                 "    os._exit(0)\n"
                 "os.waitpid(pid, 0)\n"
                 "time.sleep(" +
                 std::to_string(target_s) + ")\n");
  return path;
}

pid_t read_pid(const std::string& path) {
  if (!wait_for([&] { return fs::exists(path); }, 10)) return 0;
  return static_cast<pid_t>(std::atoi(slurp(path).c_str()));
}

// SIGKILL of memgate at a few points of its run: `memgate report` on what is left is
// never a PASS (the run did not finish), and nothing of the target survives, not even
// a grandchild that left the target's group.
TEST(Faults, SigkillOfMemgateLeavesNoTargetAndNoPass) {
  std::mt19937 random(20261204);  // "random" points, the same on every run
  std::uniform_real_distribution<double> mid_run(0.3, 2.5);
  for (const double delay_s : {0.05, mid_run(random), mid_run(random), mid_run(random)}) {
    SCOPED_TRACE("memgate killed " + std::to_string(delay_s) + " s after the target was ready");
    const std::string base = fresh_dir("sigkill");
    const std::string dir = base + "/run", pid_file = base + "/daemon.pid";
    auto proc = spawn_memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "50", "--max-rss", "1G",
                               "--plateau", "none", "--", "python3", daemon_script(base, 8, 60, pid_file)});
    const pid_t daemon = read_pid(pid_file);
    ASSERT_GT(daemon, 0) << "the target never started its daemon";
    std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
    ASSERT_EQ(::kill(proc.pid(), SIGKILL), 0);
    const auto status = proc.wait();
    ASSERT_TRUE(status.signaled);
    auto pids = recorded_pids(dir);
    pids.insert(daemon);
    EXPECT_GE(pids.size(), 2u);
    for (const pid_t pid : pids)
      EXPECT_TRUE(wait_for([&] { return !alive(pid); }, 3))
          << "pid " << pid << (pid == daemon ? " (the daemon)" : "")
          << " outlived memgate: " << slurp("/proc/" + std::to_string(pid) + "/cmdline");

    const auto report = memgate({"report", dir, "--in-place"});
    EXPECT_EQ(report.exit_code, 2) << report.output;
    EXPECT_EQ(report.output.find("PASS"), std::string::npos) << report.output;
    EXPECT_NE(report.output.find("the run did not finish (memgate stopped near t="), std::string::npos)
        << report.output;
    const auto json = read_json(dir + "/report.json");
    EXPECT_EQ(json["run"]["status"], "running");
    EXPECT_EQ(report_check(json, "run-complete")["outcome"], "inconclusive");
    EXPECT_EQ(json["verdict"]["outcome"], "inconclusive");
  }
}

// Killed while it writes its final report (meta.json already says "finished"): the run
// is complete on disk, so `memgate report` gives the verdict the run had; and no
// process of the target is left.
TEST(Faults, SigkillDuringTheFinalReportLeavesACompleteRun) {
  const std::string dir = fresh_dir("sigkill-report") + "/run";
  // With the plot: rendering timeline.png is the slow part of the final report.
  auto proc = spawn_memgate({"run", "--out", dir, "--quiet", "--hz", "50", "--plateau", "none", "--", helper("memhog"),
                             "--alloc-mib", "8", "--children", "2", "--hold-s", "0.5"});
  ASSERT_TRUE(wait_for(
      [&] {
        try {
          return fs::exists(dir + "/meta.json") && read_json(dir + "/meta.json")["status"] == "finished";
        } catch (...) {
          return false;
        }
      },
      20));
  ::kill(proc.pid(), SIGKILL);
  proc.wait();
  for (const pid_t pid : recorded_pids(dir)) EXPECT_TRUE(wait_for([&] { return !alive(pid); }, 3)) << "pid " << pid;
  const auto report = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_EQ(read_json(dir + "/report.json")["run"]["status"], "finished");
}

// `memgate report` on a directory a live memgate is writing: the run is still going,
// no cause is invented (no crash, no failure).
TEST(Faults, ReportOfARunStillGoingSaysSo) {
  const std::string base = fresh_dir("still-going");
  const std::string dir = base + "/run", ready = base + "/ready";
  auto proc = spawn_memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "50", "--plateau", "none", "--",
                             helper("memhog"), "--alloc-mib", "8", "--hold-s", "60", "--ready-file", ready});
  ASSERT_TRUE(wait_for([&] { return fs::exists(ready); }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // at least one flush of samples.csv
  const auto report = memgate({"report", dir, "--in-place"});
  EXPECT_EQ(report.exit_code, 2) << report.output;
  EXPECT_NE(report.output.find("the run is still going"), std::string::npos) << report.output;
  EXPECT_EQ(report.output.find("crashed"), std::string::npos) << report.output;
  EXPECT_EQ(report.output.find("did not finish"), std::string::npos) << report.output;
  const auto json = read_json(dir + "/report.json");
  EXPECT_EQ(json["run"]["status"], "running");
  EXPECT_EQ(report_check(json, "run-complete")["outcome"], "inconclusive");
  ASSERT_EQ(::kill(proc.pid(), SIGTERM), 0);
  EXPECT_EQ(proc.wait().code, 0);
  EXPECT_EQ(read_json(dir + "/report.json")["run"]["status"], "finished");
}

// A tmpfs of 200 KiB mounted for one test, unmounted when it ends.
class SmallDisk {
 public:
  SmallDisk() : path_(fresh_dir("tmpfs")) {
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=200k") != 0) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (error_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_, error_;
};

// The run directory fills up mid-run: memgate says so when it happens, stops the target,
// still prints the verdict of what was written, exits 5, and leaves no temporary file.
TEST(Faults, DiskFullStopsTheRunAndStillGivesAVerdict) {
  SmallDisk disk;
  if (!disk.error().empty()) GTEST_SKIP() << "cannot mount a 200 KiB tmpfs to fill (needs root): " << disk.error();
  const std::string dir = disk.path() + "/run";
  const auto started = std::chrono::steady_clock::now();
  const auto result = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "200", "--plateau", "none",
                               "--max-rss", "1G", "--", helper("memhog"), "--alloc-mib", "4", "--hold-s", "30"});
  const double took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_LT(took_s, 25.0) << "the target was not stopped when the disk filled";
  EXPECT_NE(result.output.find("cannot write " + dir + "/"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("No space left on device; stopping the target"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[inconclusive] run-complete: the sample log could not be written past t="),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("[pass] rss-budget"), std::string::npos)
      << result.output;  // the verdict of what was written
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path() << " left behind";
  // What is on disk is still a readable run: `memgate report` judges it, never as a pass.
  const auto report = memgate({"report", dir});
  EXPECT_NE(report.exit_code, 0) << report.output;
  EXPECT_EQ(report.output.find("PASS"), std::string::npos) << report.output;
}

// A target forking a stream of short-lived children, sampled at 500 Hz: /proc entries
// vanish between the listing and the read all the time, and that is no error.
TEST(Faults, ProcessesVanishingMidReadAreNoError) {
  const std::string dir = fresh_dir("vanishing") + "/run";
  const auto result = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "500", "--pss-hz", "50",
                               "--process-hz", "50", "--plateau", "none", "--", "python3", "-c",
                               "import os, time\n"
                               "for i in range(300):\n"
                               "    if os.fork() == 0:\n"
                               "        time.sleep(0.02)\n"
                               "        os._exit(0)\n"
                               "    time.sleep(0.005)\n"
                               "    while True:\n"
                               "        try:\n"
                               "            if os.waitpid(-1, os.WNOHANG)[0] == 0: break\n"
                               "        except ChildProcessError: break\n"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("error"), std::string::npos) << result.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["verdict"]["outcome"], "pass");
  EXPECT_GE(report["summary"]["processes"]["peak"].get<int>(), 2);  // children were sampled, not only the target
  EXPECT_EQ(count_lines(dir + "/samples.csv") - 1, report["summary"]["samples"].get<std::size_t>());
}

// A daemon that setsid()s away from the target's group is still the target's: sampled,
// counted against the budget, and killed (and named) when the target ends.
TEST(Faults, DaemonThatLeavesTheGroupIsSampledBudgetedAndKilled) {
  const std::string base = fresh_dir("daemon");
  const std::string dir = base + "/run", pid_file = base + "/daemon.pid";
  const auto result = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "20", "--plateau", "none",
                               "--max-rss", "50M", "--", "python3", daemon_script(base, 80, 1.5, pid_file)});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report_check(report, "rss-budget")["outcome"], "fail");
  EXPECT_GE(report["summary"]["rss"]["peak"].get<double>(), 80 * kMiB);
  const pid_t daemon = read_pid(pid_file);
  ASSERT_GT(daemon, 0);
  EXPECT_FALSE(alive(daemon)) << "the daemon outlived the run";
  const std::string expected =
      "killed 1 process that left the target's group: pid " + std::to_string(daemon) + " comm python3";
  EXPECT_NE(notes_of(report).find(expected), std::string::npos) << notes_of(report);
  EXPECT_NE(slurp(dir + "/events.jsonl").find("\"orphans-killed\""), std::string::npos);
}

// A child that only leaves the group (setpgid) and execs sleep, while its parent exits.
TEST(Faults, ChildInItsOwnGroupIsStoppedAndNamed) {
  const std::string base = fresh_dir("setpgid");
  const std::string dir = base + "/run", pid_file = base + "/sleep.pid";
  const auto result = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--", "python3", "-c",
                               "import os, time\n"
                               "pid = os.fork()\n"
                               "if pid == 0:\n"
                               "    os.setpgid(0, 0)\n"
                               "    os.execvp('sleep', ['sleep', '60'])\n"
                               "open('" +
                                   pid_file +
                                   "', 'w').write(str(pid))\n"
                                   "time.sleep(0.5)\n"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const pid_t sleeper = read_pid(pid_file);
  ASSERT_GT(sleeper, 0);
  EXPECT_FALSE(alive(sleeper));
  const auto report = read_json(dir + "/report.json");
  EXPECT_NE(notes_of(report).find("that left the target's group: pid " + std::to_string(sleeper) + " comm sleep"),
            std::string::npos)
      << notes_of(report);
}

// A target that ignores SIGTERM is SIGKILLed after --grace, and events.jsonl says why.
TEST(Faults, TargetIgnoringSigtermIsKilledAfterGraceAndNamed) {
  const std::string dir = fresh_dir("ignore-term") + "/run";
  const auto result = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--duration", "0.5s",
                               "--grace", "0.5s", "--", helper("memhog"), "--ignore-term", "--hold-s", "60"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["run"]["target"]["signal"], "SIGKILL");
  EXPECT_NE(slurp(dir + "/events.jsonl").find("the target ignored SIGTERM for 0.5s"), std::string::npos)
      << slurp(dir + "/events.jsonl");
}

// A second Ctrl-C does not wait for the grace time, and the kill says it was that.
TEST(Faults, SecondInterruptKillsAtOnceWithItsReason) {
  const std::string base = fresh_dir("second-int");
  const std::string dir = base + "/run", ready = base + "/ready";
  // memgate forwards SIGINT: the target ignores both, so only the SIGKILL ends it.
  auto proc = spawn_memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--grace", "60s", "--",
                             "python3", "-c",
                             "import signal, time\n"
                             "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                             "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                             "open('" +
                                 ready +
                                 "', 'w').close()\n"
                                 "time.sleep(60)\n"});
  ASSERT_TRUE(wait_for([&] { return fs::exists(ready); }, 10));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(proc.pid(), SIGINT), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(::kill(proc.pid(), SIGINT), 0);
  proc.wait();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 30.0);
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["run"]["end_reason"], "interrupted");
  EXPECT_EQ(report["run"]["target"]["signal"], "SIGKILL");
  const std::string events = slurp(dir + "/events.jsonl");
  EXPECT_NE(events.find("\"reason\":\"memgate was interrupted a second time\""), std::string::npos) << events;
}

// A crash of a process that is not the target is noted (its parent reaped it, or memgate
// did after it was orphaned), not failed: the target exited 0.
TEST(Faults, CrashOfAChildIsNotedNotFailed) {
  const std::string dir = fresh_dir("child-crash") + "/run";
  const auto result =
      memgate({"run", "--out", dir, "--no-plot", "--quiet", "--hz", "20", "--plateau", "none", "--", "python3", "-c",
               "import os, signal, time\n"
               "a = os.fork()\n"
               "if a == 0:\n"  // a zombie for 1 s before its parent reaps it
               "    os.kill(os.getpid(), signal.SIGSEGV)\n"
               "b = os.fork()\n"
               "if b == 0:\n"  // an orphan (re-parented to memgate) that crashes later
               "    if os.fork() == 0:\n"
               "        time.sleep(0.3)\n"
               "        os.kill(os.getpid(), signal.SIGABRT)\n"
               "    os._exit(0)\n"
               "os.waitpid(b, 0)\n"
               "time.sleep(1.2)\n"
               "os.waitpid(a, 0)\n"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto report = read_json(dir + "/report.json");
  const std::string notes = notes_of(report);
  EXPECT_NE(notes.find("(python3) was killed by SIGSEGV"), std::string::npos) << notes;
  EXPECT_NE(notes.find("(python3) was killed by SIGABRT"), std::string::npos) << notes;
  EXPECT_NE(slurp(dir + "/events.jsonl").find("\"child-crashed\""), std::string::npos);
  EXPECT_EQ(report["verdict"]["outcome"], "pass");
}

// One run per directory: a second run into a directory in use is refused (exit 3),
// as is a directory of other files, and a finished run is replaced only with --force.
TEST(Faults, RunDirectoryIsOneRunsOnly) {
  const std::string base = fresh_dir("shared-out");
  const std::string dir = base + "/run", ready = base + "/ready";
  auto first = spawn_memgate({"run", "--out", dir, "--no-plot", "--quiet", "--plateau", "none", "--", helper("memhog"),
                              "--hold-s", "2", "--ready-file", ready});
  ASSERT_TRUE(wait_for([&] { return fs::exists(ready); }, 10));
  const auto second = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--", helper("memhog"), "--hold-s", "0.1"});
  EXPECT_EQ(second.exit_code, 3) << second.output;
  EXPECT_NE(second.output.find("run directory " + dir + " is in use by another memgate run (pid " +
                               std::to_string(first.pid()) + ")"),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("choose another --out"), std::string::npos) << second.output;
  const auto status = first.wait();
  EXPECT_EQ(status.code, 0);
  EXPECT_EQ(read_json(dir + "/report.json")["verdict"]["outcome"], "pass");  // untouched by the second run

  const auto again = memgate({"run", "--out", dir, "--no-plot", "--quiet", "--", helper("memhog"), "--hold-s", "0.1"});
  EXPECT_EQ(again.exit_code, 3) << again.output;
  EXPECT_NE(again.output.find("holds a previous memgate run: pass --force"), std::string::npos) << again.output;
  const auto forced = memgate({"run", "--out", dir, "--force", "--no-plot", "--quiet", "--plateau", "none", "--",
                               helper("memhog"), "--hold-s", "0.1"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;

  const std::string other = base + "/other";
  fs::create_directories(other);
  write_file(other + "/notes.txt", "mine\n");
  const auto refused =
      memgate({"run", "--out", other, "--no-plot", "--quiet", "--", helper("memhog"), "--hold-s", "0.1"});
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("choose an empty or new --out"), std::string::npos) << refused.output;
  EXPECT_EQ(slurp(other + "/notes.txt"), "mine\n");
}

// memgate's stdout closed (`memgate run ... | true`): the run directory is complete
// whatever happens to the closing summary.
TEST(Faults, ClosedStdoutStillWritesTheRunDirectory) {
  const std::string dir = fresh_dir("closed-stdout") + "/run";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // nobody reads
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // only stdout is closed: stderr (progress, notes) stays
    ::dup2(fds[1], STDOUT_FILENO);
    ::execl(MEMGATE_BIN, MEMGATE_BIN, "run", "--out", dir.c_str(), "--no-plot", "--plateau", "none", "--",
            helper("memhog").c_str(), "--alloc-mib", "8", "--hold-s", "0.5", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
  const auto status = sys::decode_wait_status(wait_status);
  // A SIGPIPE at the closing summary is the only end allowed besides exit 0 (until
  // main.cc ignores SIGPIPE); never a crash, never before the directory is complete.
  EXPECT_TRUE((!status.signaled && status.code == 0) || (status.signaled && status.signal == SIGPIPE))
      << status.describe();
  const auto meta = read_json(dir + "/meta.json");
  EXPECT_EQ(meta["status"], "finished");
  EXPECT_EQ(read_json(dir + "/report.json")["verdict"]["outcome"], "pass");
  for (const pid_t pid : recorded_pids(dir)) EXPECT_FALSE(alive(pid)) << pid;
}

// What `command` prints when spawned by this process while it holds 300 MiB.
std::string output_of_target_of_a_large_parent(const std::vector<std::string>& command) {
  const std::size_t big = 300u << 20;
  std::vector<char> ballast(big, 1);  // this process, the one that spawns, holds 300 MiB
  for (std::size_t i = 0; i < big; i += 4096) ballast[i] = static_cast<char>(i);
  const std::string out = fresh_dir("large-parent") + "/output";
  auto fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  auto child = sys::Child::spawn({command, {}, "", -1, fd});
  ::close(fd);
  EXPECT_EQ(child.wait().code, 0);
  EXPECT_EQ(ballast[4096], static_cast<char>(4096));
  return slurp(out);
}

// VmHWM belongs to the address space, which exec replaces: a target spawned by a large
// memgate starts with its own small high-water mark.
TEST(Faults, TargetVmHwmIsNotInheritedFromALargeParent) {
  const std::string status = output_of_target_of_a_large_parent({"cat", "/proc/self/status"});
  const auto at = status.find("VmHWM:");
  ASSERT_NE(at, std::string::npos) << status;
  const double hwm_kib = std::atof(status.c_str() + at + 6);
  EXPECT_GT(hwm_kib, 0);
  EXPECT_LT(hwm_kib * 1024, 32 * kMiB) << "the target's VmHWM includes its parent's memory";
}

// ru_maxrss (the "at exit" peak) is per process and survives exec, which folds the old
// address space's high-water mark into it: forked straight from a 300 MiB parent, the
// target's would be >= 300 MiB. Spawned through memgate-spawn, it starts from the
// spawner's ~1 MiB (docs/ebpf.md). getrusage(RUSAGE_SELF) reads the same figure.
TEST(Faults, TargetMaxrssIsNotInheritedFromALargeParent) {
  const std::string maxrss = output_of_target_of_a_large_parent(
      {"python3", "-c", "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"});
  const double maxrss_kib = std::atof(maxrss.c_str());
  EXPECT_GT(maxrss_kib, 0) << maxrss;
  EXPECT_LT(maxrss_kib * 1024, 64 * kMiB) << "the target's ru_maxrss includes its parent's memory";
}

std::vector<std::string> stat_fields(pid_t pid) {  // fields after "(comm)": [0] is state
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> out;
  for (std::string f; rest >> f;) out.push_back(f);
  return out;
}

// The target is this process's child (the spawner that started it is gone), leads its
// own process group, and holds only stdin, stdout and stderr: the spawner's report pipe
// does not leak into it.
TEST(Faults, TargetIsOurChildInItsOwnGroupWithOnlyTheStandardFds) {
  // LC_ALL=C: sleep opens no locale files of its own, which a look at its fds right after
  // exec caught once (fd 4, LC_IDENTIFICATION); and it is looked at once asleep.
  auto child = sys::Child::spawn({{"sleep", "30"}, {"LC_ALL=C"}, ""});
  const pid_t pid = child.pid();
  ASSERT_TRUE(wait_for(
      [&] {
        const auto f = stat_fields(pid);
        return slurp("/proc/" + std::to_string(pid) + "/comm") == "sleep\n" && !f.empty() && f[0] == "S";
      },
      10));
  const auto fields = stat_fields(pid);
  ASSERT_GE(fields.size(), 3u);
  EXPECT_EQ(std::atoi(fields[1].c_str()), ::getpid()) << "parent";
  EXPECT_EQ(std::atoi(fields[2].c_str()), pid) << "process group";
  // Beyond 0-2, only what this process itself passes on (fds without FD_CLOEXEC that
  // whoever started the test left open), to the same file.
  std::set<int> fds;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    const int fd = std::atoi(e.path().filename().c_str());
    fds.insert(fd);
    if (fd <= 2) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    EXPECT_TRUE(flags >= 0 && !(flags & FD_CLOEXEC) &&
                fs::read_symlink(e.path()) == fs::read_symlink("/proc/self/fd/" + std::to_string(fd)))
        << "fd " << fd << " (" << fs::read_symlink(e.path()) << ") leaked into the target";
  }
  EXPECT_TRUE(fds.count(0) && fds.count(1) && fds.count(2));
  EXPECT_TRUE(child.signal_group(SIGKILL));
  const auto status = child.wait();
  EXPECT_TRUE(status.signaled && status.signal == SIGKILL) << status.describe();
}

}  // namespace
}  // namespace memgate::testing
