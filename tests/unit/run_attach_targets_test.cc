// `memgate run --pid`: the pure parts of attaching (run/attach_targets.h): the pids as
// given, when the attached processes have ended (pid reuse included), the one-line
// errors, and what meta.json / report.json say of them.
#include "run/attach_targets.h"

#include <gtest/gtest.h>

#include <map>

#include "memgate/error.h"
#include "record/run_meta.h"
#include "report/terminal.h"
#include "sys/proc_parse.h"

namespace memgate::run {
namespace {

TEST(AttachTargets, DuplicatePidsAreDroppedInOrder) {
  EXPECT_EQ(unique_pids({30, 10, 30, 20, 10}), (std::vector<pid_t>{30, 10, 20}));
}

TEST(AttachTargets, EndsWhenEveryProcessIsGoneOrItsPidReused) {
  AttachedTargets t({{100, "server", 5000, 1.7e9}, {200, "worker", 6000, std::nullopt}});
  std::map<pid_t, std::uint64_t> live{{100, 5000}, {200, 6000}};
  const auto ticks = [&live](pid_t pid) -> std::optional<std::uint64_t> {
    const auto it = live.find(pid);
    if (it == live.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_TRUE(t.update(ticks, 1).empty());
  EXPECT_FALSE(t.all_ended());
  live.erase(100);
  const auto first = t.update(ticks, 2.5);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].pid, 100);
  EXPECT_FALSE(t.all_ended());
  EXPECT_TRUE(t.update(ticks, 3).empty()) << "an end is reported once";
  // The pid of the worker now belongs to another process (other start ticks).
  live[200] = 9999;
  const auto second = t.update(ticks, 4);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].pid, 200);
  EXPECT_TRUE(t.all_ended());

  const auto records = t.records(1'700'000'060'000);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].started_at, "2023-11-14T22:13:20.000Z");
  EXPECT_DOUBLE_EQ(*records[0].age_at_attach_s, 60);
  EXPECT_DOUBLE_EQ(*records[0].ended_after_s, 2.5);
  EXPECT_TRUE(records[1].started_at.empty());
  EXPECT_FALSE(records[1].age_at_attach_s);
  EXPECT_DOUBLE_EQ(*records[1].ended_after_s, 4);
  EXPECT_EQ(t.describe(), "PIDs 100 (server), 200 (worker)");
}

TEST(AttachTargets, ErrorsNameThePidTheCauseAndTheFix) {
  sys::AttachProbe probe;
  probe.status = sys::AttachStatus::missing;
  EXPECT_EQ(attach_error(4242, probe).rfind("--pid 4242: no such process", 0), 0u) << attach_error(4242, probe);
  EXPECT_NE(attach_error(4242, probe).find("pgrep"), std::string::npos);
  probe = {sys::AttachStatus::denied, {1, "systemd", 1, std::nullopt}};
  const std::string denied = attach_error(1, probe);
  EXPECT_EQ(denied.rfind("--pid 1 (systemd): memgate may not read its memory", 0), 0u) << denied;
  EXPECT_NE(denied.find("CAP_SYS_PTRACE"), std::string::npos) << denied;
  probe = {sys::AttachStatus::kernel_thread, {2, "kthreadd", 1, std::nullopt}};
  EXPECT_NE(attach_error(2, probe).find("kernel thread"), std::string::npos);
  probe.status = sys::AttachStatus::ok;
  EXPECT_EQ(attach_error(2, probe), "");
  for (const auto& text : {attach_error(4242, {sys::AttachStatus::missing, {}}), denied})
    EXPECT_EQ(text.find('\n'), std::string::npos) << "one line";
}

TEST(AttachTargets, MetaJsonKeepsTheAttachedProcesses) {
  record::RunMeta m;
  m.command = {};
  m.status = "finished";
  m.attached = {{123, "server", 777, "2026-12-07T21:00:00.000Z", 300.5, std::nullopt}};
  const nlohmann::json once = m;
  const auto back = once.get<record::RunMeta>();
  ASSERT_EQ(back.attached.size(), 1u);
  EXPECT_EQ(back.attached[0].pid, 123);
  EXPECT_EQ(back.attached[0].comm, "server");
  EXPECT_EQ(back.attached[0].start_ticks, 777u);
  EXPECT_FALSE(back.attached[0].ended_after_s);
  EXPECT_EQ(nlohmann::json(back), once);
  EXPECT_TRUE(once["attached"][0]["ended_after_s"].is_null());
  // A hand-edited list is a usage error naming the field, never a crash.
  auto bad = once;
  bad["attached"][0]["pid"] = "123";
  EXPECT_THROW((void)bad.get<record::RunMeta>(), Error);
  bad["attached"] = {{"pid", 1}};
  EXPECT_THROW((void)bad.get<record::RunMeta>(), Error);
}

TEST(AttachTargets, TheLiveLineSaysWhatItIsAttachedTo) {
  report::Progress p;
  p.elapsed_s = 12;
  p.rss_bytes = p.rss_peak_bytes = 4 << 20;
  p.target = "attached to PID 123 (server)";
  EXPECT_EQ(report::progress_line(p, 200).rfind("attached to PID 123 (server) | 12.0s | RSS 4.0 MiB", 0), 0u)
      << report::progress_line(p, 200);
}

TEST(AttachTargets, BootTimeFromProcStat) {
  EXPECT_EQ(sys::parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1765100000\nprocesses 7\n"), 1765100000);
  EXPECT_FALSE(sys::parse_boot_time("cpu 1 2 3\n"));
  EXPECT_FALSE(sys::parse_boot_time("btime soon\n"));
  EXPECT_FALSE(sys::parse_boot_time("btimex 12\n"));
}

}  // namespace
}  // namespace memgate::run
