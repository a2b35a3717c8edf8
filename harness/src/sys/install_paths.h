// Where memgate's parts are at run time (docs/architecture.md "Installed layout"): an
// environment override when set, else relative to the running executable in the
// installed GNUInstallDirs layout, else the build tree when memgate runs from it. The
// one place that knows these paths: nothing else embeds a build or install directory.
#pragma once

#include <string>
#include <vector>

namespace memgate::sys {

enum class Part { spawner, probe_library, attrib_library, reports, pipelines, scenarios, schemas, pyhook };

struct PartLocation {
  std::string path;   // where the part is; when !found, where it was looked for
  std::string where;  // "$MEMGATE_PROBE_LIB", "installed", "build tree" or "not found"
  bool found = false;
};

// The part for the running executable (/proc/self/exe) and the current environment.
PartLocation locate(Part part);

// The same lookup for an executable at EXE with the override ENV_VALUE (may be null):
// the pure-ish core, for tests.
PartLocation locate_for(Part part, const std::string& exe, const char* env_value);

struct NamedPart {
  const char* name;  // "memgate-spawn", "probe library", ... (memgate doctor)
  Part part;
};
const std::vector<NamedPart>& all_parts();

}  // namespace memgate::sys
