// After SIGUSR1: fd calls whose net effect depends on the fd table before the call
// (dup2/dup3 onto an open fd, close_range over a sparse range, the close-on-exec
// flag of close_range, fcntl F_DUPFD), then writes to OUT the change in open fds as
// /proc/self/fd counts it, and exits. The calls net to +5. Usage: ebpf_fd_dups READY OUT
#define _GNU_SOURCE 1
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "helper_sync.h"

namespace {

int open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) _exit(5);
  int n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n;
}

void check(bool ok, int code) {
  if (!ok) _exit(code);
}

int sys_close_range(unsigned first, unsigned last, unsigned flags) {
  return static_cast<int>(syscall(SYS_close_range, first, last, flags));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: ebpf_fd_dups READY OUT\n");
    return 2;
  }
  // Opened before the go and never closed (exit closes it without a syscall): not part
  // of the counted calls.
  const int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) return 2;
  wait_for_go(argv[1]);
  const int before = open_fds();
  const int a = open("/dev/null", O_RDONLY);  // +1
  const int b = open("/dev/null", O_RDONLY);  // +1
  check(a >= 0 && b >= 0, 3);
  check(dup2(a, b) == b, 4);                                       // onto an open fd: 0
  check(dup2(a, a) == a, 4);                                       // onto itself: 0
  check(dup2(a, 100) == 100, 4);                                   // onto a closed fd: +1
  check(dup3(a, b, O_CLOEXEC) == b, 4);                            // onto an open fd: 0
  for (int fd = 200; fd < 210; ++fd) check(dup2(a, fd) == fd, 6);  // +10
  check(sys_close_range(200, 209, 0) == 0, 7);                     // -10
  for (int fd : {300, 302, 304}) check(dup2(a, fd) == fd, 6);      // +3
  check(sys_close_range(300, 310, 0) == 0, 7);                     // -3: only the open ones
  check(sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0, 7);     // flags only: 0
  check(fcntl(a, F_DUPFD, 0) >= 0, 8);                             // +1
  check(fcntl(a, F_DUPFD_CLOEXEC, 400) >= 400, 8);                 // +1
  const int after = open_fds();
  dprintf(out, "%d\n", after - before);
  _exit(0);
}
