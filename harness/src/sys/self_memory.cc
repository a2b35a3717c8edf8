// Allocator detection follows allocators/probe.c: a statistics function counts only when it
// lives in the same file as the malloc this process calls (a program may link jemalloc for
// one component while glibc serves malloc).
#include "sys/self_memory.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

// Defined by the opt-in counting layer (sys/alloc_counting.cc, memgate::alloc_counting) when
// it is linked into the program; null otherwise.
extern "C" {
__attribute__((weak)) void memgate_alloc_counts(std::uint64_t* calls, std::uint64_t* bytes);
__attribute__((weak)) void* memgate_alloc_counting_next_malloc();
}

namespace memgate::sys {

namespace {

void* symbol_of(void* handle, const char* name, const void* base) {
  void* sym = ::dlsym(handle, name);
  Dl_info info;
  if (!sym || !::dladdr(sym, &info) || info.dli_fbase != base) return nullptr;
  return sym;
}

// Reads a small /proc file into buf (NUL-terminated); the length read, or -1.
long read_small(const char* path, char* buf, std::size_t size) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t used = 0;
  while (used + 1 < size) {
    const ssize_t n = ::read(fd, buf + used, size - 1 - used);
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf[used] = '\0';
  return static_cast<long>(used);
}

std::optional<std::uint64_t> jemalloc_u64(int (*mallctl)(const char*, void*, std::size_t*, void*, std::size_t),
                                          const char* name) {
  std::uint64_t value = 0;
  std::size_t len = sizeof value;
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return std::nullopt;
  return value;
}

}  // namespace

SelfMemory::SelfMemory() {
  // With the counting layer the program's own malloc is the layer's: the allocator is the next.
  void* malloc_addr =
      memgate_alloc_counting_next_malloc ? memgate_alloc_counting_next_malloc() : ::dlsym(RTLD_DEFAULT, "malloc");
  Dl_info info;
  std::memset(&info, 0, sizeof info);
  if (!malloc_addr || !::dladdr(malloc_addr, &info) || !info.dli_fname) return;
  // RTLD_NOLOAD: a handle on what is already mapped; the main program has no loadable name.
  void* handle = ::dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  void* search = handle ? handle : RTLD_DEFAULT;
  const void* base = info.dli_fbase;
  if ((sanitizer_allocated_ =
           reinterpret_cast<Size0>(symbol_of(search, "__sanitizer_get_current_allocated_bytes", base)))) {
    source_ = HeapSource::sanitizer;
  } else if ((mallctl_ = reinterpret_cast<Mallctl>(symbol_of(search, "mallctl", base)))) {
    source_ = HeapSource::jemalloc;
  } else if ((mext_get_ = reinterpret_cast<MextGet>(symbol_of(search, "MallocExtension_GetNumericProperty", base)))) {
    source_ = HeapSource::tcmalloc;
  } else if ((mi_process_info_ = reinterpret_cast<MiProcessInfo>(symbol_of(search, "mi_process_info", base)))) {
    source_ = HeapSource::mimalloc;
  } else if (symbol_of(search, "mallinfo2", base) && symbol_of(search, "gnu_get_libc_version", base)) {
    source_ = HeapSource::glibc;
  }
  if (handle) ::dlclose(handle);  // drops the reference RTLD_NOLOAD took; nothing unloads
}

const char* SelfMemory::source_text() const {
  switch (source_) {
    case HeapSource::sanitizer: return "sanitizer allocator __sanitizer_get_current_allocated_bytes()";
    case HeapSource::jemalloc: return "jemalloc stats.allocated";
    case HeapSource::tcmalloc: return "tcmalloc generic.current_allocated_bytes";
    case HeapSource::mimalloc: return "mimalloc committed bytes (mi_process_info)";
    case HeapSource::glibc: return "glibc mallinfo2() uordblks + hblkhd";
    case HeapSource::rss: break;
  }
  return "RSS (/proc/self/statm)";
}

std::uint64_t SelfMemory::live_bytes() const {
  switch (source_) {
    case HeapSource::sanitizer: return sanitizer_allocated_();
    case HeapSource::jemalloc: {
      std::uint64_t epoch = 1;
      std::size_t len = sizeof epoch;
      mallctl_("epoch", &epoch, &len, &epoch, len);  // refreshes the cached statistics
      std::size_t value = 0;
      len = sizeof value;
      return mallctl_("stats.allocated", &value, &len, nullptr, 0) == 0 ? value : 0;
    }
    case HeapSource::tcmalloc: {
      std::size_t value = 0;
      return mext_get_("generic.current_allocated_bytes", &value) ? value : 0;
    }
    case HeapSource::mimalloc: {
      std::size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit, faults;
      mi_process_info_(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
      return commit;
    }
    case HeapSource::glibc: {
      const struct mallinfo2 mi = ::mallinfo2();
      return mi.uordblks + mi.hblkhd;
    }
    case HeapSource::rss: break;
  }
  return self_rss_bytes();
}

bool SelfMemory::counting() const { return memgate_alloc_counts != nullptr; }

std::optional<std::uint64_t> SelfMemory::allocations() const {
  if (counting()) {
    std::uint64_t calls = 0, bytes = 0;
    memgate_alloc_counts(&calls, &bytes);
    return calls;
  }
  if (source_ != HeapSource::jemalloc) return std::nullopt;
  mallctl_("thread.tcache.flush", nullptr, nullptr, nullptr, 0);  // merges this thread's counts
  std::uint64_t epoch = 1;
  std::size_t len = sizeof epoch;
  mallctl_("epoch", &epoch, &len, &epoch, len);
  const auto small = jemalloc_u64(mallctl_, "stats.arenas.4096.small.nmalloc");
  const auto large = jemalloc_u64(mallctl_, "stats.arenas.4096.large.nmalloc");
  if (!small || !large) return std::nullopt;
  return *small + *large;
}

std::optional<std::uint64_t> SelfMemory::allocated_bytes() const {
  if (counting()) {
    std::uint64_t calls = 0, bytes = 0;
    memgate_alloc_counts(&calls, &bytes);
    return bytes;
  }
  if (source_ != HeapSource::jemalloc) return std::nullopt;
  return jemalloc_u64(mallctl_, "thread.allocated");
}

std::uint64_t self_rss_bytes() {
  char buf[256];
  if (read_small("/proc/self/statm", buf, sizeof buf) <= 0) return 0;
  char* end = nullptr;
  std::strtoull(buf, &end, 10);  // size; resident follows
  const unsigned long long pages = std::strtoull(end, nullptr, 10);
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool reset_self_peak_rss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

std::optional<std::uint64_t> self_peak_rss_bytes() {
  char buf[4096];
  if (read_small("/proc/self/status", buf, sizeof buf) <= 0) return std::nullopt;
  const char* line = std::strstr(buf, "VmHWM:");
  if (!line) return std::nullopt;
  char* end = nullptr;
  const unsigned long long kib = std::strtoull(line + 6, &end, 10);
  if (end == line + 6) return std::nullopt;
  return kib * 1024;
}

}  // namespace memgate::sys
