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
/* The tgid filter in front of the `procs` lookup: a count per slot tgid % SLOTS of the
 * tracked processes there. 0 means "certainly not tracked"; a collision only costs the
 * hash lookup. Power of two. */
#define MEMGATE_FILTER_SLOTS 65536

/* Per-process (tgid) state kept in the `procs` hash map, keyed by tgid. The kernel
 * aggregates here so that ~100k rss_stat events/s never cross into user space. */
struct memgate_proc {
  __u64 rss_bytes;        /* current RSS (file + anon + shmem) of the process's mm */
  __u64 peak_bytes;       /* largest rss_bytes seen since start/exec (exact: every change is seen) */
  __u64 last_emit_bytes;  /* rss_bytes at the last ring-buffer record (step filter) */
  __u64 maxrss_bytes;     /* task->signal->maxrss at exit (== ru_maxrss), 0 while alive */
  __u64 page_faults;      /* tp_btf/page_fault_user hits */
  __u64 rss_events;       /* rss_stat events attributed to this process */
  __s64 fds_net;          /* fd-creating minus fd-closing syscalls (syscall tracing only) */
  __u64 fd_opens;
  __u64 fd_closes;
  __u64 mmap_calls, mmap_bytes;
  __u64 munmap_calls, munmap_bytes;
  __u64 brk_calls;
  __s64 brk_bytes;        /* net heap growth through brk */
  __u64 brk_last;         /* last brk() result, to turn the next one into a delta */
  __u64 madvise_calls, madvise_bytes;
  __u64 start_ns, exit_ns;   /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
  __u32 ppid;
  __u32 exited;           /* 1 once the whole thread group exited; user space then removes it */
  __u32 oom_killed;
  __s32 exit_code;
  char comm[MEMGATE_COMM_LEN];
};

/* Tree-wide totals (the `totals` global in .bss). */
struct memgate_tree {
  __s64 rss_bytes;       /* sum of rss_bytes over live tracked processes at this instant */
  __u64 peak_bytes;      /* largest rss_bytes ever: the tree-wide peak */
  __u64 interval_peak_bytes;  /* largest rss_bytes since user space last reset it (per tick) */
  /* rss_stat events and page faults are counted per process only (summed in user
   * space): a tree-wide counter would be one more atomic, on a cache line shared by
   * every CPU, per page fault. */
  __u64 records;         /* ring-buffer records written */
  __u64 dropped;         /* ring-buffer records lost (buffer full) */
  __u64 oom_kills;
  __u64 forks, execs, exits;
  __u64 untracked_full;  /* forks not tracked because `procs` was full */
};

enum memgate_record_kind {
  MEMGATE_REC_RSS = 1,   /* RSS moved by >= step since the last record */
  MEMGATE_REC_FORK = 2,
  MEMGATE_REC_EXEC = 3,
  MEMGATE_REC_EXIT = 4,
  MEMGATE_REC_OOM = 5,
};

/* One ring-buffer record. */
struct memgate_record {
  __u64 ts_ns;
  __u32 kind;       /* enum memgate_record_kind */
  __u32 pid;        /* tgid */
  __u32 ppid;
  __s32 exit_code;  /* EXIT: raw wait status */
  __u64 rss_bytes;
  __u64 peak_bytes;
  __u64 maxrss_bytes;  /* EXIT: ru_maxrss in bytes */
  __u64 anon_bytes, file_bytes, shmem_bytes;  /* OOM: the victim's RSS split */
  char comm[MEMGATE_COMM_LEN];
};

#endif
