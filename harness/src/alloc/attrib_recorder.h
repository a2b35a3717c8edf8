// `--attribute`, memgate's side: reads the heap samples libmemgate_attrib.so keeps in
// shared memory (allocators/memgate_attrib.h) for every process of the target, and writes
// heap snapshots into the run directory (attribution/snapshot-NNNN.txt: live sampled
// bytes per call stack, with each process's executable mappings) on a cadence, at phase
// changes and at the end; at the end it symbolizes every frame seen
// (attribution/symbols.tsv). Format: docs/attribution.md. Under jemalloc the stacks come
// from jemalloc's own profiler instead: each snapshot asks every process's probe for a
// `prof.dump` and converts the heap profile (attrib_jemalloc.cc).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc/probe_slots.h"
#include "analyze/heap_snapshot.h"

struct memgate_attrib_table;

namespace memgate::alloc {

inline constexpr const char* kAttributionDir = "attribution";
inline constexpr double kAttribMeanBytes = 524288;

struct AttribOptions {
  std::string session;  // MEMGATE_PROBE_SESSION
  std::string dir;      // where the snapshots go (RUN/attribution)
  double min_period_s = 1;
  // Snapshots are taken every max(min_period_s, t / periods_per_run): their number grows
  // with the logarithm of the run's length.
  double periods_per_run = 40;
  // --allocator jemalloc: the stacks come from jemalloc's profiler (prof:true) through
  // the probe's dumps into jeprof_dir, not from libmemgate_attrib's tables; under
  // --allocator tcmalloc (profiler "tcmalloc") from gperftools' heap profiler, the same way.
  bool jemalloc_profile = false;
  std::string profiler = "jemalloc";
  std::string jeprof_dir;
  double dump_timeout_s = 5;
};

// The directory of the raw jemalloc dumps inside the attribution directory (each is
// removed once converted into a snapshot).
inline constexpr const char* kJeprofDir = "jeprof";

class AttribRecorder {
 public:
  explicit AttribRecorder(AttribOptions options);
  ~AttribRecorder();  // unmaps and unlinks the session's tables
  AttribRecorder(const AttribRecorder&) = delete;
  AttribRecorder& operator=(const AttribRecorder&) = delete;

  void tick(double t_s);  // a periodic snapshot when one is due
  void snapshot(double t_s, const std::string& label);
  void finish(double t_s);  // the "end" snapshot and symbols.tsv
  nlohmann::json figures() const;

 private:
  struct Table {
    memgate_attrib_table* table = nullptr;
    std::vector<analyze::HeapMapping> maps;  // the latest read while the process lived
  };
  void discover();
  void forget(pid_t pid);
  // Return addresses of one process as snapshot frames (module index and file offset).
  std::vector<analyze::HeapFrame> frames_of(const std::vector<std::uint64_t>& addresses,
                                            const std::vector<analyze::HeapMapping>& maps, analyze::HeapSnapshot& snap,
                                            std::map<std::string, int>& module_index);
  void add_jemalloc_profiles(analyze::HeapSnapshot& snap, std::map<std::string, int>& module_index);
  void remove_jemalloc_dumps();

  AttribOptions options_;
  std::map<pid_t, Table> tables_;
  std::set<std::pair<std::string, std::uint64_t>> frames_;  // (module, offset) to symbolize: bounded by code size
  std::size_t snapshots_ = 0;
  double last_snapshot_s_ = -1e300;
  std::uint64_t sampled_ = 0, dropped_ = 0;  // of processes already gone
  std::size_t processes_ = 0;
  double mean_bytes_ = kAttribMeanBytes;
  // jemalloc_profile: the probes' slots, and how the dumps went.
  std::map<pid_t, std::unique_ptr<ProbeSlot>> slots_;
  std::uint64_t dumps_ = 0, dump_failures_ = 0;
  std::string dump_problem_;  // the last failure, for report.json
};

}  // namespace memgate::alloc
