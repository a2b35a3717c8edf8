#include "common/process_memory.h"

#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace pipelines {
namespace {

struct Purger {
  std::string name = "glibc";
  int (*mallctl)(const char*, void*, std::size_t*, void*, std::size_t) = nullptr;
  void (*mi_collect)(bool) = nullptr;
  void (*tc_release)() = nullptr;
};

const Purger& purger() {
  static const Purger p = [] {
    Purger r;
    if (auto f = ::dlsym(RTLD_DEFAULT, "mallctl")) {
      r.mallctl = reinterpret_cast<decltype(r.mallctl)>(f);
      r.name = "jemalloc";
    } else if (auto g = ::dlsym(RTLD_DEFAULT, "mi_collect")) {
      r.mi_collect = reinterpret_cast<decltype(r.mi_collect)>(g);
      r.name = "mimalloc";
    } else if (auto h = ::dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory")) {
      r.tc_release = reinterpret_cast<decltype(r.tc_release)>(h);
      r.name = "tcmalloc";
    }
    return r;
  }();
  return p;
}

}  // namespace

std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

std::uint64_t peak_rss_bytes() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
}

int open_fd_count() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own fd
}

void purge_allocator() {
  const Purger& p = purger();
  if (p.mallctl) {
    p.mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    p.mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
  } else if (p.mi_collect) {
    p.mi_collect(true);
  } else if (p.tc_release) {
    p.tc_release();
  } else {
    ::malloc_trim(0);
  }
}

std::string allocator_name() { return purger().name; }

}  // namespace pipelines
