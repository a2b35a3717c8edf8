#include "sys/thread_latency.h"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "memgate/error.h"

namespace memgate::sys {
namespace {

// struct sched_attr (SCHED_ATTR_SIZE_VER1): <linux/sched/types.h> clashes with glibc's
// <sched.h> over struct sched_param, and glibc 2.36 has no sched_setattr wrapper.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;  // SCHED_OTHER since 6.12: the requested slice
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
  std::uint32_t sched_util_min;
  std::uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);

}  // namespace

ThreadLatency request_thread_latency(std::int64_t timer_slack_ns, std::int64_t slice_ns) {
  ThreadLatency out;
  if (::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(timer_slack_ns), 0, 0, 0) == 0) {
    out.timer_slack_ns = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  } else {
    out.note = errno_message("prctl(PR_SET_TIMERSLACK)", errno);
  }
  // pid 0: this thread.
  SchedAttr attr{};
  if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) {
    out.note += (out.note.empty() ? "" : "; ") + errno_message("sched_getattr", errno);
    return out;
  }
  if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) return out;  // not EEVDF's to tune
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = static_cast<std::uint64_t>(slice_ns);
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
    out.note += (out.note.empty() ? "" : "; ") + errno_message("sched_setattr(sched_runtime)", errno);
    return out;
  }
  // Kernels before 6.12 accept and ignore sched_runtime for fair tasks: read it back.
  SchedAttr check{};
  if (::syscall(SYS_sched_getattr, 0, &check, sizeof check, 0) == 0 && check.sched_runtime != 0)
    out.slice_ns = static_cast<std::int64_t>(check.sched_runtime);
  return out;
}

}  // namespace memgate::sys
