// The lock that makes a run directory one run's: flock(2) on DIR/.memgate.lock, held
// for the run's life and released by the kernel however memgate ends (even SIGKILL),
// so a stale lock file never blocks the next run.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "sys/fs.h"

namespace memgate::sys {

inline constexpr const char* kLockFile = ".memgate.lock";

class DirLock {
 public:
  // Takes the lock of `dir` without waiting and writes memgate's pid into the lock
  // file. nullopt when another process holds it. Throws Error(usage) when the lock file
  // cannot be created.
  static std::optional<DirLock> try_lock(const std::string& dir);
  DirLock(DirLock&&) noexcept = default;
  DirLock& operator=(DirLock&&) noexcept = default;

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// True when a live process holds the lock of `dir` (a run is writing it). Tests by
// taking the lock for an instant, so it is only for directories whose run has ended or
// is under way, not for a run about to start.
bool dir_lock_held(const std::string& dir);

// The pid written into the lock file by the last run that took it, or 0.
pid_t dir_lock_owner(const std::string& dir);

}  // namespace memgate::sys
