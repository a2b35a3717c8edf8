// The kernel's log (/dev/kmsg) from now on, read without blocking: how the cgroup
// sampler learns an OOM victim's pid, name and RSS (the cgroup files count kills only).
// Reading it needs root (or kernel.dmesg_restrict=0); without it the victims stay unknown.
#pragma once

#include <string>
#include <string_view>

#include "sys/fs.h"

namespace memgate::sys {

class KernelLog {
 public:
  // Opens /dev/kmsg positioned at its end; false (errno set) when it cannot.
  bool open();
  bool is_open() const { return fd_.get() >= 0; }
  // Calls f(record) for every record logged since the last call; returns how many.
  // Records overwritten before they were read are skipped.
  template <typename F>
  std::size_t read_new(F f) {
    std::size_t n = 0;
    for (std::string_view r; next(r); ++n) f(r);
    return n;
  }

 private:
  bool next(std::string_view& record);
  UniqueFd fd_;
  char buf_[8192];
};

}  // namespace memgate::sys
