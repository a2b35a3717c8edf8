#include "sys/executable.h"

#include <cstdlib>

#include "sys/file_access.h"

namespace memgate::sys {

std::string find_program(const std::string& argv0) {
  if (argv0.empty()) return {};
  if (argv0.find('/') != std::string::npos) return path_exists(argv0) ? argv0 : std::string{};
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir.push_back('.');  // an empty PATH entry means the current directory
    const std::string candidate = dir.append("/").append(argv0);
    const auto status = file_status(candidate);
    if (status && status->regular && is_executable(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

}  // namespace memgate::sys
