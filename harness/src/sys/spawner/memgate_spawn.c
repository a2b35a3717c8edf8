/* memgate-spawn: the short-lived process between memgate and its target (sys/child.cc).
 *
 * Why it exists: a target forked straight from memgate starts with a copy of memgate's
 * address space, and exec folds that address space's high-water mark into the target's
 * signal->maxrss, so its ru_maxrss (the "at exit" peak) would include memgate's own
 * memory (hundreds of MiB after parsing a large scenario). A process forked from this
 * tiny static program gets a fresh signal_struct and a copy of a ~1 MiB address space.
 *
 * With CLONE_PARENT the target is memgate's child from birth (memgate waits for it and
 * gets its rusage), and its PR_SET_PDEATHSIG is bound to memgate, not to this process,
 * which exits as soon as the target exists.
 *
 * argv: memgate-spawn REPORT_FD MEMGATE_PID LOOKUP_PATH PROGRAM [ARG...]
 *   REPORT_FD   a pipe to memgate: 8-byte messages {kind, value} (kinds below, kept in
 *               step with sys/child.cc); closed on exec of the target
 *   MEMGATE_PID the target's parent-to-be: a target whose parent is another process
 *               (memgate died meanwhile) exits instead of running unsupervised
 *   LOOKUP_PATH "PATH=..." searched for PROGRAM (memgate's own PATH, as execvpe in
 *               memgate used), or "" when memgate has no PATH
 * The environment is the target's. Only async-signal-safe calls after the clone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kSpawnerFailed = 1, kTargetPid = 2, kTargetErrno = 3 };

static void report(int fd, int kind, int value) {
  const int message[2] = {kind, value};
  ssize_t n;
  do {
    n = write(fd, message, sizeof message);
  } while (n < 0 && errno == EINTR);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fputs("memgate-spawn: memgate's internal helper, not meant to be run by hand\n", stderr);
    return 2;
  }
  const int fd = atoi(argv[1]);
  const pid_t memgate = (pid_t)atol(argv[2]);
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return 127; /* never leaks into the target */
  char** const target_env = environ;
  /* execvpe searches the caller's PATH: make that memgate's, not the target's. */
  char* lookup_env[2] = {argv[3][0] ? argv[3] : NULL, NULL};
  environ = lookup_env;

  /* A raw clone without a new stack behaves like fork; CLONE_PARENT makes memgate the
   * parent. The new process has its own signal_struct: maxrss starts at 0. */
  const pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
  if (pid < 0) {
    report(fd, kSpawnerFailed, errno);
    return 127;
  }
  if (pid == 0) {
    setpgid(0, 0); /* memgate does it too: no race with an early group signal */
    /* The death signal follows the parent, memgate (its spawning thread). Checking the
     * parent closes the race of a memgate that died before the prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != memgate) _exit(127);
    execvpe(argv[4], argv + 4, target_env);
    report(fd, kTargetErrno, errno);
    _exit(127);
  }
  report(fd, kTargetPid, pid);
  return 0;
}
