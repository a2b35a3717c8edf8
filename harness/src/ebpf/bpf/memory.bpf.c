/* Memory family: exact RSS (tp_btf/rss_stat), aggregated per process in the kernel,
 * and the opt-in user page-fault hook. Also defines the maps every other family uses.
 *
 * rss_stat runs for every process on the machine, once per page faulted in (~100k
 * times per second per busy core), so the work is ordered by cost: a one-word filter
 * on the tgid's slot first (all other processes stop there); for the slot's owner, a
 * count and "did the kernel's summed counter move?" against the slot's copy (no helper
 * call, no hash lookup); only when it moved (about 1 event in 32) the hash lookup and
 * the read-modify-writes. */
#define MEMGATE_DEFINE_MAPS
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/rss_stat")
int BPF_PROG(memgate_rss_stat, struct mm_struct *mm, int member) {
  /* rss_stat can fire for an mm other than current's (reclaim, /proc/PID/mem writes):
   * attribute to the mm's owner, not to current. */
  struct task_struct *owner = mm->owner;
  if (!owner) return 0;
  __u32 tgid = owner->tgid;
  struct memgate_slot *s = slot_of(tgid);
  if (!s->tracked) return 0;
  /* The old mm torn down at exec/exit, or a new mm being built before exec_mmap, is
   * not the process's memory: only count the mm the owner runs on. */
  if (owner->mm != mm) return 0;
  /* The counters are per-CPU batched: rss_stat fires on every page, but the summed
   * count (what RSS, VmHWM and ru_maxrss are made of) moves once per batch. Most
   * events change nothing: leave before any lookup. */
  __u64 rss = mm_rss_bytes(mm);
  struct memgate_proc *p;
  if (s->tgid == tgid) {
    __sync_fetch_and_add(&s->rss_events, 1);
    if (rss == *(volatile __u64 *)&s->rss_bytes) return 0;
    p = bpf_map_lookup_elem(&procs, &tgid);
    if (!p || p->exited) return 0;
  } else {
    /* Not the slot's owner (a collision, or not tracked at all). */
    p = bpf_map_lookup_elem(&procs, &tgid);
    if (!p || p->exited) return 0;
    __sync_fetch_and_add(&p->rss_events, 1);
    if (rss == *(volatile __u64 *)&p->rss_bytes) return 0;
  }
  struct memgate_tree *t = tree_totals();
  __u64 old = __sync_lock_test_and_set(&p->rss_bytes, rss);
  slot_store_rss(tgid, rss);
  atomic_max(&p->peak_bytes, rss);
  tree_move(t, old, rss, p->fork_base_bytes);

  __u64 last = p->last_emit_bytes;
  __u64 moved = rss > last ? rss - last : last - rss;
  if (moved < rss_step_bytes) return 0;
  p->last_emit_bytes = rss;
  struct memgate_record *r = record_reserve(t, MEMGATE_REC_RSS, tgid);
  if (!r) return 0;
  r->ppid = p->ppid;
  r->rss_bytes = rss;
  r->peak_bytes = p->peak_bytes;
  record_submit(t, r);
  return 0;
}

/* Opt-in (EbpfOptions::fault_hook): every user-mode page fault of the machine runs
 * this. The default fault counts come from the kernel's own per-task counters (see
 * memgate_proc.page_faults), at no cost per fault. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(memgate_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (!maybe_tracked(tgid)) return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (p) __sync_fetch_and_add(&p->fault_hook_hits, 1);
  return 0;
}
