// The eBPF sampler against real processes (helper programs in tests/helpers/ebpf),
// driven the way the runner drives it: start after spawn, tick at 10 Hz, stop at exit.
#include <gtest/gtest.h>

#ifdef MEMGATE_HAVE_EBPF
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ebpf/ebpf_sampler.h"
#include "integration/run_helpers.h"
#include "sample/proc_sampler.h"
#include "sys/child.h"

namespace memgate {
namespace {

using testing::fresh_dir;
using testing::helper;
namespace fs = std::filesystem;

struct RecordedEvent {
  double t_s;
  std::string kind;
  nlohmann::json fields;
};

struct RecordingSink : EventSink {
  std::vector<RecordedEvent> events;
  void event(double t_s, std::string_view kind, nlohmann::json fields) override {
    events.push_back({t_s, std::string(kind), std::move(fields)});
  }
  const RecordedEvent* find(std::string_view kind, pid_t pid) const {
    for (const auto& e : events)
      if (e.kind == kind && e.fields["pid"] == pid) return &e;
    return nullptr;
  }
};

bool privileged_or_skip(std::string& why) {
  const Support s = ebpf_support();
  why = s.reason;
  return s.ok;
}

#define REQUIRE_EBPF()                                                         \
  do {                                                                         \
    std::string why;                                                           \
    if (!privileged_or_skip(why)) GTEST_SKIP() << "eBPF unavailable: " << why; \
  } while (0)

std::string ebpf_helper(const std::string& name) { return helper("ebpf/" + name); }

void wait_for_file(const std::string& path) {
  for (int i = 0; i < 500 && !fs::exists(path); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(fs::exists(path)) << "helper never became ready: " << path;
}

// The runner's loop in miniature: /proc poll and eBPF tick at `hz` until the child
// exits; `on_tick(n, row)` runs right after tick n (n from 0) with its eBPF columns.
struct Timeline {
  std::uint64_t max_polled_rss = 0;
  std::vector<std::vector<double>> ebpf_rows;
  nlohmann::json report;
  sys::ExitStatus status;
};

using OnTick = std::function<void(int, const std::vector<double>&)>;

Timeline drive(sys::Child& child, Sampler& sampler, RecordingSink& sink, const OnTick& on_tick, double hz = 10) {
  Timeline out;
  sample::ProcSampler proc(child.pid());
  std::vector<ProcessSample> processes;
  const auto t0 = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration<double>(1.0 / hz);
  for (int n = 0;; ++n) {
    const double t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const TreeSample tree = proc.sample(t_s, false, processes);
    out.max_polled_rss = std::max(out.max_polled_rss, tree.rss_bytes);
    std::vector<double> row(sampler.columns().size(), NAN);
    sampler.tick(t_s, row, sink);
    out.ebpf_rows.push_back(row);
    on_tick(n, row);
    if (auto status = child.poll()) {
      out.status = *status;
      break;
    }
    if (n > 300) ADD_FAILURE() << "helper did not exit within 30 s";
    std::this_thread::sleep_until(t0 + (n + 1) * period);
  }
  const double t_end = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.report = sampler.stop(t_end, sink).figures;
  return out;
}

const nlohmann::json* process_row(const nlohmann::json& report, pid_t pid) {
  for (const auto& row : report["processes"])
    if (row["pid"] == pid) return &row;
  return nullptr;
}

std::vector<std::uint64_t> read_numbers(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::uint64_t> out;
  std::uint64_t v;
  while (in >> v) out.push_back(v);
  return out;
}

// A 64 MiB huge-page spike held 10 ms, started right after a poll: the 10 Hz /proc
// timeline cannot see it, the eBPF peak equals the kernel's own VmHWM and ru_maxrss.
TEST(EbpfSampler, ShortSpikeBetweenPollsHasExactPeak) {
  REQUIRE_EBPF();
  const std::string dir = fresh_dir("ebpf-spike");
  const std::string ready = dir + "/ready", result = dir + "/result";
  auto child = sys::Child::spawn({{ebpf_helper("ebpf_spike"), ready, result, "64", "10"}, {}, ""});
  auto sampler = make_ebpf_sampler({});
  RecordingSink sink;
  sampler->start(child.pid(), sink);
  wait_for_file(ready);
  const Timeline timeline = drive(child, *sampler, sink, [&](int n, const std::vector<double>&) {
    if (n == 2) ::kill(child.pid(), SIGUSR1);  // spike starts just after poll 2
  });
  ASSERT_FALSE(timeline.status.signaled) << timeline.status.describe();
  ASSERT_EQ(timeline.status.code, 0);
  const auto kernel = read_numbers(result);
  ASSERT_EQ(kernel.size(), 3u);
  const std::uint64_t hwm = kernel[0], ru_maxrss = kernel[1], spike_us = kernel[2];
  ASSERT_GT(hwm, 64u << 20);

  const nlohmann::json* row = process_row(timeline.report, child.pid());
  ASSERT_NE(row, nullptr) << timeline.report.dump(2);
  EXPECT_EQ((*row)["peak_bytes"].get<std::uint64_t>(), hwm);
  EXPECT_EQ((*row)["maxrss_bytes"].get<std::uint64_t>(), ru_maxrss);
  EXPECT_GE(timeline.report["peak_bytes"].get<std::uint64_t>(), hwm);
  // The polled timeline missed the spike by (almost) its whole size, provided the
  // spike fitted between two polls (on a heavily loaded machine it can take longer
  // than 100 ms; the exact-peak checks above hold either way).
  ::testing::Test::RecordProperty("spike_us", static_cast<int>(spike_us));
  if (spike_us < 80'000)
    EXPECT_LT(timeline.max_polled_rss + (48u << 20), hwm)
        << "polled max " << timeline.max_polled_rss << " vs VmHWM " << hwm;
  else
    std::printf("note: spike took %llu us, longer than the gap between polls\n",
                static_cast<unsigned long long>(spike_us));
  // The per-tick interval peak column shows the spike in the tick after it.
  double interval_max = 0;
  for (const auto& r : timeline.ebpf_rows) interval_max = std::max(interval_max, r[2]);
  EXPECT_GE(interval_max, static_cast<double>(hwm));
  const RecordedEvent* exit = sink.find("process_exit", child.pid());
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->fields["peak_bytes"].get<std::uint64_t>(), hwm);
  EXPECT_EQ(timeline.report["dropped_records"], 0);
}

// ebpf_fork_alloc (its usage line says what it writes) with `sampler` attached, released
// once the sampler runs and sampled at 10 Hz to its exit.
struct ForkAllocRun {
  pid_t parent_pid = 0;
  std::string result;  // prefix of the helper's RESULT.* files
  Timeline timeline;
};

ForkAllocRun run_fork_alloc(Sampler& sampler, RecordingSink& sink, const std::string& tag,
                            const std::string& parent_mib, const std::string& child_mib) {
  ForkAllocRun run;
  const std::string dir = fresh_dir(tag);
  const std::string ready = dir + "/ready";
  run.result = dir + "/result";
  auto child = sys::Child::spawn({{ebpf_helper("ebpf_fork_alloc"), ready, run.result, parent_mib, child_mib}, {}, ""});
  run.parent_pid = child.pid();
  sampler.start(child.pid(), sink);
  wait_for_file(ready);
  ::kill(child.pid(), SIGUSR1);
  run.timeline = drive(child, sampler, sink, [](int, const std::vector<double>&) {});
  return run;
}

// A forked child's memory is attributed to the child, and the tree peak counts
// parent and child at the same instant.
TEST(EbpfSampler, ForkedChildIsTrackedWithItsOwnPeak) {
  REQUIRE_EBPF();
  auto sampler = make_ebpf_sampler({});
  RecordingSink sink;
  const ForkAllocRun run = run_fork_alloc(*sampler, sink, "ebpf-fork", "32", "96");
  const Timeline& timeline = run.timeline;
  const std::string& result = run.result;
  ASSERT_EQ(timeline.status.code, 0) << timeline.status.describe();
  const auto forked = read_numbers(result + ".child");
  const auto parent = read_numbers(result + ".parent");
  ASSERT_EQ(forked.size(), 2u);
  ASSERT_EQ(parent.size(), 2u);
  const pid_t child_pid = static_cast<pid_t>(forked[0]);

  const nlohmann::json* row = process_row(timeline.report, child_pid);
  ASSERT_NE(row, nullptr) << timeline.report.dump(2);
  EXPECT_EQ((*row)["ppid"], run.parent_pid);
  // Compared while the memory is still held, the kernel's own figure comes from the
  // same batched per-CPU counters, read at another instant: on these machines the
  // two differ by up to ~2 MiB here (exact equality holds after an unmap: see the
  // spike test). Attribution is what this test is about.
  constexpr double kCounterDrift = 2 << 20;
  EXPECT_NEAR((*row)["peak_bytes"].get<double>(), static_cast<double>(forked[1]), kCounterDrift);
  const nlohmann::json* parent_row = process_row(timeline.report, run.parent_pid);
  ASSERT_NE(parent_row, nullptr);
  EXPECT_NEAR((*parent_row)["peak_bytes"].get<double>(), static_cast<double>(parent[1]), kCounterDrift);
  // The child's 96 MiB are the child's, not the parent's.
  EXPECT_GT((*row)["peak_bytes"].get<std::uint64_t>(), (*parent_row)["peak_bytes"].get<std::uint64_t>() + (90u << 20));
  EXPECT_GE(timeline.report["forks"].get<int>(), 1);
  EXPECT_GE(timeline.report["peak_bytes"].get<std::uint64_t>(),
            (*row)["peak_bytes"].get<std::uint64_t>() + (32u << 20));
  ASSERT_NE(sink.find("process_fork", child_pid), nullptr);
  ASSERT_NE(sink.find("process_exit", child_pid), nullptr);
  // Faults come from the kernel's per-task counters (no per-fault hook): the child's,
  // its joined thread's included, equal what wait4 reported to its parent.
  const auto child_faults = read_numbers(result + ".child_faults");
  ASSERT_EQ(child_faults.size(), 1u);
  EXPECT_GT(child_faults[0], (96u << 20) / 4096 / 2);  // at least one fault per two pages touched
  EXPECT_EQ((*row)["page_faults"].get<std::uint64_t>(), child_faults[0]);
  // At the first tick no thread of the tree had exited (the child lives >= 50 ms), so
  // a nonzero count there is the live one, read from /proc.
  ASSERT_EQ(sampler->columns()[4], "ebpf_page_faults");
  EXPECT_GT(timeline.ebpf_rows.front()[4], 0);
  EXPECT_GE(timeline.report["page_faults"].get<std::uint64_t>(),
            child_faults[0] + (*parent_row)["page_faults"].get<std::uint64_t>());
  EXPECT_FALSE(timeline.report.contains("fault_hook_hits"));  // the hook is opt-in
  // rss_stat fires once per page faulted in; the slot owner's events (counted in its
  // slot, folded into its entry at exit) reach the report.
  EXPECT_GT((*row)["rss_events"].get<std::uint64_t>(), (96u << 20) / 4096 / 2);
}

// The opt-in tp_btf/page_fault_user hook counts the user-mode faults it sees.
TEST(EbpfSampler, FaultHookCountsUserFaultsWhenAskedFor) {
  REQUIRE_EBPF();
  EbpfOptions options;
  options.fault_hook = true;
  auto sampler = make_ebpf_sampler(options);
  const auto columns = sampler->columns();
  ASSERT_NE(std::find(columns.begin(), columns.end(), "ebpf_fault_hook_hits"), columns.end());
  RecordingSink sink;
  const ForkAllocRun run = run_fork_alloc(*sampler, sink, "ebpf-fault-hook", "8", "32");
  const Timeline& timeline = run.timeline;
  ASSERT_EQ(timeline.status.code, 0) << timeline.status.describe();
  const auto forked = read_numbers(run.result + ".child");
  ASSERT_EQ(forked.size(), 2u);
  const nlohmann::json* row = process_row(timeline.report, static_cast<pid_t>(forked[0]));
  ASSERT_NE(row, nullptr) << timeline.report.dump(2);
  // The child touched 32 + 8 MiB from user mode: at least one fault per two pages.
  EXPECT_GT((*row)["fault_hook_hits"].get<std::uint64_t>(), (40u << 20) / 4096 / 2);
  EXPECT_GE(timeline.report["fault_hook_hits"].get<std::uint64_t>(), (*row)["fault_hook_hits"].get<std::uint64_t>());
}

// A memory cgroup of the test's own (v1 or v2), limit 64 MiB, and a helper that
// touches up to 512 MiB inside it: the OOM kill is reported with the victim.
class OwnMemoryCgroup {
 public:
  OwnMemoryCgroup() {
    const std::string name = "memgate-ebpf-oom-" + std::to_string(::getpid());
    if (fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      path_ = "/sys/fs/cgroup/memory/" + name;
      if (!make()) return;
      ok_ = write("memory.limit_in_bytes", "64M");
      write("memory.swappiness", "0");
    } else if (std::ifstream c("/sys/fs/cgroup/cgroup.controllers"); c) {
      std::string controllers((std::istreambuf_iterator<char>(c)), {});
      if (controllers.find("memory") == std::string::npos) return;
      path_ = "/sys/fs/cgroup/" + name;
      if (!make()) return;
      ok_ = write("memory.max", "64M");
      write("memory.swap.max", "0");
    }
  }
  ~OwnMemoryCgroup() {
    if (path_.empty()) return;
    for (int i = 0; i < 100 && ::rmdir(path_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  bool ok() const { return ok_; }
  std::string procs() const { return path_ + "/cgroup.procs"; }

 private:
  bool make() {
    if (::mkdir(path_.c_str(), 0755) == 0) return true;
    path_.clear();
    return false;
  }
  bool write(const std::string& file, const std::string& value) {
    std::ofstream out(path_ + "/" + file);
    out << value;
    return static_cast<bool>(out.flush());
  }
  std::string path_;
  bool ok_ = false;
};

TEST(EbpfSampler, OomKillUnderOwnCgroupLimitNamesTheVictim) {
  REQUIRE_EBPF();
  OwnMemoryCgroup cgroup;
  if (!cgroup.ok()) GTEST_SKIP() << "cannot create a memory cgroup of our own (no writable v1 or v2 memory controller)";
  const std::string dir = fresh_dir("ebpf-oom");
  const std::string ready = dir + "/ready";
  auto child = sys::Child::spawn({{ebpf_helper("ebpf_oom"), ready, cgroup.procs(), "512"}, {}, ""});
  auto sampler = make_ebpf_sampler({});
  RecordingSink sink;
  sampler->start(child.pid(), sink);
  wait_for_file(ready);
  ::kill(child.pid(), SIGUSR1);
  const Timeline timeline = drive(child, *sampler, sink, [](int, const std::vector<double>&) {});
  ASSERT_TRUE(timeline.status.signaled) << "helper was not killed: " << timeline.status.describe();
  EXPECT_EQ(timeline.status.signal, SIGKILL);

  EXPECT_EQ(timeline.report["oom_kills"], 1) << timeline.report.dump(2);
  ASSERT_EQ(timeline.report["oom_victims"].size(), 1u);
  const auto& victim = timeline.report["oom_victims"][0];
  EXPECT_EQ(victim["pid"], child.pid());
  EXPECT_EQ(victim["comm"], "ebpf_oom");
  EXPECT_GT(victim["anon_bytes"].get<std::uint64_t>(), 32u << 20);
  // Only anonymous memory is charged to the new cgroup (the binary's file pages
  // were charged where they were first read), so only it is bounded by the limit.
  EXPECT_LE(victim["anon_bytes"].get<std::uint64_t>(), 64u << 20);
  EXPECT_GE(victim["rss_bytes"].get<std::uint64_t>(), victim["anon_bytes"].get<std::uint64_t>());
  const RecordedEvent* event = sink.find("oom_kill", child.pid());
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->fields["comm"], "ebpf_oom");
  const nlohmann::json* row = process_row(timeline.report, child.pid());
  ASSERT_NE(row, nullptr);
  EXPECT_TRUE((*row)["oom_killed"].get<bool>());
  EXPECT_EQ((*row)["exit"], "killed by SIGKILL (Killed)");
  EXPECT_EQ(timeline.ebpf_rows.back()[5], 1.0);  // ebpf_oom_kills column
}

// A syscall-tracing run of helper `argv` (which waits on `ready` then SIGUSR1): `before`
// holds the eBPF columns at the tick before the go, the baseline of its start-up calls.
struct SyscallRun {
  Timeline timeline;
  std::vector<double> before;
  pid_t pid = 0;
};

SyscallRun run_syscall_helper(const std::vector<std::string>& argv, const std::string& ready) {
  SyscallRun run;
  auto child = sys::Child::spawn({argv, {}, ""});
  run.pid = child.pid();
  EbpfOptions options;
  options.syscalls = true;
  auto sampler = make_ebpf_sampler(options);
  const auto columns = sampler->columns();
  EXPECT_EQ(columns.size(), 12u);
  EXPECT_EQ(columns.at(7), "ebpf_fds_net");
  RecordingSink sink;
  sampler->start(child.pid(), sink);
  wait_for_file(ready);
  run.timeline = drive(child, *sampler, sink, [&](int n, const std::vector<double>& row) {
    if (n != 1) return;
    run.before = row;  // the helper sits in sigwait
    ::kill(child.pid(), SIGUSR1);
  });
  return run;
}

// With syscall tracing: 20 opens and 19 closes are a net of +1; one 8 MiB mmap/munmap.
TEST(EbpfSampler, SyscallTracingCountsNetFdsAndMmapBytes) {
  REQUIRE_EBPF();
  const std::string ready = fresh_dir("ebpf-fds") + "/ready";
  const SyscallRun run = run_syscall_helper({ebpf_helper("ebpf_fds"), ready, "8"}, ready);
  const Timeline& timeline = run.timeline;
  const std::vector<double>& before = run.before;
  ASSERT_EQ(timeline.status.code, 0) << timeline.status.describe();
  ASSERT_EQ(before.size(), 12u);
  const auto& calls = timeline.report["syscalls"];
  EXPECT_EQ(calls["fds_net"].get<double>() - before[7], 1.0) << timeline.report.dump(2);
  EXPECT_EQ(calls["mmap_bytes"].get<double>() - before[8], 8.0 * (1 << 20));
  EXPECT_EQ(calls["munmap_bytes"].get<double>() - before[9], 8.0 * (1 << 20));
  EXPECT_GE(calls["fd_opens"].get<int>(), 20);
  EXPECT_GE(calls["fd_closes"].get<int>(), 19);
  const nlohmann::json* row = process_row(timeline.report, run.pid);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ((*row)["fds_net"].get<double>(), calls["fds_net"].get<double>());
}

// dup2/dup3 onto an open fd close it (net 0), close_range closes only the open fds of
// its range, its CLOEXEC flag closes nothing, fcntl F_DUPFD creates one: +5 in all, the
// same change /proc/self/fd shows inside the helper.
TEST(EbpfSampler, SyscallTracingNetsDupOntoOpenFdsAndCloseRange) {
  REQUIRE_EBPF();
  const std::string dir = fresh_dir("ebpf-fd-dups");
  const std::string ready = dir + "/ready", out = dir + "/fd_change";
  const SyscallRun run = run_syscall_helper({ebpf_helper("ebpf_fd_dups"), ready, out}, ready);
  const Timeline& timeline = run.timeline;
  const std::vector<double>& before = run.before;
  ASSERT_EQ(timeline.status.code, 0) << timeline.status.describe();
  ASSERT_EQ(before.size(), 12u);
  const std::vector<std::uint64_t> seen = read_numbers(out);
  ASSERT_EQ(seen.size(), 1u) << "helper wrote no fd count to " << out;
  EXPECT_EQ(seen[0], 5u);  // the kernel's own view: what the netting must reproduce
  const auto& calls = timeline.report["syscalls"];
  EXPECT_EQ(calls["fds_net"].get<double>() - before[7], 5.0) << timeline.report.dump(2);
  // 2 opens + 3 dups onto open or closed fds + 13 dups into ranges + 2 F_DUPFD; the
  // implicit closes of dup2/dup3 and the 13 of close_range.
  EXPECT_GE(calls["fd_opens"].get<int>(), 20);
  EXPECT_GE(calls["fd_closes"].get<int>(), 15);
}

// Without privileges the sampler refuses with the reason (no crash, no half-attached
// state) and sampling falls back to /proc. setpriv drops to nobody, losing all caps.
TEST(EbpfSampler, UnprivilegedFallsBackToProcWithReason) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user with setpriv";
  const std::string probe = ebpf_helper("ebpf_fallback_probe");
  const auto unprivileged =
      testing::run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", probe});
  EXPECT_EQ(unprivileged.exit_code, 0) << unprivileged.output;
  EXPECT_NE(unprivileged.output.find("ebpf supported: no - not root and no CAP_BPF+CAP_PERFMON"), std::string::npos)
      << unprivileged.output;
  EXPECT_NE(unprivileged.output.find("ebpf start: refused (exit code 3): eBPF sampler unavailable: not root"),
            std::string::npos)
      << unprivileged.output;
  EXPECT_NE(unprivileged.output.find("proc fallback: samples=3 rss_bytes="), std::string::npos) << unprivileged.output;
  EXPECT_EQ(unprivileged.output.find("proc fallback: samples=3 rss_bytes=0\n"), std::string::npos);

  // The same program as root attaches: the refusal above is about privileges only.
  std::string why;
  if (!privileged_or_skip(why)) GTEST_SKIP() << "eBPF unavailable even as root: " << why;
  const auto root = testing::run_command({probe});
  EXPECT_NE(root.output.find("ebpf supported: yes"), std::string::npos) << root.output;
  EXPECT_NE(root.output.find("ebpf start: attached"), std::string::npos) << root.output;
}

}  // namespace
}  // namespace memgate

#else
TEST(EbpfSampler, NotBuilt) { GTEST_SKIP() << "eBPF sampler not built (MEMGATE_EBPF off or toolchain/BTF missing)"; }
#endif
