// The preload probe under each allocator, driven as the runner drives it: the probe
// names the allocator that really serves malloc, its heap figures follow what the
// helper holds, and a purge returns memory (glibc's malloc_trim most of it).
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "alloc/allocator_setup.h"
#include "alloc/allocator_table.h"
#include "alloc/probe_slots.h"
#include "memgate_probe.h"
#include "integration/run_helpers.h"
#include "memgate/error.h"
#include "sys/child.h"

namespace memgate::alloc {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kBlocks = 300000, kBlockSize = 256;
constexpr double kBurstBytes = double(kBlocks) * kBlockSize;  // 76.8 MB

struct RecordingSink : EventSink {
  std::vector<std::pair<std::string, nlohmann::json>> events;
  void event(double, std::string_view kind, nlohmann::json fields) override {
    events.emplace_back(std::string(kind), std::move(fields));
  }
  std::size_t count(std::string_view kind) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.first == kind;
    return n;
  }
};

struct Status {
  std::string phase;
  std::size_t held = 0;
};

Status read_status(const std::string& path) {
  std::ifstream in(path);
  Status s;
  std::string line;
  if (!std::getline(in, line)) return s;
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    if (word.starts_with("phase=")) s.phase = word.substr(6);
    if (word.starts_with("held=")) s.held = std::stoul(word.substr(5));
  }
  return s;
}

