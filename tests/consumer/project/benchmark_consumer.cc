// A user's benchmarks with memgate's MemoryManager: Benchmark's own output carries the
// memory figures (--benchmark_format=json: max_bytes_used, net_heap_growth, allocs_per_iter).
// Built twice: consumer_benchmark_counted also links memgate::alloc_counting.
#include <benchmark/benchmark.h>
#include <memgate/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace {

std::vector<std::unique_ptr<char[]>> kept;

void BM_KeepsMemory(benchmark::State& state) {
  for (auto _ : state) kept.push_back(std::make_unique<char[]>(4096));
}
BENCHMARK(BM_KeepsMemory)->Iterations(256);

void BM_FreesMemory(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::make_unique<char[]>(4096));
}
BENCHMARK(BM_FreesMemory)->Iterations(256);

// Exactly 1000 allocation calls per iteration: allocs_per_iter is 1000 with
// memgate::alloc_counting linked, under any allocator (plus Benchmark's own few per run).
void BM_ThousandMallocs(benchmark::State& state) {
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      void* p = std::malloc(64);
      benchmark::DoNotOptimize(p);
      std::free(p);
    }
  }
}
BENCHMARK(BM_ThousandMallocs)->Iterations(16);

// One malloc and free: the cost the counting layer adds per call (time, not memory).
void BM_MallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::malloc(64);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
BENCHMARK(BM_MallocFree);

}  // namespace

int main(int argc, char** argv) {
  memgate::BenchmarkMemoryManager memory;
  benchmark::RegisterMemoryManager(&memory);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::RegisterMemoryManager(nullptr);
  benchmark::Shutdown();
  return 0;
}
