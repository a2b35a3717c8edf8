// Pure bookkeeping of the eBPF sampler: kernel structs in, report values out.
#include <gtest/gtest.h>

#ifdef MEMGATE_HAVE_EBPF
#include <cstring>

#include "ebpf/ebpf_figures.h"

namespace memgate::ebpf {
namespace {

memgate_proc proc_with(std::uint64_t peak, std::int64_t fds_net, bool exited) {
  memgate_proc k{};
  k.peak_bytes = peak;
  k.rss_bytes = exited ? 0 : peak / 2;
  k.fds_net = fds_net;
  k.page_faults = 10;
  k.mmap_bytes = 4096;
  k.exited = exited;
  k.ppid = 1;
  std::strcpy(k.comm, "worker");
  return k;
}

TEST(EbpfFigures, FiguresCopyKernelFieldsAndComm) {
  memgate_proc k = proc_with(5 << 20, 3, true);
  std::memcpy(k.comm, "exactly16chars!!", 16);  // no NUL: the kernel's comm can fill the field
  k.exit_code = 9;                              // killed by SIGKILL
  k.maxrss_bytes = 6 << 20;
  const ProcessFigures f = figures_of(42, k);
  EXPECT_EQ(f.pid, 42);
  EXPECT_EQ(f.comm, "exactly16chars!!");
  EXPECT_EQ(f.peak_bytes, 5u << 20);
  EXPECT_EQ(f.maxrss_bytes, 6u << 20);
  EXPECT_TRUE(f.exited);
  EXPECT_EQ(process_json(f, false)["exit"], "killed by SIGKILL (Killed)");
  EXPECT_FALSE(process_json(f, false).contains("fds_net"));
  EXPECT_EQ(process_json(f, true)["fds_net"], 3);
}

TEST(EbpfFigures, TableKeepsLargestFinishedPeaksButCountsAll) {
  ProcessTable table(2);
  for (pid_t pid = 1; pid <= 5; ++pid) table.finish(figures_of(pid, proc_with(pid * 100, 1, true)));
  table.update_live(figures_of(9, proc_with(250, -1, false)));
  table.update_live(figures_of(9, proc_with(260, -1, false)));  // same process, later tick
  EXPECT_EQ(table.seen(), 6u);
  const auto rows = table.rows(10);
  ASSERT_EQ(rows.size(), 3u);  // two kept finished + one live
  EXPECT_EQ(rows[0].pid, 5);
  EXPECT_EQ(rows[1].pid, 4);
  EXPECT_EQ(rows[2].pid, 9);
  EXPECT_EQ(rows[2].peak_bytes, 260u);
  const Totals totals = table.totals();
  EXPECT_EQ(totals.fds_net, 5 - 1);  // dropped rows still count
  EXPECT_EQ(totals.page_faults, 60u);
  EXPECT_FALSE(table.find(1).has_value());
  EXPECT_TRUE(table.find(4).has_value());
}

TEST(EbpfFigures, LiveProcessThatExitsMovesToFinished) {
  ProcessTable table(4);
  table.update_live(figures_of(7, proc_with(1000, 2, false)));
  table.finish(figures_of(7, proc_with(1000, 2, true)));
  EXPECT_EQ(table.seen(), 1u);
  EXPECT_EQ(table.totals().fds_net, 2);  // counted once, not live + finished
  ASSERT_TRUE(table.find(7).has_value());
  EXPECT_TRUE(table.find(7)->exited);
}

TEST(EbpfFigures, RecordsBecomeEventsExceptRssSteps) {
  memgate_record r{};
  r.pid = 10;
  r.ppid = 9;
  std::strcpy(r.comm, "victim");
  r.kind = MEMGATE_REC_RSS;
  EXPECT_FALSE(event_of(r).has_value());

  r.kind = MEMGATE_REC_OOM;
  r.anon_bytes = 3 << 20;
  r.file_bytes = 1 << 20;
  r.rss_bytes = 4 << 20;
  auto oom = event_of(r);
  ASSERT_TRUE(oom.has_value());
  EXPECT_EQ(oom->kind, "oom_kill");
  EXPECT_EQ(oom->fields["pid"], 10);
  EXPECT_EQ(oom->fields["comm"], "victim");
  EXPECT_EQ(oom->fields["anon_bytes"], 3u << 20);

  r.kind = MEMGATE_REC_EXIT;
  r.exit_code = 3 << 8;  // exit(3)
  r.maxrss_bytes = 8 << 20;
  auto exit = event_of(r);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->kind, "process_exit");
  EXPECT_EQ(exit->fields["exit"], "exited with status 3");
  EXPECT_EQ(exit->fields["maxrss_bytes"], 8u << 20);

