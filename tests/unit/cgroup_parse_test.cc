// The cgroup parsers against fixtures: v1 files and mountinfo captured on this project's
// CI machines (cgroup v1 memory controller at /sys/fs/cgroup/memory), the kernel's OOM
// lines from a real kill there, and v2 files in the format of Linux 6.x (memory.events,
// memory.pressure, memory.stat). Malformed text is a clean Error naming the file.
#include "sys/cgroup_parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "memgate/error.h"

namespace memgate::sys {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(MEMGATE_FIXTURES) + "/cgroup/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string error_of(auto f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::internal);
    return e.what();
  }
  return "no error";
}

TEST(CgroupParse, V2MemoryEvents) {
  const auto ev = parse_flat_keyed(fixture("v2_memory.events"), "memory.events");
  EXPECT_EQ(ev.at("high"), 17u);
  EXPECT_EQ(ev.at("max"), 4u);
  EXPECT_EQ(ev.at("oom"), 2u);
  EXPECT_EQ(ev.at("oom_kill"), 1u);
  EXPECT_EQ(ev.size(), 6u);
}

TEST(CgroupParse, V2MemoryStat) {
  const auto st = parse_flat_keyed(fixture("v2_memory.stat"), "memory.stat");
  EXPECT_EQ(st.at("anon"), 104857600u);
  EXPECT_EQ(st.at("file"), 2097152u);
  EXPECT_EQ(st.at("pgmajfault"), 2u);
}

TEST(CgroupParse, V1OomControl) {
  const auto oc = parse_flat_keyed(fixture("v1_oom_control_after_kill.txt"), "memory.oom_control");
  EXPECT_EQ(oc.at("oom_kill"), 1u);
  EXPECT_EQ(oc.at("under_oom"), 0u);
  EXPECT_EQ(oc.at("oom_kill_disable"), 0u);
}

TEST(CgroupParse, V2Pressure) {
  const auto p = parse_pressure(fixture("v2_memory.pressure"), "memory.pressure");
  EXPECT_DOUBLE_EQ(p.some.avg10, 3.25);
  EXPECT_DOUBLE_EQ(p.some.avg300, 0.24);
  EXPECT_EQ(p.some.total_us, 1834567u);
  EXPECT_DOUBLE_EQ(p.full.avg10, 1.5);
  EXPECT_EQ(p.full.total_us, 912345u);
}

TEST(CgroupParse, LimitValues) {
  EXPECT_EQ(parse_limit_value("104857600\n", "memory.max"), 104857600u);
  EXPECT_EQ(parse_limit_value("max\n", "memory.max"), std::nullopt);
  EXPECT_EQ(parse_limit_value("9223372036854771712\n", "memory.limit_in_bytes"), 9223372036854771712u);
}

TEST(CgroupParse, MalformedTextIsACleanErrorNamingTheFile) {
  EXPECT_EQ(error_of([] { parse_flat_keyed("high 17\noom\n", "memory.events"); }),
            "memory.events: malformed line 'oom'");
  EXPECT_EQ(error_of([] { parse_flat_keyed("high -3\n", "memory.events"); }),
            "memory.events: malformed value 'high -3'");
  EXPECT_EQ(error_of([] { parse_flat_keyed("oom_kill 1 2\n", "memory.oom_control"); }),
            "memory.oom_control: malformed line 'oom_kill 1 2'");
  EXPECT_EQ(error_of([] { parse_pressure("some avg10=x avg60=0 avg300=0 total=0\n", "memory.pressure"); }),
            "memory.pressure: malformed value 'some avg10=x avg60=0 avg300=0 total=0'");
  EXPECT_EQ(error_of([] { parse_pressure("half avg10=0 avg60=0 avg300=0 total=0\n", "memory.pressure"); }),
            "memory.pressure: malformed line 'half avg10=0 avg60=0 avg300=0 total=0'");
  EXPECT_EQ(error_of([] { parse_pressure("", "memory.pressure"); }), "memory.pressure: malformed content ''");
  EXPECT_EQ(error_of([] { parse_limit_value("12k\n", "memory.current"); }), "memory.current: malformed value '12k'");
  EXPECT_EQ(error_of([] { parse_limit_value("", "memory.current"); }), "memory.current: malformed value ''");
}

