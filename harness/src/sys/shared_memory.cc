#include "sys/shared_memory.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace memgate::sys {

void* map_shared_memory(const std::string& name, std::size_t size) {
  const int fd = ::shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  struct stat st {};
  void* mem = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= size)
    mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  return mem == MAP_FAILED ? nullptr : mem;
}

void unmap_shared_memory(void* addr, std::size_t size) {
  if (addr) ::munmap(addr, size);
}

bool unlink_shared_memory(const std::string& name) { return ::shm_unlink(name.c_str()) == 0; }

void futex_wake_one(std::uint32_t* word) { ::syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0); }

void futex_wait(const std::uint32_t* word, std::uint32_t expected, double timeout_s) {
  const auto whole = static_cast<time_t>(timeout_s);
  timespec ts{whole, static_cast<long>((timeout_s - static_cast<double>(whole)) * 1e9)};
  ::syscall(SYS_futex, const_cast<std::uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

}  // namespace memgate::sys
