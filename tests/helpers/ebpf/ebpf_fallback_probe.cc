// What `memgate run --ebpf auto` does without privileges, in miniature: ask whether eBPF
// can run, try to start it anyway (it must refuse with a reason, not crash), then
// sample this process from /proc instead. Prints one line per step; exit 0 when the
// /proc fallback produced samples.
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "ebpf/ebpf_sampler.h"
#include "memgate/error.h"
#include "sample/proc_sampler.h"

namespace {
struct NullSink : memgate::EventSink {
  void event(double, std::string_view, nlohmann::json) override {}
};
}  // namespace

int main() {
  const memgate::Support support = memgate::ebpf_support();
  std::printf("ebpf supported: %s%s%s\n", support.ok ? "yes" : "no", support.ok ? "" : " - ", support.reason.c_str());
  NullSink sink;
  auto sampler = memgate::make_ebpf_sampler({});
  try {
    sampler->start(::getpid(), sink);
    std::printf("ebpf start: attached\n");
  } catch (const memgate::Error& e) {
    std::printf("ebpf start: refused (exit code %d): %s\n", static_cast<int>(e.code()), e.what());
  }
  memgate::sample::ProcSampler proc(::getpid());
  std::vector<memgate::ProcessSample> processes;
  std::uint64_t rss = 0;
  int samples = 0;
  for (int i = 0; i < 3; ++i) {
    rss = proc.sample(i * 0.1, false, processes).rss_bytes;
    if (rss > 0) ++samples;
  }
  std::printf("proc fallback: samples=%d rss_bytes=%llu\n", samples, static_cast<unsigned long long>(rss));
  return samples == 3 ? 0 : 1;
}