TEST(CgroupParse, MountinfoOfAV1Host) {
  // The v1 memory controller at /sys/fs/cgroup/memory, and a cgroup2 hierarchy (without
  // the memory controller) at /sys/fs/cgroup/unified.
  const auto m = parse_mountinfo(fixture("mountinfo_v1_host.txt"));
  EXPECT_EQ(m.v1_memory, "/sys/fs/cgroup/memory");
  EXPECT_EQ(m.v1_memory_root, "/");
  ASSERT_EQ(m.v2.size(), 1u);
  EXPECT_EQ(m.v2[0], "/sys/fs/cgroup/unified");
  const auto own = parse_proc_cgroup(fixture("proc_cgroup_v1_host.txt"));
  EXPECT_EQ(own.v1_memory, "/process_api/f6d818cc8b2665ec601f1d3be058cfcf");
  EXPECT_EQ(own.v2, "/");
}

TEST(CgroupParse, MountinfoOfAV2Host) {
  const auto m = parse_mountinfo(fixture("mountinfo_v2.txt"));
  EXPECT_TRUE(m.v1_memory.empty());
  ASSERT_EQ(m.v2.size(), 1u);
  EXPECT_EQ(m.v2[0], "/sys/fs/cgroup");
  const auto own = parse_proc_cgroup(fixture("proc_cgroup_v2.txt"));
  EXPECT_EQ(own.v2, "/user.slice/user-1000.slice/user@1000.service/app.slice/run-u42.scope");
  EXPECT_TRUE(own.v1_memory.empty());
  // An escaped mount point (a space is \040) and a line too short to be a mount.
  const auto escaped = parse_mountinfo("30 1 0:5 / /mnt/cg\\040two rw - cgroup2 none rw\nbogus line\n");
  ASSERT_EQ(escaped.v2.size(), 1u);
  EXPECT_EQ(escaped.v2[0], "/mnt/cg two");
}

TEST(CgroupParse, KernelOomLinesNameTheVictimAndItsMemcg) {
  KernelOomParser parser;
  std::istringstream in(fixture("kmsg_memcg_oom.txt"));
  for (std::string line; std::getline(in, line);) parser.line(line);
  ASSERT_EQ(parser.kills().size(), 1u);
  const auto& k = parser.kills()[0];
  EXPECT_EQ(k.oom_memcg, "/process_api/f6d818cc8b2665ec601f1d3be058cfcf/memgate-test");
  EXPECT_EQ(k.pid, 9182);
  EXPECT_EQ(k.comm, "python3");
  ASSERT_TRUE(k.has_rss);
  EXPECT_EQ(k.rss_bytes, (102016u + 2908u + 0u) * 1024);
}

TEST(CgroupParse, KernelOomLinesIgnoreWhatIsNotAKill) {
  KernelOomParser parser;
  parser.line("6,1,2,-;eth0: link up");
  parser.line("3,4,5,-;Memory cgroup out of memory: Killed process 12 (x) anon-rss:4kB");  // no oom-kill line before
  parser.line("6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,task=x,pid=notapid,uid=0");
  EXPECT_TRUE(parser.kills().empty());
  parser.set_max(1);
  parser.line("oom-kill:oom_memcg=/a/memgate/memgate-1-1,task=a,pid=7");
  parser.line("oom-kill:oom_memcg=/a/memgate/memgate-1-1,task=b,pid=8");
  ASSERT_EQ(parser.kills().size(), 1u);
  EXPECT_FALSE(parser.kills()[0].has_rss);
}

TEST(CgroupParse, KernelOomLinesOfOtherCgroupsAreFilteredOut) {
  KernelOomParser parser;
  parser.set_max(1);
  parser.set_memcg_filter("/memgate/memgate-5-1");
  // The host's kill in another cgroup neither fills the bound nor lends its RSS line.
  parser.line("oom-kill:oom_memcg=/system.slice/db.service,task=db,pid=70");
  parser.line("Memory cgroup out of memory: Killed process 70 (db) anon-rss:4096kB, file-rss:0kB, shmem-rss:0kB");
  parser.line("oom-kill:oom_memcg=/x/memgate/memgate-5-1,task=hog,pid=71");
  parser.line("Memory cgroup out of memory: Killed process 71 (hog) anon-rss:8kB, file-rss:4kB, shmem-rss:0kB");
  ASSERT_EQ(parser.kills().size(), 1u);
  EXPECT_EQ(parser.kills()[0].pid, 71);
  EXPECT_EQ(parser.kills()[0].rss_bytes, 12u * 1024);
}

TEST(CgroupParse, CommaFields) {
  EXPECT_EQ(comma_field("task=python3,pid=12", "pid"), "12");
  EXPECT_EQ(comma_field("task=python3,pid=12", "task"), "python3");
  EXPECT_EQ(comma_field("task_memcg=/a,pid=1", "task"), std::nullopt);
}

}  // namespace
}  // namespace memgate::sys
