#include "sys/pid.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace memgate::sys {

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }
pid_t self_pid() { return ::getpid(); }

}  // namespace memgate::sys
