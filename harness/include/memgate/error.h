// One exception type that carries the exit code it maps to, so every layer can fail
// with a one-line message and the CLI turns it into the documented exit status.
#pragma once

#include <stdexcept>
#include <string>

#include "memgate/check.h"

namespace memgate {

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// "<what>: <strerror(errno)>" for system-call failures.
std::string errno_message(const std::string& what, int err);

}  // namespace memgate
