/* Structures shared by the BPF programs (bpf/NAME.bpf.c) and user space (ebpf_*.cc).
 * Plain C with fixed-width kernel types so both compilers lay them out identically.
 * BPF side includes vmlinux.h first (which defines __u32/__u64/__s64). */
#ifndef MEMGATE_EBPF_H
#define MEMGATE_EBPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MEMGATE_COMM_LEN 16
#define MEMGATE_MAX_PROCS 16384
/* Slots of the rss_stat fast path (struct memgate_slot), indexed by tgid % SLOTS.
 * Power of two; a collision between tracked processes only costs the hash lookup. */
#define MEMGATE_FILTER_SLOTS 16384

/* Per-process (tgid) state kept in the `procs` hash map, keyed by tgid. The kernel
 * aggregates here so that ~100k rss_stat events/s never cross into user space. */
struct memgate_proc {
  __u64 rss_bytes;       /* current RSS (file + anon + shmem) of the process's mm */
  __u64 peak_bytes;      /* largest rss_bytes seen since start/exec (exact: every change is seen) */
  __u64 last_emit_bytes; /* rss_bytes at the last ring-buffer record (step filter) */
  __u64 maxrss_bytes;    /* task->signal->maxrss at exit (== ru_maxrss), 0 while alive */
  /* Minor + major faults (task->min_flt + maj_flt) of the threads that have exited,
   * added by sched_process_exit as each thread leaves, plus (seeded processes) the
   * faults of threads gone before tracking; the whole process's count once it
   * exited. While it runs, user space reads the live figure from /proc/PID/stat. */
  __u64 page_faults;
  __u64 rss_events;      /* rss_stat events counted here (the slot owner's fast path counts in its slot) */
  __u64 fault_hook_hits; /* tp_btf/page_fault_user hits (only with the opt-in fault hook) */
  __s64 fds_net;         /* fd-creating minus fd-closing syscalls (syscall tracing only) */
  __u64 fd_opens;
  __u64 fd_closes;
  __u64 mmap_calls, mmap_bytes;
  __u64 munmap_calls, munmap_bytes;
  __u64 brk_calls;
  __s64 brk_bytes; /* net heap growth through brk */
  __u64 brk_last;  /* last brk() result, to turn the next one into a delta */
  __u64 madvise_calls, madvise_bytes;
  __u64 start_ns, exit_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
  /* RSS at fork() until the process execs (0 for seeded and exec'd processes): the
   * copy-on-write view of its parent, already counted in the parent. The fork-corrected
   * tree sum charges only what the process holds beyond it (see charge_of). */
  __u64 fork_base_bytes;
  __u32 ppid;
  __u32 exited; /* 1 once the whole thread group exited; user space then removes it */
  __u32 oom_killed;
  __s32 exit_code;
  char comm[MEMGATE_COMM_LEN];
};

/* One slot of the rss_stat fast path, per tgid % MEMGATE_FILTER_SLOTS, in .bss.
 * `tracked` = 0: no tracked process here, every other process stops at this one load.
 * The slot's owner (the first tracked process to claim it; tgid 0 = none) takes the
 * fast path: its rss_stat events are counted here and, when the kernel's summed
 * counter did not move (about 31 of 32 events), nothing else happens: no hash lookup,
 * no helper call. A cache line each: a parent and child with adjacent pids running on
 * two CPUs must not write the same line. */
struct memgate_slot {
  __u32 tracked;    /* tracked processes with this tgid % SLOTS (raised before entering `procs`) */
  __u32 tgid;       /* the owner; 0 = none */
  __u64 rss_bytes;  /* the owner's memgate_proc.rss_bytes, as last stored */
  __u64 rss_events; /* the owner's rss_stat events (folded into memgate_proc at exit) */
  __u64 pad[5];
};

/* Tree-wide totals (the `totals` global in .bss). */
struct memgate_tree {
  __s64 rss_bytes;           /* sum of rss_bytes over live tracked processes at this instant */
  __u64 peak_bytes;          /* largest rss_bytes ever: the tree-wide peak */
  __u64 interval_peak_bytes; /* largest rss_bytes since user space last reset it (per tick) */
  /* The same sum with each forked, not yet exec'd process charged only beyond its RSS
   * at fork (its parent's pages it shares copy-on-write are counted once, in the
   * parent), and its largest value: the tree peak without fork double-counting. */
  __s64 charged_bytes;
  __u64 charged_peak_bytes;
  /* rss_stat events and page faults are counted per process only (summed in user
   * space): a tree-wide counter would be one more atomic, on a cache line shared by
   * every CPU, per page fault. */
  __u64 records; /* ring-buffer records written */
  __u64 dropped; /* ring-buffer records lost (buffer full) */
  __u64 oom_kills;
  __u64 forks, execs, exits;
  __u64 untracked_full; /* forks not tracked because `procs` was full */
};

enum memgate_record_kind {
  MEMGATE_REC_RSS = 1, /* RSS moved by >= step since the last record */
  MEMGATE_REC_FORK = 2,
  MEMGATE_REC_EXEC = 3,
  MEMGATE_REC_EXIT = 4,
  MEMGATE_REC_OOM = 5,
};

/* One ring-buffer record. */
struct memgate_record {
  __u64 ts_ns;
  __u32 kind; /* enum memgate_record_kind */
  __u32 pid;  /* tgid */
  __u32 ppid;
  __s32 exit_code; /* EXIT: raw wait status */
  __u64 rss_bytes;
  __u64 peak_bytes;
  __u64 maxrss_bytes;                        /* EXIT: ru_maxrss in bytes */
  __u64 anon_bytes, file_bytes, shmem_bytes; /* OOM: the victim's RSS split */
  char comm[MEMGATE_COMM_LEN];
};

#endif
