// The allocator probe as a memgate::Sampler: reads the heap figures every process of
// the target publishes through libmemgate_probe.so, checks that the requested
// allocator really serves malloc, purges on a cadence or on demand (phase
// boundaries) and records how much RSS each purge returned.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alloc/attrib_recorder.h"
#include "alloc/heap_split.h"
#include "alloc/phase_purge.h"
#include "alloc/probe_slots.h"
#include "memgate/check.h"
#include "memgate/sampler.h"

namespace memgate::alloc {

struct ProbeSamplerOptions {
  std::string session;             // MEMGATE_PROBE_SESSION given to the target
  std::string expected_allocator;  // "glibc", "jemalloc", "mimalloc", "tcmalloc"; empty for a custom library
  std::string expected_library;    // custom PATH.so (compared by real path); empty for a named allocator
  double purge_every_s = 0;        // 0: purge only through purge_now()
  double purge_timeout_s = 5;      // longest wait for one purge (malloc_trim walks the whole heap)
  double rediscover_s = 0.5;       // how often /dev/shm is listed for new processes
  PhasePurge purge_at_phases;      // purges on_phase() makes
  std::string attribution_dir;     // --attribute: heap snapshots go here; empty: off
  // --attribute under jemalloc, or tcmalloc with gperftools' heap profiler: from the
  // allocator's own profiler's dumps (attrib_jemalloc.cc)
  bool jemalloc_profile = false;
};

// One purge across every live process of the target.
struct PurgeOutcome {
  double t_s = 0;
  std::string trigger;        // "periodic", "phase", ...
  std::size_t processes = 0;  // processes asked
  std::size_t completed = 0;  // processes that answered in time
  std::uint64_t rss_before_bytes = 0;
  std::uint64_t rss_after_bytes = 0;
  double returned_bytes = 0;  // rss_before - rss_after (negative: RSS grew meanwhile)
  HeapFigures heap_before, heap_after;
  double longest_purge_s = 0;  // slowest process's purge call
};

nlohmann::json to_json(const PurgeOutcome& purge);

class ProbeSampler : public Sampler {
 public:
  explicit ProbeSampler(ProbeSamplerOptions options);
  ~ProbeSampler() override;  // unlinks the session's slots

  std::string name() const override { return "alloc"; }
  std::vector<std::string> columns() const override;
  void start(pid_t root_pid, EventSink& events) override;
  void tick(double t_s, std::span<double> out, EventSink& events) override;
  SamplerReport stop(double t_s, EventSink& events) override;
  // Purges (trigger "phase:FROM->TO") when purge_at_phases wants `to`.
  void on_phase(double t_s, std::string_view from, std::string_view to, EventSink& events) override;

  // Purges every live process now and records a "purge" event.
  PurgeOutcome purge_now(double t_s, EventSink& events, const std::string& trigger = "phase");

  // Set as soon as a process reports an allocator other than the one requested
  // (or, after stop, when no process ever reported): the runner fails the run on it.
  const std::optional<std::string>& mismatch() const { return mismatch_; }
  // The same as a check for report.json: PASS verified, FAIL mismatch, INCONCLUSIVE
  // when the probe never reported before stop.
  CheckResult allocator_check() const;

  // Re-reads every slot of the session (also used by the tests).
  std::vector<SlotReading> refresh();
  const std::string& session() const { return options_.session; }

 private:
  void discover();
  void check_identity(double t_s, const SlotReading& reading, EventSink& events);
  bool expected(const SlotReading& reading) const;
  bool alive(pid_t pid) const;

  ProbeSamplerOptions options_;
  std::string expected_real_path_;
  pid_t root_ = 0;
  double last_discovery_s_ = -1e300;
  double last_purge_s_ = 0;
  void retire(pid_t pid, const SlotReading& last);

  // Live processes only: an exited process is folded into the totals below and its
  // slot unlinked, so a target that forks all day keeps memgate's memory flat.
  std::map<pid_t, std::unique_ptr<ProbeSlot>> slots_;
  std::map<pid_t, bool> checked_;  // identity already judged
  std::size_t processes_seen_ = 0;
  std::map<std::string, std::size_t> allocators_seen_;
  double probe_cpu_s_ = 0;
  std::uint64_t publishes_ = 0;
  std::uint32_t interval_ms_ = 0;
  nlohmann::json listed_ = nlohmann::json::array();  // the first processes, for report.json
  std::optional<std::string> mismatch_;
  std::size_t verified_ = 0;
  std::vector<PurgeOutcome> purges_;  // the first 63 and the latest
  std::size_t purge_count_ = 0;
  double returned_total_ = 0, returned_max_ = 0;
  struct TriggerTotals {
    std::size_t count = 0;
    double returned_bytes = 0;
  };
  std::map<std::string, TriggerTotals> by_trigger_;  // "periodic", "phase" (bounded: two kinds)
  // First and latest tick with heap figures, for the RSS growth split.
  struct Point {
    double t_s = 0;
    std::uint64_t rss = 0;
    HeapFigures heap;
  };
  std::optional<Point> first_point_, last_point_;
  std::size_t events_emitted_ = 0;
  std::unique_ptr<AttribRecorder> attrib_;  // --attribute
};

}  // namespace memgate::alloc
