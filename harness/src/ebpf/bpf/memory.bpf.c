/* Memory family: exact RSS (tp_btf/rss_stat) and user page faults, aggregated per
 * process in the kernel. Also defines the maps every other family uses.
 *
 * Both hooks run for every process on the machine, ~100k times per second per busy
 * core, so the order of the work is by cost: a one-word filter on the tgid first (all
 * other processes stop there), then the hash lookup, and for the target only the
 * cheap check "did the kernel's counter move?" before any atomic read-modify-write. */
#define MEMGATE_DEFINE_MAPS
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/rss_stat")
int BPF_PROG(memgate_rss_stat, struct mm_struct *mm, int member)
{
  /* rss_stat can fire for an mm other than current's (reclaim, /proc/PID/mem writes):
   * attribute to the mm's owner, not to current. */
  struct task_struct *owner = mm->owner;
  if (!owner)
    return 0;
  __u32 tgid = owner->tgid;
  if (!maybe_tracked(tgid))
    return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p || p->exited)
    return 0;
  /* The old mm torn down at exec, or a new mm being built before exec_mmap, is not
   * the process's memory: only count the mm the owner runs on. */
  if (owner->mm != mm)
    return 0;
  __sync_fetch_and_add(&p->rss_events, 1);

  /* The counters are per-CPU batched: rss_stat fires on every page, but the summed
   * count (what RSS, VmHWM and ru_maxrss are made of) moves once per batch. Most
   * events change nothing: leave before the exchanges. */
  __u64 rss = mm_rss_bytes(mm);
  if (rss == *(volatile __u64 *)&p->rss_bytes)
    return 0;
  struct memgate_tree *t = tree_totals();
  __u64 old = __sync_lock_test_and_set(&p->rss_bytes, rss);
  atomic_max(&p->peak_bytes, rss);
  if (rss != old)
    tree_add_rss(t, (__s64)(rss - old));

  __u64 last = p->last_emit_bytes;
  __u64 moved = rss > last ? rss - last : last - rss;
  if (moved < rss_step_bytes)
    return 0;
  p->last_emit_bytes = rss;
  struct memgate_record *r = record_reserve(t, MEMGATE_REC_RSS, tgid);
  if (!r)
    return 0;
  r->ppid = p->ppid;
  r->rss_bytes = rss;
  r->peak_bytes = p->peak_bytes;
  record_submit(t, r);
  return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(memgate_page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (!maybe_tracked(tgid))
    return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (p)
    __sync_fetch_and_add(&p->page_faults, 1);
  return 0;
}
