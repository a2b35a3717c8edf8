// A user's benchmarks with memgate's MemoryManager: Benchmark's own output carries the
// memory figures (--benchmark_format=json: max_bytes_used, net_heap_growth, allocs_per_iter).
#include <benchmark/benchmark.h>
#include <memgate/benchmark.h>

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
