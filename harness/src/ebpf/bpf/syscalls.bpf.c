/* Syscall family (opt-in: these hooks cost every syscall of every process on the
 * machine 170-350 ns). Net fd counts and mmap/munmap/brk/madvise calls and bytes.
 * sys_exit does the counting: the return value says whether the call succeeded and
 * pt_regs still hold the arguments. sys_enter only serves the calls whose effect on
 * the fd count depends on the fd table *before* the call: dup2/dup3 onto an open fd
 * close it implicitly (net 0), close_range closes however many fds were open in the
 * range. Syscall numbers are x86-64's. */
#include "common.bpf.h"

#if !defined(__TARGET_ARCH_x86)
#error "syscalls.bpf.c knows the x86-64 syscall numbers only"
#endif

enum {
  NR_close = 3,
  NR_open = 2,
  NR_mmap = 9,
  NR_munmap = 11,
  NR_brk = 12,
  NR_pipe = 22,
  NR_madvise = 28,
  NR_dup = 32,
  NR_dup2 = 33,
  NR_socket = 41,
  NR_accept = 43,
  NR_socketpair = 53,
  NR_fcntl = 72,
  NR_creat = 85,
  NR_epoll_create = 213,
  NR_inotify_init = 253,
  NR_openat = 257,
  NR_signalfd = 282,
  NR_timerfd_create = 283,
  NR_eventfd = 284,
  NR_accept4 = 288,
  NR_signalfd4 = 289,
  NR_eventfd2 = 290,
  NR_epoll_create1 = 291,
  NR_dup3 = 292,
  NR_pipe2 = 293,
  NR_inotify_init1 = 294,
  NR_perf_event_open = 298,
  NR_fanotify_init = 300,
  NR_memfd_create = 319,
  NR_userfaultfd = 323,
  NR_io_uring_setup = 425,
  NR_pidfd_open = 434,
  NR_close_range = 436,
  NR_openat2 = 437,
  NR_pidfd_getfd = 438,
};
#define MEMGATE_F_DUPFD 0
#define MEMGATE_F_DUPFD_CLOEXEC 1030
#define MEMGATE_CLOSE_RANGE_CLOEXEC (1U << 2)
#define MEMGATE_MAX_FD_WORDS 65536 /* close_range looks at most 4M fds (64 per word) */

/* What sys_enter saw in the fd table, for the matching sys_exit of the same thread. */
struct fd_before {
  __u64 open_in_range; /* dup2/dup3: 1 if newfd was open; close_range: fds open in range */
  __u32 nr;
  __u32 same_fd; /* dup2(fd, fd): no change at all */
};

/* LRU: a thread killed inside the call never reaches sys_exit; its entry ages out. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32); /* thread id */
  __type(value, struct fd_before);
} fd_before SEC(".maps");

/* How many descriptors a successful call of `nr` created (negative: closed). dup2,
 * dup3 and close_range are netted with what sys_enter recorded. */
static __always_inline int fd_delta(long nr, long ret, struct pt_regs *regs) {
  switch (nr) {
    case NR_open:
    case NR_openat:
    case NR_openat2:
    case NR_creat:
    case NR_socket:
    case NR_accept:
    case NR_accept4:
    case NR_dup:
    case NR_eventfd:
    case NR_eventfd2:
    case NR_epoll_create:
    case NR_epoll_create1:
    case NR_memfd_create:
    case NR_timerfd_create:
    case NR_inotify_init:
    case NR_inotify_init1:
    case NR_perf_event_open:
    case NR_fanotify_init:
    case NR_userfaultfd:
    case NR_io_uring_setup:
    case NR_pidfd_open:
    case NR_pidfd_getfd: return ret >= 0 ? 1 : 0;
    case NR_signalfd:
    case NR_signalfd4:
      /* fd -1 makes a new signalfd; an existing one is only updated. */
      return ret >= 0 && (int)BPF_CORE_READ(regs, di) == -1 ? 1 : 0;
    case NR_fcntl: {
      long cmd = BPF_CORE_READ(regs, si);
      return ret >= 0 && (cmd == MEMGATE_F_DUPFD || cmd == MEMGATE_F_DUPFD_CLOEXEC) ? 1 : 0;
    }
    case NR_pipe:
    case NR_pipe2:
    case NR_socketpair: return ret == 0 ? 2 : 0;
    case NR_close: return ret == 0 ? -1 : 0;
  }
  return 0;
}

static __always_inline __u64 page_round(__u64 len) { return (len + page_size - 1) & ~(page_size - 1); }

struct count_ctx {
  unsigned long *open_fds;
  __u64 first, last; /* fd range, inclusive, already clipped to max_fds */
  __u64 count;
};

