#include "ebpf/bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ebpf/libbpf_log.h"
#include "memgate/error.h"
#include "memgate_bpf.skel.h"
#include "sys/host.h"

namespace memgate::ebpf {
namespace {

[[noreturn]] void fail(const std::string& step, int err) {
  std::string message = "eBPF sampler: " + step + " failed: " + std::strerror(err < 0 ? -err : err);
  if (std::string libbpf = take_last_libbpf_warning(); !libbpf.empty()) message += " (libbpf: " + libbpf + ")";
  if (err == -EPERM || err == EPERM) message += "; run as root or grant CAP_BPF+CAP_PERFMON";
  throw Error(ExitCode::usage, message);
}

template <typename T>
T load_relaxed(const T& field) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_relaxed);
}

}  // namespace

BpfSession::BpfSession(const SessionConfig& config) {
  install_libbpf_logging();
  skel_ = memgate_bpf__open();
  if (!skel_) fail("opening the BPF object", errno);
  skel_->rodata->rss_step_bytes = config.step_bytes;
  skel_->rodata->page_size = sys::page_size();
  // Syscall tracing slows every process on the machine: not even loaded unless asked.
  bpf_program__set_autoload(skel_->progs.memgate_sys_enter, config.syscalls);
  bpf_program__set_autoload(skel_->progs.memgate_sys_exit, config.syscalls);
  // So does a hook on every page fault: fault counts come from the kernel's per-task
  // counters unless the hook is asked for.
  bpf_program__set_autoload(skel_->progs.memgate_page_fault_user, config.fault_hook);
  if (int err = memgate_bpf__load(skel_); err != 0) {
    memgate_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the BPF programs", err);
  }
  // Attach one by one so the error names the probe that failed.
  struct Probe {
    bpf_program* program;
    bpf_link** link;
  };
  const Probe probes[] = {
      {skel_->progs.memgate_fork, &skel_->links.memgate_fork},
      {skel_->progs.memgate_exec, &skel_->links.memgate_exec},
      {skel_->progs.memgate_exit, &skel_->links.memgate_exit},
      {skel_->progs.memgate_rss_stat, &skel_->links.memgate_rss_stat},
      {skel_->progs.memgate_page_fault_user, &skel_->links.memgate_page_fault_user},
      {skel_->progs.memgate_mark_victim, &skel_->links.memgate_mark_victim},
      {skel_->progs.memgate_sys_enter, &skel_->links.memgate_sys_enter},
      {skel_->progs.memgate_sys_exit, &skel_->links.memgate_sys_exit},
  };
  for (const Probe& probe : probes) {
    if (!bpf_program__autoload(probe.program)) continue;
    *probe.link = bpf_program__attach(probe.program);
    if (!*probe.link) {
      const int err = errno;
      const std::string name = bpf_program__name(probe.program);
      memgate_bpf__destroy(skel_);
      skel_ = nullptr;
      fail("attaching " + name, err);
    }
  }
  ring_ = ring_buffer__new(
      bpf_map__fd(skel_->maps.records),
      [](void* ctx, void* data, size_t size) -> int {
        auto* self = static_cast<BpfSession*>(ctx);
        if (size >= sizeof(memgate_record) && self->on_record_)
          self->on_record_(*static_cast<const memgate_record*>(data));
        return 0;
      },
      this, nullptr);
  if (!ring_) {
    const int err = errno;
    memgate_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("creating the ring buffer reader", err);
  }
}

BpfSession::~BpfSession() {
  if (ring_) ring_buffer__free(ring_);
  if (skel_) memgate_bpf__destroy(skel_);
}