Status wait_phase(const std::string& path, const std::string& phase) {
  for (int i = 0; i < 1000; ++i) {
    const Status s = read_status(path);
    if (s.phase == phase) return s;
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "helper never reached phase " << phase;
  return {};
}

// The helper's reading from a publish that began after this call: the one in flight
// may have started before, so wait for the second one after it.
// Index of one of the sampler's samples.csv columns.
std::size_t column_of(const ProbeSampler& sampler, const std::string& name) {
  const std::vector<std::string> columns = sampler.columns();
  const auto it = std::find(columns.begin(), columns.end(), name);
  EXPECT_NE(it, columns.end()) << name;
  return static_cast<std::size_t>(it - columns.begin());
}

SlotReading fresh_reading(ProbeSampler& sampler, pid_t pid) {
  std::optional<std::uint64_t> now;
  for (int i = 0; i < 500; ++i) {
    for (const auto& r : sampler.refresh()) {
      if (r.pid != pid) continue;
      if (!now) now = r.publishes;
      else if (r.publishes >= *now + 2) return r;
    }
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "the probe of pid " << pid << " never published";
  return {};
}

class AllocProbeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AllocProbeTest, ReportsAllocatorHeapAndPurge) {
  const std::string allocator = GetParam();
  const AllocatorInfo* info = find_allocator(allocator);
  ASSERT_NE(info, nullptr);
  if (allocator != "glibc" && (info->version == 0 || ::access(std::string(info->library).c_str(), R_OK) != 0))
    GTEST_SKIP() << allocator << " is not installed (" << info->install_hint << ")";

  const std::string dir = testing::fresh_dir("alloc-" + allocator);
  const std::string status = dir + "/status";
  const std::string helper = testing::helper("alloc/alloc_burst");
  AllocatorRequest request;
  request.allocator = allocator;
  request.target = helper;
  request.probe_interval_ms = 20;
  AllocatorSetup setup = prepare_allocator(request);
  ASSERT_TRUE(setup.probe);
  ProbeSampler sampler(*setup.probe);

  sys::Child child = sys::Child::spawn({{helper, status}, setup.env_set, ""});
  RecordingSink sink;
  sampler.start(child.pid(), sink);
  wait_phase(status, "baseline");
  const SlotReading baseline = fresh_reading(sampler, child.pid());

  // The probe names the allocator that serves malloc, and the sampler agrees.
  EXPECT_EQ(baseline.allocator, allocator);
  EXPECT_NE(baseline.malloc_from.find(allocator == "glibc" ? "libc.so" : allocator), std::string::npos)
      << baseline.malloc_from;
  const auto column = [&](const char* name) { return column_of(sampler, name); };
  std::vector<double> row(sampler.columns().size());
  sampler.tick(0.1, row, sink);
  EXPECT_FALSE(sampler.mismatch()) << *sampler.mismatch();
  // The probe keeps no descriptor: its shm fd was closed right after mmap.
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(child.pid()) + "/fd")) {
    std::error_code ec;
    EXPECT_EQ(std::filesystem::read_symlink(fd.path(), ec).string().find("memgate-probe"), std::string::npos);
  }
  EXPECT_EQ(row[column("alloc_processes")], 1.0);  // one process publishing

  ::kill(child.pid(), SIGUSR1);
  wait_phase(status, "burst");
  const SlotReading burst = fresh_reading(sampler, child.pid());
  ::kill(child.pid(), SIGUSR1);
  const Status freed_status = wait_phase(status, "freed");
  const SlotReading freed = fresh_reading(sampler, child.pid());
  const double freed_bytes = kBurstBytes - double(freed_status.held);
  sampler.tick(0.9, row, sink);  // right after a publish: the snapshot is fresh
  const double held_freed = row[column("alloc_held_bytes")];

  if (burst.heap.allocated) {
    // Live bytes follow what the program holds: the burst, then the few kept blocks.
    const double base = double(*baseline.heap.allocated);
    EXPECT_GE(double(*burst.heap.allocated) - base, 0.98 * kBurstBytes);
    EXPECT_LE(double(*burst.heap.allocated) - base, 1.25 * kBurstBytes);
    EXPECT_LE(double(*freed.heap.allocated) - base, double(freed_status.held) + 4e6);
    ASSERT_TRUE(freed.heap.free_held);
    EXPECT_GE(double(*freed.heap.free_held), 0.5 * kBurstBytes) << "the freed blocks are retained, not yet returned";
  } else {
    // mimalloc 2.0.9 offers committed bytes only: they must cover the burst (the
    // baseline already has part of a segment committed, so compare absolute values).
    ASSERT_TRUE(burst.heap.mapped);
    EXPECT_GE(double(*burst.heap.mapped), kBurstBytes);
    EXPECT_LE(double(*burst.heap.mapped), 1.5 * kBurstBytes);
  }

  const PurgeOutcome purge = sampler.purge_now(1.0, sink, "test");
  EXPECT_EQ(purge.processes, 1u);
  EXPECT_EQ(purge.completed, 1u);
  EXPECT_EQ(sink.count("purge"), 1u);
  std::printf("[ alloc ] %s: burst rss freed=%.1f MB, purge returned %.1f MB of %.1f MB freed in %.1f ms\n",
              allocator.c_str(), double(purge.rss_before_bytes) / 1e6, purge.returned_bytes / 1e6, freed_bytes / 1e6,
              purge.longest_purge_s * 1e3);
  if (allocator == "mimalloc") {
    // mi_collect acts on the calling (probe) thread's heap only: the main thread's
    // freed pages stay until that thread allocates again (allocators/README.md).
    EXPECT_GE(purge.returned_bytes, -1e6);
  } else {
    // malloc_trim madvises the free pages inside the heap; jemalloc purges its dirty
    // pages at once instead of after dirty_decay_ms; tcmalloc releases its page heap.
    EXPECT_GE(purge.returned_bytes, 0.8 * freed_bytes) << "the purge returns most of the freed blocks";
  }
  // RSS beyond the live heap, paired by the probe's own clock: the freed blocks while
  // the allocator keeps them, then much less once purged. mimalloc 2.0.9 has no live
  // heap figure, so the column stays empty rather than guessed.
  sampler.tick(1.1, row, sink);
  if (burst.heap.allocated) {
    EXPECT_GE(held_freed, 0.5 * freed_bytes);
    EXPECT_LE(row[column("alloc_held_bytes")], held_freed - 0.5 * freed_bytes);
  } else {
    EXPECT_TRUE(std::isnan(held_freed));
  }

  ::kill(child.pid(), SIGUSR1);
  const auto exit_status = child.wait();
  EXPECT_FALSE(exit_status.signaled);
  EXPECT_EQ(exit_status.code, 0);
  const nlohmann::json report = sampler.stop(2.0, sink).figures;
  EXPECT_EQ(report["verified"], true) << report.dump();
  EXPECT_EQ(report["processes_seen"], 1);
  EXPECT_EQ(report["purges"]["count"], 1);
  EXPECT_GT(report["probe"]["publishes"].get<double>(), 3);
  const CheckResult check = sampler.allocator_check();
  EXPECT_EQ(check.outcome, Outcome::pass);
  EXPECT_NE(check.summary.find("; 1 purge (1 test) returned "), std::string::npos) << check.summary;
  EXPECT_TRUE(list_slot_pids(sampler.session()).empty()) << "stop() unlinks the session's slots";
  std::filesystem::remove_all(dir);
}

