// A process tree whose child allocates: after SIGUSR1 the parent touches PARENT_MIB,
// forks, the child touches CHILD_MIB and writes "<pid> <VmHWM bytes>" to RESULT.child,
// the parent waits for it and writes its own line to RESULT.parent.
// Usage: ebpf_fork_alloc READY RESULT PARENT_MIB CHILD_MIB
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "helper_sync.h"

static std::uint64_t vm_hwm_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

static void report(const std::string& path) {
  std::ofstream out(path);
  out << getpid() << " " << vm_hwm_bytes() << "\n";
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
    usleep(50 * 1000);  // both processes hold their memory at once: the tree peak is their sum
    report(result + ".child");
    _exit(child_block[child_bytes / 2] == 2 ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  report(result + ".parent");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && parent_block[0] == 1 ? 0 : 4;
}
