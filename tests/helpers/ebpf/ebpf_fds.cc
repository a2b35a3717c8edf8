// After SIGUSR1: opens /dev/null 20 times and closes 19 of them (net +1 fd), maps and
// unmaps MAP_MIB MiB once, then exits. Usage: ebpf_fds READY MAP_MIB
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "helper_sync.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: ebpf_fds READY MAP_MIB\n");
    return 2;
  }
  const std::size_t map_bytes = std::stoull(argv[2]) << 20;
  wait_for_go(argv[1]);
  int fds[20];
  for (int& fd : fds)
    if ((fd = open("/dev/null", O_RDONLY)) < 0) return 3;
  for (int i = 0; i < 19; ++i) close(fds[i]);
  void* p = mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 4;
  memset(p, 1, map_bytes);
  munmap(p, map_bytes);
  _exit(0);  // no atexit work: only the calls above count
}
