// Joins the memory cgroup whose cgroup.procs path is given, then after SIGUSR1 touches
// memory 1 MiB at a time up to MAX_MIB: under a smaller limit the OOM killer ends it.
// Exits 0 only if it was NOT killed. Usage: ebpf_oom READY CGROUP_PROCS MAX_MIB
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "helper_sync.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: ebpf_oom READY CGROUP_PROCS MAX_MIB\n");
    return 2;
  }
  {
    std::ofstream procs(argv[2]);
    procs << getpid() << "\n";
    if (!procs.flush()) {
      perror("joining the cgroup");
      return 3;
    }
  }
  const std::size_t max_mib = std::stoull(argv[3]);
  wait_for_go(argv[1]);
  std::vector<char*> blocks;
  for (std::size_t i = 0; i < max_mib; ++i) {
    char* block = new char[1 << 20];
    memset(block, 1, 1 << 20);
    blocks.push_back(block);
  }
  return 0;
}