bool BpfSession::track(pid_t pid, const memgate_proc& seed) {
  const __u32 key = static_cast<__u32>(pid);
  // Tree first: once the entry exists the kernel moves the sum by deltas from seed.rss_bytes.
  auto& totals = skel_->bss->totals;
  // A seeded process is charged in full in the fork-corrected sum too (fork_base_bytes 0).
  for (auto [sum, peaks] :
       {std::pair{&totals.rss_bytes, std::vector<__u64*>{&totals.peak_bytes, &totals.interval_peak_bytes}},
        std::pair{&totals.charged_bytes, std::vector<__u64*>{&totals.charged_peak_bytes}}}) {
    std::atomic_ref<__s64>(*sum).fetch_add(static_cast<__s64>(seed.rss_bytes));
    const std::uint64_t instant = static_cast<std::uint64_t>(load_relaxed(*sum));
    for (__u64* peak : peaks) {
      std::atomic_ref<__u64> ref(*peak);
      __u64 cur = ref.load();
      const __u64 want = std::max<__u64>(instant, seed.peak_bytes);
      while (cur < want && !ref.compare_exchange_weak(cur, want)) {
      }
    }
  }
  // The slot before the entry, so the kernel never skips an event of a tracked pid
  // (the same steps as slot_enter in common.bpf.h).
  memgate_slot& slot = slot_of(key);
  std::atomic_ref<__u32>(slot.tracked).fetch_add(1);
  __u32 no_owner = 0;
  if (std::atomic_ref<__u32>(slot.tgid).compare_exchange_strong(no_owner, key))
    std::atomic_ref<__u64>(slot.rss_bytes).store(seed.rss_bytes);
  if (bpf_map__update_elem(skel_->maps.procs, &key, sizeof key, &seed, sizeof seed, BPF_NOEXIST) != 0) {
    leave_slot(key);
    std::atomic_ref<__s64>(totals.rss_bytes).fetch_sub(static_cast<__s64>(seed.rss_bytes));
    std::atomic_ref<__s64>(totals.charged_bytes).fetch_sub(static_cast<__s64>(seed.rss_bytes));
    return false;
  }
  return true;
}

memgate_slot& BpfSession::slot_of(std::uint32_t tgid) const {
  return skel_->bss->slots[tgid & (MEMGATE_FILTER_SLOTS - 1)];
}

void BpfSession::leave_slot(std::uint32_t tgid) {
  memgate_slot& slot = slot_of(tgid);
  // Normally released by the exit hook already (slot_release in common.bpf.h).
  if (std::atomic_ref<__u32>(slot.tgid).load() == tgid) {
    std::atomic_ref<__u64>(slot.rss_events).store(0);
    std::atomic_ref<__u64>(slot.rss_bytes).store(0);
    std::atomic_ref<__u32>(slot.tgid).store(0);
  }
  std::atomic_ref<__u32>(slot.tracked).fetch_sub(1);
}

memgate_tree BpfSession::totals() const {
  const memgate_tree& t = skel_->bss->totals;
  memgate_tree out{};
  out.rss_bytes = load_relaxed(t.rss_bytes);
  out.peak_bytes = load_relaxed(t.peak_bytes);
  out.interval_peak_bytes = load_relaxed(t.interval_peak_bytes);
  out.charged_bytes = load_relaxed(t.charged_bytes);
  out.charged_peak_bytes = load_relaxed(t.charged_peak_bytes);
  out.records = load_relaxed(t.records);
  out.dropped = load_relaxed(t.dropped);
  out.oom_kills = load_relaxed(t.oom_kills);
  out.forks = load_relaxed(t.forks);
  out.execs = load_relaxed(t.execs);
  out.exits = load_relaxed(t.exits);
  out.untracked_full = load_relaxed(t.untracked_full);
  return out;
}

std::uint64_t BpfSession::take_interval_peak() {
  auto& t = skel_->bss->totals;
  const __s64 now = load_relaxed(t.rss_bytes);
  return std::atomic_ref<__u64>(t.interval_peak_bytes).exchange(now > 0 ? static_cast<__u64>(now) : 0);
}

void BpfSession::for_each_process(const std::function<void(pid_t, const memgate_proc&)>& fn) const {
  __u32 key = 0, next = 0;
  const void* prev = nullptr;
  memgate_proc value{};
  while (bpf_map__get_next_key(skel_->maps.procs, prev, &next, sizeof next) == 0) {
    if (bpf_map__lookup_elem(skel_->maps.procs, &next, sizeof next, &value, sizeof value, 0) == 0) {
      // The slot owner's events are counted in its slot until it exits.
      const memgate_slot& slot = slot_of(next);
      if (load_relaxed(slot.tgid) == next) value.rss_events += load_relaxed(slot.rss_events);
      fn(static_cast<pid_t>(next), value);
    }
    key = next;
    prev = &key;
  }
}

void BpfSession::forget(pid_t pid) {
  const __u32 key = static_cast<__u32>(pid);
  if (bpf_map__delete_elem(skel_->maps.procs, &key, sizeof key, 0) == 0) leave_slot(key);
}

std::size_t BpfSession::drain(const std::function<void(const memgate_record&)>& on_record) {
  on_record_ = on_record;
  const int n = ring_buffer__consume(ring_);
  on_record_ = nullptr;
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace memgate::ebpf
