/* Syscall family (opt-in: a sys_exit hook costs every syscall of every process on the
 * machine 170-350 ns). Net fd counts and mmap/munmap/brk/madvise calls and bytes.
 * One hook on sys_exit is enough: the return value says whether the call succeeded
 * and pt_regs still hold the arguments. Syscall numbers are x86-64's. */
#include "common.bpf.h"

#if !defined(__TARGET_ARCH_x86)
#error "syscalls.bpf.c knows the x86-64 syscall numbers only"
#endif

enum {
  NR_close = 3, NR_open = 2, NR_mmap = 9, NR_munmap = 11, NR_brk = 12, NR_pipe = 22,
  NR_madvise = 28, NR_dup = 32, NR_dup2 = 33, NR_socket = 41, NR_accept = 43,
  NR_socketpair = 53, NR_creat = 85, NR_epoll_create = 213, NR_openat = 257,
  NR_eventfd = 284, NR_accept4 = 288, NR_eventfd2 = 290, NR_epoll_create1 = 291,
  NR_dup3 = 292, NR_pipe2 = 293, NR_memfd_create = 319, NR_openat2 = 437,
};

/* How many descriptors a successful call of `nr` created (negative: closed). */
static __always_inline int fd_delta(long nr, long ret)
{
  switch (nr) {
  case NR_open: case NR_openat: case NR_openat2: case NR_creat:
  case NR_socket: case NR_accept: case NR_accept4:
  case NR_dup: case NR_dup2: case NR_dup3:
  case NR_eventfd: case NR_eventfd2: case NR_epoll_create: case NR_epoll_create1:
  case NR_memfd_create:
    return ret >= 0 ? 1 : 0;
  case NR_pipe: case NR_pipe2: case NR_socketpair:
    return ret == 0 ? 2 : 0;
  case NR_close:
    return ret == 0 ? -1 : 0;
  }
  return 0;
}

static __always_inline __u64 page_round(__u64 len) { return (len + page_size - 1) & ~(page_size - 1); }

SEC("tp_btf/sys_exit")
int BPF_PROG(memgate_sys_exit, struct pt_regs *regs, long ret)
{
  long nr = BPF_CORE_READ(regs, orig_ax);
  int fds = fd_delta(nr, ret);
  if (!fds && nr != NR_mmap && nr != NR_munmap && nr != NR_brk && nr != NR_madvise)
    return 0;  /* the common case: filter before the map lookup */
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct memgate_proc *p = bpf_map_lookup_elem(&procs, &tgid);
  if (!p)
    return 0;

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
    if ((unsigned long)ret < (unsigned long)-4095L) {  /* not an -errno */
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
    if (last)
      __sync_fetch_and_add(&p->brk_bytes, (__s64)((__u64)ret - last));
    break;
  }
  }
  return 0;
}
