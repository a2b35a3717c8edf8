#include "alloc/allocator_setup.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "alloc/alloc_config.h"
#include "alloc/allocator_table.h"
#include "alloc/attrib_recorder.h"
#include "alloc/executable_check.h"
#include "alloc/knob_check.h"
#include "memgate/error.h"
#include "memgate_attrib.h"
#include "memgate_probe.h"
#include "sys/file_access.h"
#include "sys/install_paths.h"
#include "sys/read_file.h"

namespace memgate::alloc {
namespace {

[[noreturn]] void usage(const std::string& message) { throw Error(ExitCode::usage, message); }

bool readable(const std::string& path) { return !path.empty() && sys::is_readable(path); }

bool is_elf(const std::string& path) {
  const auto head = sys::read_file_head(path, 4);
  return head && head->size() == 4 &&
         std::memcmp(head->data(),
                     "\x7f"
                     "ELF",
                     4) == 0;
}

// ld.so splits LD_PRELOAD on spaces and colons.
void check_preloadable(const std::string& path, const std::string& what) {
  if (path.find_first_of(": ") != std::string::npos)
    usage(what + " path '" + path +
          "' contains ':' or ' ', which LD_PRELOAD cannot carry: copy or link it to a plain path");
}

// One of memgate's own preload libraries: $ENV_VAR, else the installed or built one
// (sys/install_paths.h).
std::string own_library(sys::Part part, const char* env_var, const std::string& what, const std::string& target,
                        const std::string& file) {
  const sys::PartLocation at = sys::locate(part);
  if (!at.found || !readable(at.path))
    usage(what + " " + at.path + " not found: install memgate (cmake --install), build the " + target +
          " target, or set " + env_var + " to " + file);
  return at.path;
}

// MALLOC_CONF with jemalloc's profiler on, after the user's own options (--alloc-env, else
// memgate's environment; later options win in jemalloc): one sample per 2^lg_prof_sample
// bytes, the power of two nearest MEMGATE_ATTRIB_MEAN_BYTES (default 512 KiB, 2^19).
std::string jemalloc_profile_conf(std::vector<std::string>& env_set) {
  std::string conf;
  const auto given =
      std::find_if(env_set.begin(), env_set.end(), [](const std::string& e) { return e.starts_with("MALLOC_CONF="); });
  if (given != env_set.end()) {
    conf = given->substr(std::strlen("MALLOC_CONF="));
    env_set.erase(given);
  } else if (const char* inherited = std::getenv("MALLOC_CONF")) {
    conf = inherited;
  }
  double mean = kAttribMeanBytes;
  if (const char* m = std::getenv(MEMGATE_ATTRIB_ENV_MEAN)) mean = std::strtod(m, nullptr);
  const int lg = std::clamp(static_cast<int>(std::lround(std::log2(std::max(mean, 1.0)))), 0, 40);
  return "MALLOC_CONF=" + conf + (conf.empty() ? "" : ",") +
         "prof:true,prof_active:true,lg_prof_sample:" + std::to_string(lg);
}

}  // namespace

std::string probe_library_path() {
  return own_library(sys::Part::probe_library, "MEMGATE_PROBE_LIB", "allocator probe", "memgate_probe",
                     "libmemgate_probe.so");
}

std::string attrib_library_path() {
  return own_library(sys::Part::attrib_library, "MEMGATE_ATTRIB_LIB", "heap sampler", "memgate_attrib",
                     "libmemgate_attrib.so");
}

std::string jeprof_dir_env(const std::string& attribution_dir) {
  return std::string(MEMGATE_PROBE_ENV_JEPROF_DIR) + "=" + attribution_dir + "/" + kJeprofDir;
}

AllocatorSetup prepare_allocator(const AllocatorRequest& request) {
  AllocatorSetup setup;
  const bool custom = request.allocator.find('/') != std::string::npos || request.allocator.ends_with(".so") ||
                      request.allocator.find(".so.") != std::string::npos;
  const AllocatorInfo* info = custom ? nullptr : find_allocator(request.allocator);
  if (!custom && !info)
    usage("unknown allocator '" + request.allocator + "': use one of " + allocator_names() + ", or a path to a .so");
  if (request.purge_every_s < 0) usage("--purge-every must be >= 0 seconds (0: purge only at phase boundaries)");

  if (custom) {
    if (!readable(request.allocator))
      usage("allocator library " + request.allocator + " not found or unreadable: check the path");
    if (!is_elf(request.allocator))
      usage("allocator library " + request.allocator + " is not an ELF shared object: give the .so file");
    setup.allocator = request.allocator;
    setup.library = request.allocator;
  } else {
    setup.allocator = std::string(info->name);
    setup.library = std::string(info->library);
    if (info->name != "glibc" && info->version == 0)
      usage(setup.allocator + " was not found when memgate was built: " + std::string(info->install_hint) +
            " (or pass --allocator /path/to/lib" + setup.allocator + ".so)");
    if (info->name != "glibc" && !readable(setup.library))
      usage(setup.allocator + " library " + setup.library + " is missing now (it was there at build time): " +
            std::string(info->install_hint) + " (or pass --allocator PATH.so)");
  }
  // Under tcmalloc, --attribute uses gperftools' heap profiler where the full libtcmalloc
  // is installed (libgoogle-perftools4; libtcmalloc_minimal has no profiler): the same
  // allocator with the profiler built in, started by the probe.
  const bool tcmalloc_profile =
      request.attribute && !custom && setup.allocator == "tcmalloc" && readable(config::kTcmallocFullLib);
  if (tcmalloc_profile) {
    setup.library = config::kTcmallocFullLib;
    // No dumps of the profiler's own every 1 GiB allocated or 100 MiB in use: memgate's
    // snapshots ask for them.
    setup.env_set.push_back("HEAP_PROFILE_ALLOCATION_INTERVAL=0");
    setup.env_set.push_back("HEAP_PROFILE_INUSE_INTERVAL=0");
  } else if (request.attribute && !custom && setup.allocator == "tcmalloc") {
    setup.warnings.push_back(
        "the full libtcmalloc (gperftools' heap profiler) was not found when memgate was built: "
        "--attribute samples through libmemgate_attrib (apt-get install libgoogle-perftools4, "
        "then re-run cmake, for the profiler)");
  }
  if (!setup.library.empty()) check_preloadable(setup.library, "allocator");

  for (const auto& entry : request.alloc_env) {
    auto checked = check_alloc_env(info, entry);
    setup.env_set.push_back(std::move(checked.entry));
    for (auto& w : checked.warnings) setup.warnings.push_back(std::move(w));
  }

  // LD_PRELOAD must reach the target for anything but plain glibc.
  const ExecutableFacts facts = inspect_executable(request.target);
  if (const auto blocker = preload_blocker(facts)) {
    if (!setup.library.empty())
      usage(*blocker + ", so " + setup.allocator +
            " cannot be put under it: use --allocator glibc or a dynamically linked build");
    if (request.purge_every_s > 0)
      usage(*blocker + ", so the allocator probe cannot load and --purge-every cannot work: drop --purge-every");
    if (request.purge_at_phases.enabled())
      usage(*blocker + ", so the allocator probe cannot load and phase purges cannot work: drop --purge-at-phases");
    if (request.attribute)
      usage(*blocker + ", so the heap sampler cannot load and --attribute cannot work: drop --attribute");
    setup.warnings.push_back(*blocker + ": no allocator probe (heap figures and the allocator check are skipped)");
    return setup;  // glibc, nothing to preload: the knobs alone still apply
  }

  const std::string probe = probe_library_path();
  check_preloadable(probe, "probe");
  std::string preload =
      setup.library.empty() ? probe : setup.library + ":" + probe;  // allocator first: it must win malloc
  // Under jemalloc, --attribute uses jemalloc's own profiler (dumped by the probe) rather
  // than the interposing sampler: prof:true at the same sampling mean.
  const bool jemalloc_profile = request.attribute && !custom && setup.allocator == "jemalloc";
  if (jemalloc_profile) {
    setup.env_set.push_back(jemalloc_profile_conf(setup.env_set));
  } else if (request.attribute && !tcmalloc_profile) {
    // The sampler goes before the allocator: its malloc wraps the allocator's, which it
    // finds as the next definition (RTLD_NEXT).
    const std::string attrib = attrib_library_path();
    check_preloadable(attrib, "heap sampler");
    preload = attrib + ":" + preload;
    // MEMGATE_ATTRIB_MEAN_BYTES in memgate's own environment reaches the target as it is
    // (a finer sampling for tests and accuracy studies, docs/attribution.md).
    if (!std::getenv(MEMGATE_ATTRIB_ENV_MEAN))
      setup.env_set.push_back(std::string(MEMGATE_ATTRIB_ENV_MEAN) + "=" +
                              std::to_string(static_cast<long>(kAttribMeanBytes)));
  }
  if (const char* existing = std::getenv("LD_PRELOAD"); existing && *existing) preload += std::string(":") + existing;
  const std::string session = new_probe_session();
  setup.env_set.push_back("LD_PRELOAD=" + preload);
  setup.env_set.push_back(std::string(MEMGATE_PROBE_ENV_SESSION) + "=" + session);
  setup.env_set.push_back(std::string(MEMGATE_PROBE_ENV_INTERVAL) + "=" + std::to_string(request.probe_interval_ms));

  ProbeSamplerOptions options;
  options.session = session;
  options.expected_allocator = custom ? "" : setup.allocator;
  options.expected_library = custom ? setup.library : "";
  options.purge_every_s = request.purge_every_s;
  options.purge_at_phases = request.purge_at_phases;
  options.jemalloc_profile = jemalloc_profile || tcmalloc_profile;
  setup.probe = std::move(options);
  return setup;
}

}  // namespace memgate::alloc
