// --allocator jemalloc --attribute: the heap snapshots from jemalloc's own profiler
// (prof:true, one sample per 2^lg_prof_sample bytes) instead of libmemgate_attrib's
// tables. At each snapshot every live process's probe writes a `prof.dump`
// (allocators/probe.c); it is parsed, unsampled as jeprof does, its addresses turned
// into module offsets through the dump's own mappings, and removed. Under --allocator
// tcmalloc with the full libtcmalloc the probe writes gperftools' heap profile
// (GetHeapProfile, every allocation recorded) instead; the rest is the same.
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "alloc/attrib_recorder.h"
#include "analyze/jemalloc_profile.h"
#include "memgate/error.h"
#include "memgate_probe.h"
#include "sys/pid.h"
#include "sys/read_file.h"

namespace memgate::alloc {

namespace {

// A dump holds one stack line per sampled call stack and the process's maps: a few MiB
// at most for a large program.
constexpr std::size_t kMaxDumpBytes = std::size_t{256} << 20;

// The allocator's own frames (its malloc, the profiler's unwinder) come first in a stack:
// the snapshot starts at the frame that called the allocator, as the sampler's do.
bool is_allocator_module(const std::string& path) {
  return path.find("libjemalloc") != std::string::npos || path.find("libtcmalloc") != std::string::npos;
}

bool running(const ProbeSlot& slot) {
  const auto reading = slot.read();
  return reading && reading->state == MEMGATE_PROBE_RUNNING;
}

}  // namespace

void AttribRecorder::remove_jemalloc_dumps() {
  // A dump that came after its timeout: the snapshot went on without it.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.jeprof_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("jeprof.") && name.ends_with(".heap")) std::filesystem::remove(entry.path(), ec);
  }
}

void AttribRecorder::add_jemalloc_profiles(analyze::HeapSnapshot& snap, std::map<std::string, int>& module_index) {
  sampled_ = 0;
  for (const pid_t pid : list_slot_pids(options_.session))
    if (!slots_.count(pid) && sys::process_exists(pid))
      if (auto slot = ProbeSlot::open(options_.session, pid)) {
        slots_.emplace(pid, std::move(slot));
        ++processes_;
      }
  for (auto it = slots_.begin(); it != slots_.end();) {
    ProbeSlot& slot = *it->second;
    const pid_t pid = it->first;
    if (!sys::process_exists(pid)) {
      it = slots_.erase(it);  // the probe session unlinks the slot itself
      continue;
    }
    ++it;
    // A probe still initialising its slot would clear the request, one exiting never
    // answers it: neither is asked (nor counted as a failure).
    if (!running(slot)) continue;
    const std::uint32_t request = slot.request_dump();
    const auto status = slot.wait_dump(request, options_.dump_timeout_s);
    const std::string path =
        options_.jeprof_dir + "/jeprof." + std::to_string(pid) + "." + std::to_string(request) + ".heap";
    if (!status && !running(slot)) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      continue;
    }
    if (!status || *status != 0) {
      ++dump_failures_;
      dump_problem_ = "pid " + std::to_string(pid) + ": " +
                      (!status ? std::string("no dump within the timeout (the probe did not answer)")
                       : *status == ENOENT && options_.profiler == "tcmalloc"
                           ? std::string("gperftools' heap profiler is not running (HeapProfilerStart was not called)")
                       : *status == ENOENT  ? std::string("jemalloc's profiler is off (a jemalloc built without "
                                                           "--enable-prof, or prof:false in MALLOC_CONF)")
                       : *status == ENOTSUP ? std::string("the allocator has no heap profiler (libtcmalloc_minimal: "
                                                          "use the full libtcmalloc, libgoogle-perftools4)")
                                            : std::string("the heap profile dump failed: ") + std::strerror(*status));
      continue;
    }
    const auto text = sys::try_read_text_file(path, kMaxDumpBytes);
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (!text) {
      ++dump_failures_;
      dump_problem_ = path + ": not readable after the dump";
      continue;
    }
    analyze::JemallocProfile profile;
    try {
      profile = analyze::parse_jemalloc_profile(*text, path);
    } catch (const Error& e) {
      ++dump_failures_;
      dump_problem_ = e.what();
      continue;
    }
    ++dumps_;
    mean_bytes_ = static_cast<double>(profile.period);
    sampled_ += profile.objects;  // reset per snapshot: live samples, not a running total
    const auto maps = analyze::parse_exec_mappings(profile.maps, pid);
    snap.maps.insert(snap.maps.end(), maps.begin(), maps.end());
    snap.processes.push_back({pid, profile.objects, profile.objects, 0, 0});
    for (const auto& stack : profile.stacks) {
      if (stack.objects == 0) continue;
      auto frames = frames_of(stack.addresses, maps, snap, module_index);
      std::size_t own = 0;
      while (own < frames.size() && frames[own].module >= 0 &&
             is_allocator_module(snap.modules[static_cast<std::size_t>(frames[own].module)]))
        ++own;
      frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(own));
      snap.stacks.push_back(
          {pid, stack.objects, analyze::jemalloc_unsampled_bytes(stack.objects, stack.bytes, profile.period), frames});
    }
  }
}

}  // namespace memgate::alloc