  r.kind = MEMGATE_REC_FORK;
  EXPECT_EQ(event_of(r)->kind, "process_fork");
  r.kind = MEMGATE_REC_EXEC;
  EXPECT_EQ(event_of(r)->kind, "process_exec");
}

TEST(EbpfFigures, RecordTimeIsRelativeToTheTick) {
  // A record 250 ms before a tick at t = 10 s happened at t = 9.75 s.
  EXPECT_DOUBLE_EQ(record_time_s(5'000'000'000ULL - 250'000'000ULL, 10.0, 5'000'000'000ULL), 9.75);
}

TEST(EbpfFigures, ReportHasTreePeakRatesAndSyscallsOnlyWhenTraced) {
  ProcessTable table(8);
  table.finish(figures_of(3, proc_with(7 << 20, 1, true)));
  ReportInput in;
  in.duration_s = 2;
  in.step_bytes = 1 << 20;
  in.tree.peak_bytes = 9 << 20;
  ProcessFigures busy = figures_of(4, proc_with(1 << 20, 0, false));
  busy.rss_events = 1000;  // events are summed over the processes, finished ones included
  table.update_live(busy);
  in.tree.dropped = 2;
  in.tree.oom_kills = 1;
  in.oom_victims.push_back({1.5, 3, "worker", 7 << 20, 6 << 20, 1 << 20, 0});
  auto j = build_report(in, table);
  EXPECT_EQ(j["peak_bytes"], 9u << 20);
  EXPECT_EQ(j["max_process_peak_bytes"], 7u << 20);
  EXPECT_EQ(j["rss_events"], 1000);
  EXPECT_DOUBLE_EQ(j["rss_events_per_s"].get<double>(), 500.0);
  EXPECT_EQ(j["page_faults"], 20);  // 10 per process
  EXPECT_EQ(j["dropped_records"], 2);
  EXPECT_EQ(j["oom_victims"][0]["pid"], 3);
  EXPECT_FALSE(j.contains("syscalls"));
  in.syscalls = true;
  EXPECT_EQ(build_report(in, table)["syscalls"]["fds_net"], 1);  // +1 finished, 0 live
}

// The kernel's batched sum sat 100 KiB below the precise polled VmRSS at every tick (the
// hydrology soak): the exact peak is raised to the polled one, the lag is reported.
TEST(EbpfFigures, PeakNeverBelowThePolledTreeSum) {
  ProcessTable table(8);
  ReportInput in;
  in.tree.peak_bytes = 4218880;
  in.tree.charged_peak_bytes = 4218880;
  for (int tick = 0; tick < 3; ++tick) in.polled.add(4321280, 4218880);
  auto j = build_report(in, table);
  EXPECT_EQ(j["peak_bytes"], 4321280u);
  EXPECT_EQ(j["kernel_peak_bytes"], 4218880u);
  EXPECT_EQ(j["polled_lag_bytes_max"], 102400u);
  // No fork: nothing to correct, the corrected peak is the peak.
  EXPECT_EQ(j["fork_copy_bytes"], 0u);
  EXPECT_EQ(j["fork_corrected_peak_bytes"], 4321280u);
  // A spike eBPF saw between polls stays the peak; a tick where eBPF read more is no lag.
  in.tree.peak_bytes = in.tree.charged_peak_bytes = 9 << 20;
  in.polled.add(1 << 20, 2 << 20);
  EXPECT_EQ(in.polled.last_bytes, 1u << 20);
  j = build_report(in, table);
  EXPECT_EQ(j["peak_bytes"], 9u << 20);
  EXPECT_EQ(j["polled_lag_bytes_max"], 102400u);
}

// A forked child's copy-on-write view of its parent (64 MiB) counted in the plain sum but
// not in the charged one: the correction is the difference of the two kernel peaks.
TEST(EbpfFigures, ForkCorrectedPeakLeavesOutTheChildsViewOfItsParent) {
  ProcessTable table(8);
  ReportInput in;
  in.tree.peak_bytes = 142u << 20;
  in.tree.charged_peak_bytes = 75u << 20;
  in.polled.add(74u << 20, 74u << 20);
  const auto j = build_report(in, table);
  EXPECT_EQ(j["peak_bytes"], 142u << 20);
  EXPECT_EQ(j["fork_copy_bytes"], 67u << 20);
  EXPECT_EQ(j["fork_corrected_peak_bytes"], 75u << 20);
}

TEST(EbpfFigures, FaultHookHitsAppearOnlyWithTheHook) {
  ProcessTable table(8);
  memgate_proc k = proc_with(1 << 20, 0, true);
  k.fault_hook_hits = 7;
  table.finish(figures_of(3, k));
  k.fault_hook_hits = 5;
  table.update_live(figures_of(4, k));
  ReportInput in;
  auto j = build_report(in, table);
  EXPECT_EQ(j["fault_hook"], false);
  EXPECT_FALSE(j.contains("fault_hook_hits"));
  EXPECT_FALSE(j["processes"][0].contains("fault_hook_hits"));
  in.fault_hook = true;
  j = build_report(in, table);
  EXPECT_EQ(j["fault_hook_hits"], 12);
  EXPECT_EQ(j["page_faults"], 20);  // the kernel's counters, with or without the hook
  EXPECT_EQ(j["processes"][0]["fault_hook_hits"].get<int>() + j["processes"][1]["fault_hook_hits"].get<int>(), 12);
}

}  // namespace
}  // namespace memgate::ebpf

#else
TEST(EbpfFigures, NotBuilt) { GTEST_SKIP() << "eBPF sampler not built (MEMGATE_EBPF off or toolchain/BTF missing)"; }
#endif
