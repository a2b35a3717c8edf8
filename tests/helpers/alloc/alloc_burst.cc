// A target for the allocator tests: allocates a burst of small blocks, then frees
// most of them while a sparse few stay live, so the freed memory is interleaved with
// live blocks (what allocators retain and what a purge can give back).
//
//   alloc_burst STATUS_FILE [BLOCKS [SIZE [KEEP_EVERY]]]
//
// Phases advance on SIGUSR1: baseline -> burst -> freed -> exit 0. After each phase
// STATUS_FILE is replaced atomically with "phase=<name> held=<bytes> blocks=<n>"
// (held: bytes the program holds in its blocks). Exits 3 if no signal comes in 60 s.
#include <signal.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void write_status(const std::string& path, const char* phase, std::size_t held, std::size_t blocks) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) std::exit(2);
  std::fprintf(f, "phase=%s held=%zu blocks=%zu\n", phase, held, blocks);
  std::fclose(f);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::exit(2);
}

void wait_for_next_phase(const sigset_t& set) {
  const timespec timeout{60, 0};
  if (sigtimedwait(&set, nullptr, &timeout) < 0) std::exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STATUS_FILE [BLOCKS [SIZE [KEEP_EVERY]]]\n", argv[0]);
    return 2;
  }
  const std::string status = argv[1];
  const std::size_t blocks = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 300000;
  const std::size_t size = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 256;
  const std::size_t keep_every = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 1024;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);  // delivered only through sigtimedwait

  std::vector<char*> ptrs;
  ptrs.reserve(blocks);  // the vector itself is allocated before the baseline
  write_status(status, "baseline", 0, 0);
  wait_for_next_phase(set);

  for (std::size_t i = 0; i < blocks; ++i) {
    char* p = static_cast<char*>(std::malloc(size));
    if (!p) return 4;
    std::memset(p, static_cast<int>(i), size);  // touch: make it resident
    ptrs.push_back(p);
  }
  write_status(status, "burst", blocks * size, blocks);
  wait_for_next_phase(set);

  // Keep every keep_every-th block and the last one (so the heap top stays pinned
  // and only a purge, not free() itself, can return the space below it).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < ptrs.size(); ++i) {
    if (i % keep_every == 0 || i + 1 == ptrs.size()) {
      ++kept;
    } else {
      std::free(ptrs[i]);
      ptrs[i] = nullptr;
    }
  }
  write_status(status, "freed", kept * size, kept);
  wait_for_next_phase(set);

  for (char* p : ptrs) std::free(p);
  return 0;
}