static long count_word(__u64 i, void *data) {
  struct count_ctx *c = data;
  __u64 w = c->first / 64 + i;
  unsigned long word = 0;
  if (bpf_probe_read_kernel(&word, sizeof(word), &c->open_fds[w]) != 0) return 1;
  if (w == c->first / 64) word &= ~0UL << (c->first % 64);
  if (w == c->last / 64 && c->last % 64 != 63) word &= (1UL << (c->last % 64 + 1)) - 1;
  c->count += __builtin_popcountl(word);
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(memgate_sys_enter, struct pt_regs *regs, long id) {
  if (id != NR_dup2 && id != NR_dup3 && id != NR_close_range) return 0; /* the common case: two compares and out */
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tgid = pid_tgid >> 32;
  if (!maybe_tracked(tgid) || !bpf_map_lookup_elem(&procs, &tgid)) return 0;
  struct task_struct *task = bpf_get_current_task_btf();
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return 0;
  __u64 max_fds = BPF_CORE_READ(fdt, max_fds);
  unsigned long *open_fds = BPF_CORE_READ(fdt, open_fds);
  if (!max_fds || !open_fds) return 0;
  struct fd_before before = {.nr = (__u32)id};
  if (id == NR_close_range) {
    __u64 first = (__u32)BPF_CORE_READ(regs, di), last = (__u32)BPF_CORE_READ(regs, si);
    if ((__u32)BPF_CORE_READ(regs, dx) & MEMGATE_CLOSE_RANGE_CLOEXEC) return 0; /* only marks fds close-on-exec */
    if (last >= max_fds) last = max_fds - 1;
    if (first <= last) {
      struct count_ctx c = {.open_fds = open_fds, .first = first, .last = last};
      __u64 words = last / 64 - first / 64 + 1;
      if (words > MEMGATE_MAX_FD_WORDS) words = MEMGATE_MAX_FD_WORDS;
      bpf_loop(words, count_word, &c, 0);
      before.open_in_range = c.count;
    }
  } else {
    __u64 oldfd = (__u32)BPF_CORE_READ(regs, di), newfd = (__u32)BPF_CORE_READ(regs, si);
    before.same_fd = oldfd == newfd;
    if (newfd < max_fds) {
      unsigned long word = 0;
      bpf_probe_read_kernel(&word, sizeof(word), &open_fds[newfd / 64]);
      before.open_in_range = (word >> (newfd % 64)) & 1;
    }
  }
  __u32 tid = (__u32)pid_tgid;
  bpf_map_update_elem(&fd_before, &tid, &before, BPF_ANY);
  return 0;
}

/* dup2/dup3/close_range at exit: opened and closed fds from what sys_enter saw. */
static __always_inline void net_with_before(struct memgate_proc *p, long nr, long ret) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct fd_before *b = bpf_map_lookup_elem(&fd_before, &tid);
  __s64 opened = 0, closed = 0;
  if (b && b->nr == nr) {
    if (nr == NR_close_range) {
      closed = ret == 0 ? (__s64)b->open_in_range : 0;
    } else if (ret >= 0 && !b->same_fd) {
      opened = 1;
      closed = (__s64)b->open_in_range; /* newfd was open: closed implicitly */
    }
  } else if (nr != NR_close_range && ret >= 0) {
    opened = 1; /* no record from sys_enter (tracking began mid-call): count the new fd only */
  }
  if (b) bpf_map_delete_elem(&fd_before, &tid);
  if (opened || closed) {
    __sync_fetch_and_add(&p->fds_net, opened - closed);
    __sync_fetch_and_add(&p->fd_opens, opened);
    __sync_fetch_and_add(&p->fd_closes, closed);
  }
}

SEC("tp_btf/sys_exit")
int BPF_PROG(memgate_sys_exit, struct pt_regs *regs, long ret) {
  long nr = BPF_CORE_READ(regs, orig_ax);
  int netted = nr == NR_dup2 || nr == NR_dup3 || nr == NR_close_range;
  int fds = netted ? 0 : fd_delta(nr, ret, regs);
  if (!fds && !netted && nr != NR_mmap && nr != NR_munmap && nr != NR_brk && nr != NR_madvise)
    return 0; /* the common case: filter before the map lookup */
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (!maybe_tracked(tgid)) return 0;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p) return 0;

  if (netted) {
    net_with_before(p, nr, ret);
    return 0;
  }
  if (fds > 0) {
    __sync_fetch_and_add(&p->fds_net, fds);
    __sync_fetch_and_add(&p->fd_opens, fds);
    return 0;
  }
  if (fds < 0) {
    __sync_fetch_and_add(&p->fds_net, fds);
    __sync_fetch_and_add(&p->fd_closes, 1);
    return 0;
  }
  __u64 len = page_round(BPF_CORE_READ(regs, si));
  switch (nr) {
    case NR_mmap:
      if ((unsigned long)ret < (unsigned long)-4095L) { /* not an -errno */
        __sync_fetch_and_add(&p->mmap_calls, 1);
        __sync_fetch_and_add(&p->mmap_bytes, len);
      }
      break;
    case NR_munmap:
      if (ret == 0) {
        __sync_fetch_and_add(&p->munmap_calls, 1);
        __sync_fetch_and_add(&p->munmap_bytes, len);
      }
      break;
    case NR_madvise:
      if (ret == 0) {
        __sync_fetch_and_add(&p->madvise_calls, 1);
        __sync_fetch_and_add(&p->madvise_bytes, len);
      }
      break;
    case NR_brk: {
      /* brk returns the new break; growth is the difference to the previous one. */
      __u64 last = __sync_lock_test_and_set(&p->brk_last, (__u64)ret);
      __sync_fetch_and_add(&p->brk_calls, 1);
      if (last) __sync_fetch_and_add(&p->brk_bytes, (__s64)((__u64)ret - last));
      break;
    }
  }
  return 0;
}
