/* OOM family: the OOM killer chose a process of the target (tp_btf/mark_victim). */
#include "common.bpf.h"

SEC("tp_btf/mark_victim")
int BPF_PROG(memgate_mark_victim, struct task_struct *task) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p) return 0;
  struct memgate_tree *t = tree_totals();
  if (!t) return 0;
  p->oom_killed = 1;
  __sync_fetch_and_add(&t->oom_kills, 1);

  struct memgate_record *r = record_reserve(t, MEMGATE_REC_OOM, tgid);
  if (!r) return 0;
  struct mm_struct *mm = BPF_CORE_READ(task, mm);
  r->ppid = p->ppid;
  r->file_bytes = positive(BPF_CORE_READ(mm, rss_stat[0].count)) * page_size;
  r->anon_bytes = positive(BPF_CORE_READ(mm, rss_stat[1].count)) * page_size;
  r->shmem_bytes = positive(BPF_CORE_READ(mm, rss_stat[3].count)) * page_size;
  r->rss_bytes = r->file_bytes + r->anon_bytes + r->shmem_bytes;
  r->peak_bytes = p->peak_bytes;
  bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
  record_submit(t, r);
  return 0;
}
