/* Process-tree family: follow the target as it forks, reset peaks at exec, take the
 * final figures at exit (tp_btf/sched_process_fork|exec|exit). */
#include "common.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(memgate_fork, struct task_struct *parent, struct task_struct *child) {
  __u32 child_tgid = BPF_CORE_READ(child, tgid);
  if (BPF_CORE_READ(child, pid) != child_tgid) return 0; /* a new thread, not a new process */
  __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
  if (!maybe_tracked(parent_tgid)) return 0;
  struct memgate_proc *pp = bpf_map_lookup_elem(&procs, &parent_tgid);
  if (!pp) return 0;
  struct memgate_tree *t = tree_totals();
  if (!t) return 0;

  /* The child's mm was filled (copy_page_range) before this tracepoint and before
   * we tracked it: start from its current counters. */
  struct memgate_proc fresh = {};
  __u64 rss = mm_rss_bytes(child->mm);
  fresh.rss_bytes = rss;
  fresh.peak_bytes = rss;
  fresh.last_emit_bytes = rss;
  fresh.fork_base_bytes = rss; /* its parent's pages, shared copy-on-write */
  fresh.start_ns = bpf_ktime_get_ns();
  fresh.ppid = parent_tgid;
  fresh.brk_last = pp->brk_last;
  bpf_probe_read_kernel_str(fresh.comm, sizeof(fresh.comm), child->comm);
  /* The slot first, so no event of the child is filtered out once it is in `procs`. */
  slot_enter(child_tgid, rss);
  if (bpf_map_update_elem(&procs, &child_tgid, &fresh, BPF_NOEXIST) != 0) {
    slot_release(child_tgid, 0);
    slot_leave(child_tgid);
    __sync_fetch_and_add(&t->untracked_full, 1);
    return 0;
  }
  __sync_fetch_and_add(&t->forks, 1);
  tree_add_rss(t, (__s64)rss); /* the charged sum is unchanged: charge_of(rss, rss) == 0 */

  struct memgate_record *r = record_reserve(t, MEMGATE_REC_FORK, child_tgid);
  if (!r) return 0;
  r->ppid = parent_tgid;
  r->rss_bytes = rss;
  __builtin_memcpy(r->comm, fresh.comm, sizeof(r->comm));
  record_submit(t, r);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(memgate_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (!maybe_tracked(tgid)) return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p) return 0;
  struct memgate_tree *t = tree_totals();
  if (!t) return 0;
  __u64 rss = mm_rss_bytes(task->mm);
  __u64 old = __sync_lock_test_and_set(&p->rss_bytes, rss);
  slot_store_rss(tgid, rss);
  __u64 peak_before = p->peak_bytes;
  /* A new program: its peak starts over (the old image's memory is gone), and none of
   * its pages are its parent's any more: from now on it is charged in full. */
  __s64 charged_before = charge_of(old, p->fork_base_bytes);
  p->fork_base_bytes = 0;
  p->peak_bytes = rss;
  p->last_emit_bytes = rss;
  p->brk_last = 0;
  bpf_probe_read_kernel_str(p->comm, sizeof(p->comm), task->comm);
  __sync_fetch_and_add(&t->execs, 1);
  if (rss != old) tree_add_rss(t, (__s64)(rss - old));
  tree_add_charged(t, (__s64)rss - charged_before);

  struct memgate_record *r = record_reserve(t, MEMGATE_REC_EXEC, tgid);
  if (!r) return 0;
  r->ppid = p->ppid;
  r->rss_bytes = rss;
  r->peak_bytes = peak_before;
  __builtin_memcpy(r->comm, p->comm, sizeof(r->comm));
  record_submit(t, r);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(memgate_exit, struct task_struct *task) {
  /* Fires per thread. Each thread hands in its own fault counts as it leaves (the
   * kernel's exact per-task counters: the faults need no per-fault hook); the whole
   * thread group's sum is complete when the last one leaves. */
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (!maybe_tracked(tgid)) return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p) return 0;
  /* Before the `exited` test: a thread that decremented signal->live before the last
   * one may reach this tracepoint after it. */
  __sync_fetch_and_add(&p->page_faults, BPF_CORE_READ(task, min_flt) + BPF_CORE_READ(task, maj_flt));
  /* The process is done when the last thread leaves the group (signal->live already
   * decremented by do_exit). */
  if (p->exited || BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
  struct memgate_tree *t = tree_totals();
  if (!t) return 0;
  /* signal->maxrss (pages) was raised to this mm's hiwater mark just before: it is
   * the ru_maxrss a parent's wait4 would see. */
  p->maxrss_bytes = BPF_CORE_READ(task, signal, maxrss) * page_size;
  p->exit_code = BPF_CORE_READ(task, exit_code);
  p->exit_ns = bpf_ktime_get_ns();
  p->exited = 1;
  __u64 old = __sync_lock_test_and_set(&p->rss_bytes, 0);
  slot_release(tgid, p);
  __sync_fetch_and_add(&t->exits, 1);
  if (old) tree_add_rss(t, -(__s64)old);
  tree_add_charged(t, -charge_of(old, p->fork_base_bytes));

  struct memgate_record *r = record_reserve(t, MEMGATE_REC_EXIT, tgid);
  if (!r) return 0;
  r->ppid = p->ppid;
  r->exit_code = p->exit_code;
  r->rss_bytes = old;
  r->peak_bytes = p->peak_bytes;
  r->maxrss_bytes = p->maxrss_bytes;
  __builtin_memcpy(r->comm, p->comm, sizeof(r->comm));
  record_submit(t, r);
  return 0;
}