// A process that exits while its probe thread is inside a publish leaves the seqlock odd
// for good: once the process is gone its slot is still read (and so counted and verified),
// while a live process's odd slot is not read half-written.
TEST(AllocProbeSlot, AWriterThatDiedMidPublishIsStillRead) {
  const std::string session = new_probe_session();
  const auto make_slot = [&](pid_t pid) {
    const std::string name = std::string("/") + MEMGATE_PROBE_SHM_PREFIX + session + "." + std::to_string(pid);
    const int fd = ::shm_open(name.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0) << std::strerror(errno);
    EXPECT_EQ(::ftruncate(fd, sizeof(memgate_probe_slot)), 0);
    void* mem = ::mmap(nullptr, sizeof(memgate_probe_slot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    auto* slot = static_cast<memgate_probe_slot*>(mem);
    std::memset(slot, 0, sizeof *slot);
    slot->magic = MEMGATE_PROBE_MAGIC;
    slot->version = MEMGATE_PROBE_VERSION;
    slot->pid = pid;
    slot->state = MEMGATE_PROBE_RUNNING;
    std::snprintf(slot->allocator, sizeof slot->allocator, "jemalloc");
    slot->publishes = 7;
    slot->stats_seq = 3;  // odd: a write that never finished
    ::munmap(mem, sizeof(memgate_probe_slot));
  };
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(gone, nullptr, 0), gone);  // reaped: the pid is free
  make_slot(gone);
  make_slot(::getpid());

  const auto dead = ProbeSlot::open(session, gone);
  ASSERT_TRUE(dead);
  const auto reading = dead->read();
  ASSERT_TRUE(reading) << "the dead writer's slot must still be read";
  EXPECT_EQ(reading->allocator, "jemalloc");
  EXPECT_EQ(reading->publishes, 7u);
  const auto live = ProbeSlot::open(session, ::getpid());
  ASSERT_TRUE(live);
  EXPECT_FALSE(live->read()) << "a live writer's half-written slot is not read";
  EXPECT_EQ(unlink_slots(session), 2u);
}

// glibc serves malloc but jemalloc was expected: the sampler must say so, so the
// runner can fail the run.
TEST(AllocProbeMismatch, WrongAllocatorFailsTheCheck) {
  const std::string dir = testing::fresh_dir("alloc-mismatch");
  const std::string helper = testing::helper("alloc/alloc_burst");
  AllocatorRequest request;
  request.target = helper;  // glibc: only the probe is preloaded
  request.probe_interval_ms = 20;
  AllocatorSetup setup = prepare_allocator(request);
  ProbeSampler sampler({setup.probe->session, "jemalloc", "", 0, 5, 0.5, {}, ""});
  sys::Child child = sys::Child::spawn({{helper, dir + "/status"}, setup.env_set, ""});
  RecordingSink sink;
  sampler.start(child.pid(), sink);
  wait_phase(dir + "/status", "baseline");
  std::vector<double> row(sampler.columns().size());
  for (int i = 0; i < 200 && !sampler.mismatch(); ++i) {
    sampler.tick(0.01 * i, row, sink);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(sampler.mismatch());
  EXPECT_NE(sampler.mismatch()->find("is served by glibc"), std::string::npos) << *sampler.mismatch();
  EXPECT_NE(sampler.mismatch()->find("not jemalloc"), std::string::npos) << *sampler.mismatch();
  EXPECT_EQ(sink.count("allocator_mismatch"), 1u);
  EXPECT_EQ(sampler.allocator_check().outcome, Outcome::fail);
  child.signal_group(SIGKILL);
  child.wait();
  EXPECT_EQ(sampler.stop(1.0, sink).figures["verified"], false);
  std::filesystem::remove_all(dir);
}

// A shell that runs the helper: both processes inherit LD_PRELOAD, both get a slot,
// both are verified, and the figures sum over the tree.
TEST(AllocProbeTree, EveryProcessOfTheTreeIsProbed) {
  const AllocatorInfo* je = find_allocator("jemalloc");
  if (je->version == 0) GTEST_SKIP() << "jemalloc not installed";
  const std::string dir = testing::fresh_dir("alloc-tree");
  const std::string helper = testing::helper("alloc/alloc_burst");
  AllocatorRequest request;
  request.allocator = "jemalloc";
  request.target = "/bin/sh";
  request.probe_interval_ms = 20;
  AllocatorSetup setup = prepare_allocator(request);
  ASSERT_TRUE(setup.probe);
  ProbeSampler sampler(*setup.probe);
  sys::Child child = sys::Child::spawn({{"/bin/sh", "-c", helper + " " + dir + "/status; true"}, setup.env_set, ""});
  RecordingSink sink;
  sampler.start(child.pid(), sink);
  wait_phase(dir + "/status", "baseline");
  pid_t helper_pid = 0;
  for (int i = 0; i < 200 && !helper_pid; ++i) {
    for (const auto& r : sampler.refresh())
      if (r.pid != child.pid() && r.publishes > 0) helper_pid = r.pid;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(helper_pid, 0) << "the helper started by the shell has no slot";
  std::vector<double> row(sampler.columns().size());
  sampler.tick(0.5, row, sink);
  EXPECT_EQ(row[column_of(sampler, "alloc_processes")], 2.0);
  for (int i = 0; i < 3; ++i) {
    ::kill(helper_pid, SIGUSR1);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(child.wait().code, 0);
  const nlohmann::json report = sampler.stop(1.0, sink).figures;
  EXPECT_EQ(report["processes_seen"], 2);
  EXPECT_EQ(report["allocators_seen"]["jemalloc"], 2);
  EXPECT_EQ(report["verified"], true);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Allocators, AllocProbeTest, ::testing::Values("glibc", "jemalloc", "mimalloc", "tcmalloc"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace memgate::alloc
