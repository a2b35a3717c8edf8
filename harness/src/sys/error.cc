#include <cstring>

#include "memgate/error.h"

namespace memgate {

std::string errno_message(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace memgate
