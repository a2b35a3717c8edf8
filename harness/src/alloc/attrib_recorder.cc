#include "alloc/attrib_recorder.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "alloc/probe_slots.h"
#include "memgate_attrib.h"
#include "sys/fs.h"
#include "sys/pid.h"
#include "sys/read_file.h"
#include "sys/shared_memory.h"
#include "sys/symbolizer.h"

namespace memgate::alloc {

namespace {

std::string table_prefix(const std::string& session) { return MEMGATE_ATTRIB_SHM_PREFIX + session + "."; }

std::string table_name(const std::string& session, pid_t pid) {
  return "/" + table_prefix(session) + std::to_string(pid);
}

struct Sample {
  std::uint64_t weight = 0;
  std::vector<std::uint64_t> frames;
};

// A consistent copy of each live entry (the entry's seq is even and unchanged around the
// copy, its key a pointer before and after); entries being written are skipped.
std::vector<Sample> read_samples(const memgate_attrib_table* t) {
  std::vector<Sample> out;
  for (std::uint32_t i = 0; i < MEMGATE_ATTRIB_CAPACITY; ++i) {
    const std::uint64_t key = __atomic_load_n(&t->keys[i], __ATOMIC_ACQUIRE);
    if (key <= MEMGATE_ATTRIB_KEY_BUSY) continue;
    const memgate_attrib_entry& e = t->entries[i];
    const std::uint32_t seq = __atomic_load_n(&e.seq, __ATOMIC_ACQUIRE);
    if (seq & 1u) continue;
    Sample s;
    s.weight = __atomic_load_n(&e.weight, __ATOMIC_RELAXED);
    const std::uint32_t depth = std::min(__atomic_load_n(&e.depth, __ATOMIC_RELAXED), MEMGATE_ATTRIB_FRAMES);
    s.frames.resize(depth);
    for (std::uint32_t f = 0; f < depth; ++f) s.frames[f] = __atomic_load_n(&e.frames[f], __ATOMIC_RELAXED);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (__atomic_load_n(&e.seq, __ATOMIC_RELAXED) != seq || __atomic_load_n(&t->keys[i], __ATOMIC_RELAXED) != key)
      continue;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

AttribRecorder::AttribRecorder(AttribOptions options) : options_(std::move(options)) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (options_.jemalloc_profile) std::filesystem::create_directories(options_.jeprof_dir, ec);
}

AttribRecorder::~AttribRecorder() {
  for (auto& [pid, table] : tables_) sys::unmap_shared_memory(table.table, sizeof(memgate_attrib_table));
  for (const pid_t pid : list_shm_pids(table_prefix(options_.session)))
    sys::unlink_shared_memory(table_name(options_.session, pid));
}

void AttribRecorder::discover() {
  for (const pid_t pid : list_shm_pids(table_prefix(options_.session))) {
    if (tables_.count(pid)) continue;
    void* mem = sys::map_shared_memory(table_name(options_.session, pid), sizeof(memgate_attrib_table));
    if (!mem) continue;
    auto* t = static_cast<memgate_attrib_table*>(mem);
    if (__atomic_load_n(&t->magic, __ATOMIC_ACQUIRE) != MEMGATE_ATTRIB_MAGIC || t->version != MEMGATE_ATTRIB_VERSION) {
      sys::unmap_shared_memory(mem, sizeof(memgate_attrib_table));
      continue;  // not initialised yet: the next snapshot finds it
    }
    mean_bytes_ = static_cast<double>(t->mean_bytes);
    tables_[pid].table = t;
    ++processes_;
  }
}

// A process that is gone: its counters join the totals, its table is unlinked, so a
// target that forks all day keeps memgate's memory flat.
void AttribRecorder::forget(pid_t pid) {
  auto it = tables_.find(pid);
  if (it == tables_.end()) return;
  sampled_ += it->second.table->sampled;
  dropped_ += it->second.table->dropped;
  sys::unmap_shared_memory(it->second.table, sizeof(memgate_attrib_table));
  sys::unlink_shared_memory(table_name(options_.session, pid));
  tables_.erase(it);
}

void AttribRecorder::tick(double t_s) {
  if (t_s - last_snapshot_s_ >= std::max(options_.min_period_s, t_s / options_.periods_per_run))
    snapshot(t_s, "periodic");
}

std::vector<analyze::HeapFrame> AttribRecorder::frames_of(const std::vector<std::uint64_t>& addresses,
                                                          const std::vector<analyze::HeapMapping>& maps,
                                                          analyze::HeapSnapshot& snap,
                                                          std::map<std::string, int>& module_index) {
  std::vector<analyze::HeapFrame> frames;
  for (const std::uint64_t address : addresses) {
    const auto m = std::find_if(maps.begin(), maps.end(), [&](const analyze::HeapMapping& map) {
      return address >= map.start && address < map.end;
    });
    if (m == maps.end()) {
      frames.push_back({-1, address});
      continue;
    }
    const auto [it, added] = module_index.try_emplace(m->path, static_cast<int>(snap.modules.size()));
    if (added) snap.modules.push_back(m->path);
    const std::uint64_t offset = address - m->start + m->offset;
    frames.push_back({it->second, offset});
    frames_.emplace(m->path, offset);
  }
  return frames;
}

void AttribRecorder::snapshot(double t_s, const std::string& label) {
  if (options_.jemalloc_profile) {
    // The processes are asked for their profiles now; the end has no process left to ask.
    if (label == "end") return;
    last_snapshot_s_ = t_s;
    analyze::HeapSnapshot snap;
    snap.t_s = t_s;
    snap.label = label;
    std::map<std::string, int> module_index;
    add_jemalloc_profiles(snap, module_index);
    snap.mean_bytes = mean_bytes_;
    char name[64];
    std::snprintf(name, sizeof name, "/snapshot-%04zu.txt", ++snapshots_);
    sys::write_text_file(options_.dir + name, analyze::to_text(snap));
    return;
  }
  discover();
  last_snapshot_s_ = t_s;
  const bool final = label == "end";
  analyze::HeapSnapshot snap;
  snap.t_s = t_s;
  snap.label = label;
  snap.mean_bytes = mean_bytes_;
  std::map<std::string, int> module_index;
  std::vector<pid_t> gone;
  for (auto& [pid, table] : tables_) {
    const bool alive = sys::process_exists(pid);
    if (!alive && !final) {
      gone.push_back(pid);
      continue;
    }
    if (alive)
      if (auto maps = sys::try_read_text_file("/proc/" + std::to_string(pid) + "/maps"))
        table.maps = analyze::parse_exec_mappings(*maps, pid);
    const memgate_attrib_table* t = table.table;
    snap.processes.push_back(
        {pid, __atomic_load_n(&t->live, __ATOMIC_RELAXED), __atomic_load_n(&t->sampled, __ATOMIC_RELAXED),
         __atomic_load_n(&t->freed, __ATOMIC_RELAXED), __atomic_load_n(&t->dropped, __ATOMIC_RELAXED)});
    snap.maps.insert(snap.maps.end(), table.maps.begin(), table.maps.end());
    std::map<std::vector<analyze::HeapFrame>, std::pair<std::uint64_t, double>> stacks;
    for (const Sample& s : read_samples(t)) {
      auto& [count, bytes] = stacks[frames_of(s.frames, table.maps, snap, module_index)];
      ++count;
      bytes += static_cast<double>(s.weight);
    }
    for (auto& [frames, totals] : stacks) snap.stacks.push_back({pid, totals.first, totals.second, frames});
  }
  for (const pid_t pid : gone) forget(pid);
  char name[64];
  std::snprintf(name, sizeof name, "/snapshot-%04zu.txt", ++snapshots_);
  sys::write_text_file(options_.dir + name, analyze::to_text(snap));
}

void AttribRecorder::finish(double t_s) {
  snapshot(t_s, "end");
  if (options_.jemalloc_profile) remove_jemalloc_dumps();
  // Frames are return addresses: the call is the instruction before.
  sys::Symbolizer symbolizer;
  std::vector<analyze::SymbolRow> rows;
  for (const auto& [module, offset] : frames_) {
    // One row per inline level, innermost first (docs/attribution.md).
    for (const auto& where : symbolizer.lookup_inlined(module, offset > 0 ? offset - 1 : 0))
      rows.push_back({module, offset, where.function, where.file, where.line});
  }
  sys::write_text_file(options_.dir + "/symbols.tsv", analyze::to_text(rows));
}

nlohmann::json AttribRecorder::figures() const {
  std::uint64_t sampled = sampled_, dropped = dropped_;
  for (const auto& [pid, table] : tables_) {
    sampled += table.table->sampled;
    dropped += table.table->dropped;
  }
  nlohmann::json out = {{"snapshots", snapshots_},
                        {"processes", processes_},
                        {"mean_bytes", mean_bytes_},
                        {"samples", sampled},
                        {"dropped_samples", dropped},
                        {"frames", frames_.size()},
                        {"source", !options_.jemalloc_profile        ? "sampler"
                                   : options_.profiler == "tcmalloc" ? "gperftools-heap-profiler"
                                                                     : "jemalloc-prof"}};
  if (options_.jemalloc_profile)
    out["jemalloc_dumps"] = {
        {"written", dumps_},
        {"failed", dump_failures_},
        {"problem", dump_problem_.empty() ? nlohmann::json(nullptr) : nlohmann::json(dump_problem_)}};
  return out;
}

}  // namespace memgate::alloc
