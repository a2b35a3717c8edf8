// cgroup parsers (sys/cgroup_parse.h): any bytes a cgroup file, mountinfo,
// /proc/self/cgroup or the kernel log may hold give figures or memgate::Error (the flat
// keyed files, memory.pressure, single values), never another exception or an
// out-of-bounds read.
#include <cmath>
#include <string>

#include "fuzz_support.h"
#include "memgate/error.h"
#include "sys/cgroup_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace memgate;
  const std::string_view text = fuzz::as_text(data, size);
  try {
    const auto keyed = sys::parse_flat_keyed(text, "memory.events");
    FUZZ_CHECK(keyed.size() <= size / 3 + 1, "flat keyed: more keys than lines could hold");
  } catch (const Error&) {
  }
  try {
    const auto p = sys::parse_pressure(text, "memory.pressure");
    for (double v : {p.some.avg10, p.some.avg60, p.some.avg300, p.full.avg10, p.full.avg60, p.full.avg300})
      FUZZ_CHECK(v >= 0 && !std::isnan(v), "pressure: a negative or NaN average");
  } catch (const Error&) {
  }
  try {
    sys::parse_limit_value(text, "memory.max");
  } catch (const Error&) {
  }
  const auto mounts = sys::parse_mountinfo(text);
  FUZZ_CHECK(mounts.v2.size() == mounts.v2_roots.size(), "mountinfo: a v2 mount without its root");
  const auto own = sys::parse_proc_cgroup(text);
  FUZZ_CHECK(own.v2.size() <= size && own.v1_memory.size() <= size, "proc cgroup: a path longer than the input");
  sys::KernelOomParser oom;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t eol = std::min(text.find('\n', at), text.size());
    oom.line(text.substr(at, eol - at));
    at = eol + 1;
  }
  for (const auto& k : oom.kills()) {
    FUZZ_CHECK(k.pid > 0, "kernel log: a kill without a pid");
    FUZZ_CHECK(k.has_rss || k.rss_bytes == 0, "kernel log: RSS without a Killed process line");
  }
  FUZZ_CHECK(oom.kills().size() <= 64, "kernel log: more kills kept than the bound");
  return 0;
}
