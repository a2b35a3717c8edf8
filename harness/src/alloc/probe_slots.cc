#include "alloc/probe_slots.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <random>

#include "memgate_probe.h"
#include "sys/clock.h"
#include "sys/host.h"
#include "sys/pid.h"
#include "sys/proc_files.h"
#include "sys/shared_memory.h"

namespace memgate::alloc {
namespace {

std::string slot_prefix(const std::string& session) { return std::string(MEMGATE_PROBE_SHM_PREFIX) + session + "."; }

std::optional<std::uint64_t> figure(std::uint64_t v) {
  return v == MEMGATE_PROBE_NONE ? std::nullopt : std::optional<std::uint64_t>(v);
}

HeapFigures to_figures(const memgate_probe_heap& h) {
  return {figure(h.allocated), figure(h.active),   figure(h.resident),
          figure(h.mapped),    figure(h.retained), figure(h.free_held)};
}

std::string bounded(const char* text, std::size_t size) { return std::string(text, ::strnlen(text, size)); }

}  // namespace

std::string new_probe_session() {
  std::random_device random;
  const std::uint64_t token = (std::uint64_t{random()} << 32) | random();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(token));
  return std::to_string(sys::self_pid()) + "-" + hex;
}

std::vector<pid_t> list_slot_pids(const std::string& session) { return list_shm_pids(slot_prefix(session)); }

std::vector<pid_t> list_shm_pids(const std::string& prefix) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    int pid = 0;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    const auto [end, err] = std::from_chars(first, last, pid);
    if (err == std::errc{} && end == last && pid > 0) pids.push_back(pid);
  }
  return pids;
}

void unlink_slot(const std::string& session, pid_t pid) {
  sys::unlink_shared_memory("/" + slot_prefix(session) + std::to_string(pid));
}

std::size_t unlink_slots(const std::string& session) {
  std::size_t removed = 0;
  for (const pid_t pid : list_slot_pids(session)) {
    const std::string name = "/" + slot_prefix(session) + std::to_string(pid);
    if (sys::unlink_shared_memory(name)) ++removed;
  }
  return removed;
}

std::unique_ptr<ProbeSlot> ProbeSlot::open(const std::string& session, pid_t pid) {
  const std::string name = "/" + slot_prefix(session) + std::to_string(pid);
  // The probe sizes the object right after creating it: a short one is not ready yet.
  void* mem = sys::map_shared_memory(name, sizeof(memgate_probe_slot));
  if (!mem) return nullptr;
  return std::unique_ptr<ProbeSlot>(new ProbeSlot(pid, static_cast<memgate_probe_slot*>(mem)));
}

ProbeSlot::~ProbeSlot() { sys::unmap_shared_memory(slot_, sizeof(memgate_probe_slot)); }

SlotReading ProbeSlot::fields() const {
  SlotReading r;
  r.pid = slot_->pid;
  r.state = __atomic_load_n(&slot_->state, __ATOMIC_ACQUIRE);
  r.allocator = bounded(slot_->allocator, sizeof slot_->allocator);
  r.malloc_from = bounded(slot_->malloc_from, sizeof slot_->malloc_from);
  r.interval_ms = slot_->interval_ms;
  r.publishes = slot_->publishes;
  r.published_ns = slot_->published_ns;
  r.heap = to_figures(slot_->heap);
  r.stats_cost_ns = slot_->stats_cost_ns;
  r.thread_cpu_ns = slot_->thread_cpu_ns;
  return r;
}

std::optional<SlotReading> ProbeSlot::read() const {
  // The probe's write takes a few microseconds (it reads its thread clock inside), and
  // it publishes again right after a purge: retry for up to ~2 ms, sleeping between
  // attempts, rather than spinning through every attempt while it writes.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (attempt > 0) sys::sleep_for_seconds(20e-6);
    if (__atomic_load_n(&slot_->magic, __ATOMIC_ACQUIRE) != MEMGATE_PROBE_MAGIC ||
        slot_->version != MEMGATE_PROBE_VERSION)
      return std::nullopt;
    const std::uint32_t before = __atomic_load_n(&slot_->stats_seq, __ATOMIC_ACQUIRE);
    if (before & 1u) continue;  // the probe is writing: retry
    SlotReading r = fields();
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&slot_->stats_seq, __ATOMIC_ACQUIRE) == before) return r;
  }
  // A process that exited while its probe thread was publishing leaves the sequence odd
  // for good. Nobody writes any more, so its fields are as settled as they will get (the
  // identity never changes; at worst the last heap snapshot is half old): read them so
  // the process is still counted and verified.
  if (!sys::process_exists(pid_)) return fields();
  return std::nullopt;
}

std::uint32_t ProbeSlot::request_purge() {
  const std::uint32_t request = __atomic_add_fetch(&slot_->purge_request, 1, __ATOMIC_ACQ_REL);
  sys::futex_wake_one(&slot_->purge_request);
  return request;
}

bool ProbeSlot::wait_purge(std::uint32_t request, double timeout_s) const {
  const double deadline = sys::monotonic_seconds() + timeout_s;
  for (;;) {
    const std::uint32_t done = __atomic_load_n(&slot_->purge_done, __ATOMIC_ACQUIRE);
    if (done == request) return true;
    if (__atomic_load_n(&slot_->state, __ATOMIC_ACQUIRE) != MEMGATE_PROBE_RUNNING) return false;
    const double left = deadline - sys::monotonic_seconds();
    if (left <= 0) return false;
    // Wake-ups come from the probe; the 50 ms cap also notices a probe that died.
    sys::futex_wait(&slot_->purge_done, done, std::min(left, 0.05));
  }
}

std::uint32_t ProbeSlot::request_dump() {
  const std::uint32_t request = __atomic_add_fetch(&slot_->dump_request, 1, __ATOMIC_ACQ_REL);
  sys::futex_wake_one(&slot_->purge_request);  // the probe thread sleeps on this word
  return request;
}

std::optional<int> ProbeSlot::wait_dump(std::uint32_t request, double timeout_s) const {
  const double deadline = sys::monotonic_seconds() + timeout_s;
  for (;;) {
    const std::uint32_t done = __atomic_load_n(&slot_->dump_done, __ATOMIC_ACQUIRE);
    if (done == request) return __atomic_load_n(&slot_->dump_status, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&slot_->state, __ATOMIC_ACQUIRE) != MEMGATE_PROBE_RUNNING) return std::nullopt;
    const double left = deadline - sys::monotonic_seconds();
    if (left <= 0) return std::nullopt;
    // A wake-up that raced the probe's sleep is served within one probe period; the
    // 50 ms cap also notices a probe that died.
    sys::futex_wait(&slot_->dump_done, done, std::min(left, 0.05));
  }
}

HeapFigures ProbeSlot::heap_before_purge() const { return to_figures(slot_->heap_before_purge); }
std::uint64_t ProbeSlot::purge_cost_ns() const { return slot_->purge_cost_ns; }

std::optional<std::uint64_t> process_rss_bytes(pid_t pid) {
  thread_local std::string buf;
  const std::string path = "/proc/" + std::to_string(pid) + "/statm";
  if (!sys::read_file_into(path.c_str(), buf)) return std::nullopt;
  // statm: size resident shared text lib data dt (pages)
  const std::size_t space = buf.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::uint64_t pages = 0;
  const auto [end, err] = std::from_chars(buf.data() + space + 1, buf.data() + buf.size(), pages);
  if (err != std::errc{}) return std::nullopt;
  static const std::uint64_t page_size = sys::page_size();
  return pages * page_size;
}

}  // namespace memgate::alloc
