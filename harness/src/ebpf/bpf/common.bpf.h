/* Maps, read-only knobs and small helpers shared by every memgate BPF program.
 * memory.bpf.c defines the maps (MEMGATE_DEFINE_MAPS); the other probe families see
 * them as `extern` and `bpftool gen object` links them into one object. */
#ifndef MEMGATE_COMMON_BPF_H
#define MEMGATE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "memgate_ebpf.h"

#ifdef MEMGATE_DEFINE_MAPS
#define MEMGATE_MAP
#else
#define MEMGATE_MAP extern
#endif

/* tgid -> aggregated state; an entry exists only for processes of the target tree. */
MEMGATE_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MEMGATE_MAX_PROCS);
  __type(key, __u32);
  __type(value, struct memgate_proc);
} procs SEC(".maps");

/* Drained by user space on its sampling timer; records are written without wake-ups. */
MEMGATE_MAP struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} records SEC(".maps");

/* Read-only knobs, set by user space between open and load. */
#ifdef MEMGATE_DEFINE_MAPS
const volatile __u64 rss_step_bytes = 1 << 20; /* record only moves of at least this much */
const volatile __u64 page_size = 4096;         /* from sysconf(_SC_PAGESIZE) */
/* Tree-wide totals in .bss: user space reads them through the skeleton's mmap and
 * resets interval_peak_bytes with an atomic exchange, without a syscall. */
struct memgate_tree totals;
/* See struct memgate_slot. `tracked` is raised before a process enters `procs` and
 * lowered after it leaves (user space for the processes it seeds and forgets,
 * tree.bpf.c at fork). */
struct memgate_slot slots[MEMGATE_FILTER_SLOTS] __attribute__((aligned(64)));
#else
extern const volatile __u64 rss_step_bytes;
extern const volatile __u64 page_size;
extern struct memgate_tree totals;
extern struct memgate_slot slots[MEMGATE_FILTER_SLOTS];
#endif

static __always_inline struct memgate_slot *slot_of(__u32 tgid) { return &slots[tgid & (MEMGATE_FILTER_SLOTS - 1)]; }

/* One load instead of a hash lookup for the processes memgate does not watch (all but
 * a few on the machine). */
static __always_inline int maybe_tracked(__u32 tgid) { return slot_of(tgid)->tracked != 0; }

/* A process about to enter `procs`: count it in its slot and claim the slot when it has
 * no owner. Returns 1 when it became the owner. */
static __always_inline int slot_enter(__u32 tgid, __u64 rss_bytes) {
  struct memgate_slot *s = slot_of(tgid);
  __sync_fetch_and_add(&s->tracked, 1);
  if (__sync_val_compare_and_swap(&s->tgid, 0, tgid) != 0) return 0;
  s->rss_bytes = rss_bytes;
  return 1;
}

/* The process left (exit) or never entered: its slot events go to its entry (when it
 * has one) and the slot is free for the next owner. rss_bytes 0 before tgid 0: a
 * live process never has RSS 0, so a new owner's fast path cannot match a stale one. */
static __always_inline void slot_release(__u32 tgid, struct memgate_proc *p) {
  struct memgate_slot *s = slot_of(tgid);
  if (s->tgid != tgid) return;
  __u64 events = __sync_lock_test_and_set(&s->rss_events, 0);
  if (p) __sync_fetch_and_add(&p->rss_events, events);
  s->rss_bytes = 0;
  __sync_lock_test_and_set(&s->tgid, 0);
}

static __always_inline void slot_leave(__u32 tgid) { __sync_fetch_and_sub(&slot_of(tgid)->tracked, 1); }

/* Keeps the owner's fast-path copy in step with memgate_proc.rss_bytes. */
static __always_inline void slot_store_rss(__u32 tgid, __u64 rss_bytes) {
  struct memgate_slot *s = slot_of(tgid);
  if (s->tgid == tgid) s->rss_bytes = rss_bytes;
}

static __always_inline struct memgate_tree *tree_totals(void) { return &totals; }

static __always_inline __u64 positive(__s64 v) { return v > 0 ? (__u64)v : 0; }

/* RSS as the kernel computes it (get_mm_rss: file + anon + shmem, swap entries excluded).
 * Constant indexes only: the verifier rejects a variable index into rss_stat. */
static __always_inline __u64 mm_rss_bytes(struct mm_struct *mm) {
  if (!mm) return 0;
  /* Direct BTF loads (CO-RE relocated), not bpf_probe_read calls: this runs on
   * every page fault of the machine. */
  __u64 pages = positive(mm->rss_stat[0].count) + /* MM_FILEPAGES */
                positive(mm->rss_stat[1].count) + /* MM_ANONPAGES */
                positive(mm->rss_stat[3].count);  /* MM_SHMEMPAGES */
  return pages * page_size;
}

static __always_inline void atomic_max(__u64 *slot, __u64 value) {
  /* Bounded CAS loop: losing 8 races in a row against bigger values is harmless. */
  for (int i = 0; i < 8; i++) {
    __u64 cur = *(volatile __u64 *)slot;
    if (value <= cur) return;
    if (__sync_val_compare_and_swap(slot, cur, value) == cur) return;
  }
}

/* Moves the tree-wide sum by `delta` and raises the tree peak with the sum at that
 * instant (the fetch-add's linearisation point). */
static __always_inline void tree_add_rss(struct memgate_tree *t, __s64 delta) {
  __s64 sum = __sync_fetch_and_add(&t->rss_bytes, delta) + delta;
  if (sum > 0) {
    atomic_max(&t->peak_bytes, (__u64)sum);
    atomic_max(&t->interval_peak_bytes, (__u64)sum);
  }
}

/* What a process adds to the fork-corrected sum at RSS `rss`: all of it, or, between
 * fork and exec, only what it holds beyond its RSS at fork. */
static __always_inline __s64 charge_of(__u64 rss, __u64 fork_base) {
  return rss > fork_base ? (__s64)(rss - fork_base) : 0;
}

/* Moves the fork-corrected sum by `delta` and raises its peak. */
static __always_inline void tree_add_charged(struct memgate_tree *t, __s64 delta) {
  if (!delta) return;
  __s64 sum = __sync_fetch_and_add(&t->charged_bytes, delta) + delta;
  if (sum > 0) atomic_max(&t->charged_peak_bytes, (__u64)sum);
}

/* A process's RSS moved from `old` to `rss`: both tree sums follow. */
static __always_inline void tree_move(struct memgate_tree *t, __u64 old, __u64 rss, __u64 fork_base) {
  if (rss != old) tree_add_rss(t, (__s64)(rss - old));
  tree_add_charged(t, charge_of(rss, fork_base) - charge_of(old, fork_base));
}

static __always_inline struct memgate_record *record_reserve(struct memgate_tree *t, __u32 kind, __u32 tgid) {
  struct memgate_record *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
  if (!r) {
    __sync_fetch_and_add(&t->dropped, 1);
    return 0;
  }
  __builtin_memset(r, 0, sizeof(*r));
  r->ts_ns = bpf_ktime_get_ns();
  r->kind = kind;
  r->pid = tgid;
  return r;
}

static __always_inline void record_submit(struct memgate_tree *t, struct memgate_record *r) {
  __sync_fetch_and_add(&t->records, 1);
  /* No wake-up: one per event cost 1.2-1.7x slowdown; user space drains on a timer. */
  bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

#endif
