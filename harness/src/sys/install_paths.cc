#include "sys/install_paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sys/file_access.h"

// Set by sys/CMakeLists.txt from cmake/MemgateInstallDirs.cmake and the build's targets.
#if !defined(MEMGATE_INSTALL_BINDIR) || !defined(MEMGATE_INSTALL_LIBEXECDIR) || !defined(MEMGATE_INSTALL_LIBDIR) || \
    !defined(MEMGATE_INSTALL_DATADIR) || !defined(MEMGATE_BUILD_DIR) || !defined(MEMGATE_SOURCE_TREE) ||            \
    !defined(MEMGATE_BUILD_SPAWNER) || !defined(MEMGATE_BUILD_PROBE) || !defined(MEMGATE_BUILD_ATTRIB)
#error "install_paths.cc needs the MEMGATE_INSTALL_* and MEMGATE_BUILD_* definitions of sys/CMakeLists.txt"
#endif

namespace memgate::sys {

namespace {

struct Candidates {
  const char* env;        // the override's variable, or null
  const char* installed;  // relative to the install prefix
  std::string build;      // absolute, in the build (or source) tree
};

Candidates candidates(Part part) {
  switch (part) {
    case Part::spawner: return {nullptr, MEMGATE_INSTALL_LIBEXECDIR "/memgate-spawn", MEMGATE_BUILD_SPAWNER};
    case Part::probe_library:
      return {"MEMGATE_PROBE_LIB", MEMGATE_INSTALL_LIBDIR "/libmemgate_probe.so", MEMGATE_BUILD_PROBE};
    case Part::attrib_library:
      return {"MEMGATE_ATTRIB_LIB", MEMGATE_INSTALL_LIBDIR "/libmemgate_attrib.so", MEMGATE_BUILD_ATTRIB};
    case Part::reports:
      return {"MEMGATE_REPORTS_DIR", MEMGATE_INSTALL_DATADIR "/reports", MEMGATE_SOURCE_TREE "/reports"};
    case Part::pipelines:
      return {"MEMGATE_PIPELINES", MEMGATE_INSTALL_LIBEXECDIR "/pipelines", MEMGATE_BUILD_DIR "/scenarios/pipelines"};
    case Part::scenarios: return {nullptr, MEMGATE_INSTALL_DATADIR "/scenarios", MEMGATE_SOURCE_TREE "/scenarios"};
    case Part::schemas: return {nullptr, MEMGATE_INSTALL_DATADIR "/schemas", MEMGATE_SOURCE_TREE "/docs/schemas"};
    case Part::pyhook:
      return {"MEMGATE_PYHOOK_DIR", MEMGATE_INSTALL_DATADIR "/pyhook", MEMGATE_SOURCE_TREE "/harness/pyhook"};
  }
  return {nullptr, "", ""};
}

bool exists(const std::string& path) { return is_readable(path); }

// The install prefix of an executable in PREFIX/BINDIR, else "".
std::string prefix_of(const std::filesystem::path& exe_dir) {
  const std::filesystem::path bindir = MEMGATE_INSTALL_BINDIR;
  auto dir = exe_dir;
  for (auto it = bindir.end(); it != bindir.begin();) {
    if (dir.filename() != *--it) return "";
    dir = dir.parent_path();
  }
  return dir.string();
}

// PREFIX/RELATIVE; an absolute GNUInstallDirs path (-DCMAKE_INSTALL_LIBDIR=/opt/...) stays as it is.
std::string under(const std::filesystem::path& prefix, const char* relative) {
  return (prefix / relative).lexically_normal().string();
}

bool inside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const std::string canonical = std::filesystem::weakly_canonical(dir, ec).string();
  return !canonical.empty() && path.starts_with(canonical + "/");
}

std::string self_exe() {
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  return n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

PartLocation locate_for(Part part, const std::string& exe, const char* env_value) {
  const Candidates c = candidates(part);
  if (c.env && env_value && *env_value) return {env_value, std::string("$") + c.env, exists(env_value)};
  const std::filesystem::path exe_dir = std::filesystem::path(exe).parent_path();
  const bool in_build_tree = inside(exe, MEMGATE_BUILD_DIR);
  // memgate-spawn may also sit next to memgate (a copied pair of binaries; memgate's build dir).
  if (part == Part::spawner && exists((exe_dir / "memgate-spawn").string()))
    return {(exe_dir / "memgate-spawn").string(), in_build_tree ? "build tree" : "installed", true};
  const std::string prefix = prefix_of(exe_dir);
  const std::string installed =
      under(prefix.empty() ? exe_dir.parent_path() : std::filesystem::path(prefix), c.installed);
  if (!prefix.empty() && exists(installed)) return {installed, "installed", true};
  if (in_build_tree && exists(c.build)) return {c.build, "build tree", true};
  // Not there: name where it belongs for this memgate (a build-tree memgate's part is
  // missing from the build, e.g. the pipelines under MEMGATE_PIPELINES=OFF).
  return {in_build_tree ? c.build : installed, "not found", false};
}

PartLocation locate(Part part) {
  // Not cached: tests and scripts set the overrides at run time; a lookup is a few access(2) calls.
  const char* env = candidates(part).env;
  return locate_for(part, self_exe(), env ? std::getenv(env) : nullptr);
}

const std::vector<NamedPart>& all_parts() {
  static const std::vector<NamedPart> parts = {
      {"memgate-spawn", Part::spawner},
      {"probe library", Part::probe_library},
      {"heap sampler library", Part::attrib_library},
      {"report scripts", Part::reports},
      {"pipelines", Part::pipelines},
      {"scenarios", Part::scenarios},
      {"schemas", Part::schemas},
      {"Python startup hook", Part::pyhook},
  };
  return parts;
}

}  // namespace memgate::sys
