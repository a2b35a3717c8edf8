// A process tree whose child allocates: after SIGUSR1 the parent touches PARENT_MIB,
// forks, the child touches CHILD_MIB (and 8 MiB more in a thread it joins) and writes
// "<pid> <ru_maxrss bytes>" to RESULT.child, the parent waits for it with wait4,
// writes the child's ru_minflt + ru_majflt (every thread's faults, counted by the
// kernel) to RESULT.child_faults, and its own line to RESULT.parent.
// ru_maxrss, not VmHWM: since 6.16 /proc's VmRSS (and so a VmHWM taken while memory
// is still held) is the precise per-CPU sum, while the kernel's hiwater and ru_maxrss
// use the same batched counter the rss_stat tracepoint reports.
// Usage: ebpf_fork_alloc READY RESULT PARENT_MIB CHILD_MIB
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "helper_sync.h"

static void report(const std::string& path) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::ofstream out(path);
  out << getpid() << " " << static_cast<std::uint64_t>(usage.ru_maxrss) * 1024 << "\n";
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ebpf_fork_alloc READY RESULT PARENT_MIB CHILD_MIB\n");
    return 2;
  }
  const std::string result = argv[2];
  const std::size_t parent_bytes = std::stoull(argv[3]) << 20;
  const std::size_t child_bytes = std::stoull(argv[4]) << 20;
  wait_for_go(argv[1]);

  std::vector<char> parent_block(parent_bytes, 1);
  const pid_t child = fork();
  if (child < 0) return 3;
  if (child == 0) {
    std::vector<char> child_block(child_bytes, 2);
    std::thread([] { std::vector<char> thread_block(8 << 20, 3); }).join();  // an exited thread's faults
    usleep(50 * 1000);  // both processes hold their memory at once: the tree peak is their sum
    report(result + ".child");
    _exit(child_block[child_bytes / 2] == 2 ? 0 : 1);
  }
  int status = 0;
  rusage child_usage{};
  if (wait4(child, &status, 0, &child_usage) != child) return 5;
  std::ofstream(result + ".child_faults") << child_usage.ru_minflt + child_usage.ru_majflt << "\n";
  report(result + ".parent");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && parent_block[0] == 1 ? 0 : 4;
}
