// Cost of one /proc sample of a target with 1,000 open fds and 16 threads, with and
// without PSS (issue target: <= 50 us without PSS, so 1 kHz sampling costs <= 5 % of a core).
//   build/tests/bench/memgate_proc_sample_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <optional>
#include <thread>

#include "sample/proc_sampler.h"
#include "sys/child.h"

namespace {

memgate::sys::Child& target(int children) {
  static std::optional<memgate::sys::Child> single, tree;
  auto& slot = children ? tree : single;
  if (!slot) {
    slot.emplace(memgate::sys::Child::spawn(
        {{std::string(MEMGATE_HELPERS_DIR) + "/memhog", "--alloc-mib", "64", "--fds", "1000", "--threads", "16",
          "--children", std::to_string(children), "--child-mib", "16", "--hold-s", "600"},
         {},
         ""}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let it allocate and open
  }
  return *slot;
}

void sample(benchmark::State& state, bool with_pss, int children) {
  memgate::sample::ProcSampler sampler(target(children).pid());
  std::vector<memgate::ProcessSample> processes;
  double t = 0;
  memgate::TreeSample last;
  for (auto _ : state) {
    last = sampler.sample(t, with_pss, processes);
    t += 0.001;  // 1 kHz: the tree is rediscovered every 100th sample, as in a run
    benchmark::DoNotOptimize(last);
  }
  state.counters["fds"] = last.fds;
  state.counters["threads"] = last.threads;
  state.counters["processes"] = last.processes;
}

void BM_Sample_1000fds_16threads(benchmark::State& s) { sample(s, false, 0); }
void BM_Sample_1000fds_16threads_WithPss(benchmark::State& s) { sample(s, true, 0); }
void BM_Sample_Tree_4processes(benchmark::State& s) { sample(s, false, 3); }

BENCHMARK(BM_Sample_1000fds_16threads)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Sample_1000fds_16threads_WithPss)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Sample_Tree_4processes)->Unit(benchmark::kMicrosecond);

}  // namespace
