// The cgroup v2 code of sys/cgroup.h against a temporary directory that mimics cgroupfs
// (these machines have no v2 memory controller): detection, the files memgate writes
// (limits, subtree_control), the figures it reads (memory.current, memory.peak,
// memory.events, memory.pressure), which kernel paths name its cgroup, and the clean-up
// of cgroups left by a memgate that died.
#include "sys/cgroup.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "memgate/error.h"

namespace memgate::sys {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

MemoryLimits max_of(std::uint64_t max, std::optional<std::uint64_t> swap_max = std::nullopt) {
  MemoryLimits l;
  l.max = max;
  l.swap_max = swap_max;
  return l;
}

// A fixture cgroup v2 directory that memgate may create cgroups in.
class CgroupV2Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("memgate_cgv2_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    put(root_ / "cgroup.controllers", "cpuset cpu io memory pids\n");
    put(root_ / "cgroup.subtree_control", "");
    put(root_ / "memory.max", "max\n");
    put(root_ / "memory.swap.max", "max\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(CgroupV2Fixture, DetectsTheMemoryController) {
  const auto s = memory_cgroup_at(root_.string());
  EXPECT_TRUE(s.ok) << s.detail << " / " << s.fix;
  EXPECT_EQ(s.version, CgroupVersion::v2);
  EXPECT_TRUE(s.swap_accounting);
  EXPECT_EQ(s.detail, "cgroup v2 memory controller at " + root_.string());
}

TEST_F(CgroupV2Fixture, WithoutTheControllerSaysHowToDelegateIt) {
  put(root_ / "cgroup.controllers", "cpu io pids\n");
  const auto s = memory_cgroup_at(root_.string());
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.detail.find("without the memory controller"), std::string::npos) << s.detail;
  EXPECT_NE(s.fix.find("subtree_control"), std::string::npos) << s.fix;
}

TEST_F(CgroupV2Fixture, CreatesAChildWithTheLimits) {
  const auto support = memory_cgroup_at(root_.string());
  MemoryLimits limits;
  limits.max = 100ull << 20;
  limits.high = 80ull << 20;
  limits.swap_max = 0;
  auto cg = MemoryCgroup::create(support, limits);
  const fs::path dir = cg->path();
  EXPECT_EQ(dir.parent_path(), root_ / "memgate");
  EXPECT_EQ(cg->name(), dir.filename().string());
  EXPECT_EQ(memgate_cgroup_owner(cg->name()), ::getpid());
  EXPECT_EQ(slurp(dir / "memory.max"), std::to_string(100ull << 20));
  EXPECT_EQ(slurp(dir / "memory.high"), std::to_string(80ull << 20));
  EXPECT_EQ(slurp(dir / "memory.swap.max"), "0");
  // The controller is enabled for the children of both levels.
  EXPECT_EQ(slurp(root_ / "cgroup.subtree_control"), "+memory");
  EXPECT_EQ(slurp(root_ / "memgate" / "cgroup.subtree_control"), "+memory");
  EXPECT_EQ(cg->procs_file(), (dir / "cgroup.procs").string());
  // The kernel names it by its path from the hierarchy's root.
  EXPECT_TRUE(cg->names_this("/user.slice/x.scope/memgate/" + cg->name()));
  EXPECT_TRUE(cg->names_this("/memgate/" + cg->name() + "/sub"));
  EXPECT_FALSE(cg->names_this("/memgate/" + cg->name() + "0"));
  EXPECT_FALSE(cg->names_this("/elsewhere"));
  // A second one in the same process gets the next number.
  auto second = MemoryCgroup::create(support, limits);
  EXPECT_NE(second->name(), cg->name());
  for (const auto& d : {dir, fs::path(second->path())})
    for (const auto& f : fs::directory_iterator(d)) fs::remove(f.path());
  EXPECT_TRUE(cg->remove());
  EXPECT_TRUE(second->remove());
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(CgroupV2Fixture, ReadsUsagePeakEventsAndPressure) {
  auto cg = MemoryCgroup::create(memory_cgroup_at(root_.string()), max_of(64ull << 20));
  const fs::path dir = cg->path();
  put(dir / "memory.current", "52428800\n");
  put(dir / "memory.peak", "60000000\n");
  put(dir / "memory.events", slurp(fs::path(MEMGATE_FIXTURES) / "cgroup" / "v2_memory.events"));
  put(dir / "memory.pressure", slurp(fs::path(MEMGATE_FIXTURES) / "cgroup" / "v2_memory.pressure"));
  const CgroupStats st = cg->read();
  EXPECT_EQ(st.usage_bytes, 52428800);
  EXPECT_EQ(st.peak_bytes, 60000000);
  EXPECT_EQ(st.oom_kill, 1);
  EXPECT_EQ(st.oom, 2);
  EXPECT_EQ(st.high, 17);
  EXPECT_EQ(st.max, 4);
  ASSERT_TRUE(st.pressure.has_value());
  EXPECT_DOUBLE_EQ(st.pressure->some.avg10, 3.25);
  // A kernel without memory.peak (before 5.19) or PSI: NaN and no pressure.
  fs::remove(dir / "memory.peak");
  fs::remove(dir / "memory.pressure");
  const CgroupStats older = cg->read();
  EXPECT_TRUE(std::isnan(older.peak_bytes));
  EXPECT_FALSE(older.pressure.has_value());
  // Malformed content: a clean error naming the file.
  put(dir / "memory.events", "oom_kill one\n");
  try {
    cg->read();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "memory.events: malformed value 'oom_kill one'");
  }
  for (const auto& f : fs::directory_iterator(dir)) fs::remove(f.path());
}

TEST_F(CgroupV2Fixture, SwapMaxWithoutSwapAccountingIsAUsageError) {
  fs::remove(root_ / "memory.swap.max");
  const auto support = memory_cgroup_at(root_.string());
  ASSERT_TRUE(support.ok);
  EXPECT_FALSE(support.swap_accounting);
  try {
    MemoryCgroup::create(support, max_of(64ull << 20, 0));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("--swap-max"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("swapaccount=1"), std::string::npos) << e.what();
  }
}

TEST_F(CgroupV2Fixture, RemovesOnlyCgroupsOfDeadMemgates) {
  const fs::path base = root_ / "memgate";
  fs::create_directories(base);
  // A pid that does not exist (above the kernel's pid_max), this process, and names
  // memgate did not make.
  for (const char* name : {"memgate-4194305-1", "other", "memgate-x-1", "memgate-12-"})
    fs::create_directories(base / name);
  const std::string mine = "memgate-" + std::to_string(::getpid()) + "-99";
  fs::create_directories(base / mine);
  const auto notes = remove_stale_cgroups(memory_cgroup_at(root_.string()));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("removed the cgroup " + (base / "memgate-4194305-1").string()), std::string::npos)
      << notes[0];
  EXPECT_FALSE(fs::exists(base / "memgate-4194305-1"));
  for (const std::string name : {"other", "memgate-x-1", "memgate-12-", mine.c_str()})
    EXPECT_TRUE(fs::exists(base / name)) << name;
}

TEST(CgroupNames, Owner) {
  EXPECT_EQ(memgate_cgroup_owner("memgate-123-4"), 123);
  EXPECT_EQ(memgate_cgroup_owner("memgate-123"), std::nullopt);
  EXPECT_EQ(memgate_cgroup_owner("memgate--4"), std::nullopt);
  EXPECT_EQ(memgate_cgroup_owner("memgate-12a-4"), std::nullopt);
  EXPECT_EQ(memgate_cgroup_owner("system.slice"), std::nullopt);
  EXPECT_EQ(memgate_cgroup_owner("memgate-99999999-1"), std::nullopt);
}

TEST(CgroupDetect, EnvironmentOverrideThatIsNoCgroup) {
  const auto s = memory_cgroup_at(::testing::TempDir());
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.detail.find("is not a memory cgroup"), std::string::npos) << s.detail;
  const auto missing = memory_cgroup_at("/nonexistent/memgate");
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.fix.find("MEMGATE_CGROUP_ROOT"), std::string::npos);
}

}  // namespace
}  // namespace memgate::sys
