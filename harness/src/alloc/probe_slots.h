// memgate's side of the probe's shared-memory slots (allocators/memgate_probe.h):
// finding a session's slots, reading them consistently, and the purge handshake.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alloc/heap_split.h"

struct memgate_probe_slot;

namespace memgate::alloc {

struct SlotReading {
  pid_t pid = 0;
  std::uint32_t state = 0;  // enum memgate_probe_state
  std::string allocator;    // what the probe found serving malloc
  std::string malloc_from;  // the file that defines that malloc
  std::uint32_t interval_ms = 0;
  std::uint64_t publishes = 0;
  std::uint64_t published_ns = 0;  // CLOCK_MONOTONIC of the heap figures
  HeapFigures heap;
  std::uint64_t stats_cost_ns = 0;
  std::uint64_t thread_cpu_ns = 0;
};

// A fresh session token: "<memgate pid>-<16 random hex digits>".
std::string new_probe_session();

// Pids that have a slot in this session (listing /dev/shm).
std::vector<pid_t> list_slot_pids(const std::string& session);

// Pids of the /dev/shm objects named PREFIX<pid> (the probe's slots, the attribution tables).
std::vector<pid_t> list_shm_pids(const std::string& prefix);

// Removes one process's slot (after memgate read its last figures).
void unlink_slot(const std::string& session, pid_t pid);

// Removes every slot of the session; returns how many.
std::size_t unlink_slots(const std::string& session);

// One mapped slot (read-write: the sampler writes purge requests).
class ProbeSlot {
 public:
  // Nothing when the slot does not exist (yet) or has the wrong size.
  static std::unique_ptr<ProbeSlot> open(const std::string& session, pid_t pid);
  ~ProbeSlot();
  ProbeSlot(const ProbeSlot&) = delete;
  ProbeSlot& operator=(const ProbeSlot&) = delete;

  pid_t pid() const { return pid_; }
  // A consistent snapshot (seqlock), or nothing while the probe (re)initialises it; once
  // the process is gone, its last fields even if its probe died mid-write.
  std::optional<SlotReading> read() const;

  // Asks the probe thread for a purge and wakes it; returns the request number.
  std::uint32_t request_purge();
  // Waits until the probe has served `request`; false on timeout.
  bool wait_purge(std::uint32_t request, double timeout_s) const;
  HeapFigures heap_before_purge() const;

  // Asks the probe for a jemalloc heap profile dump (MEMGATE_PROBE_JEPROF_DIR/
  // jeprof.<pid>.<request>.heap) and wakes it; returns the request number.
  std::uint32_t request_dump();
  // The dump's status once the probe served `request` (0: written, else mallctl's error);
  // nothing on timeout or when the probe stopped.
  std::optional<int> wait_dump(std::uint32_t request, double timeout_s) const;
  std::uint64_t purge_cost_ns() const;

 private:
  ProbeSlot(pid_t pid, memgate_probe_slot* slot) : pid_(pid), slot_(slot) {}
  SlotReading fields() const;  // every field as it is now, without the seqlock
  pid_t pid_;
  memgate_probe_slot* slot_;
};

// Resident bytes of one process from /proc/PID/statm; nothing when it is gone.
std::optional<std::uint64_t> process_rss_bytes(pid_t pid);

}  // namespace memgate::alloc
