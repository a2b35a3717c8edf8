// The `--attribute` accuracy target: leaks known amounts at three known call sites, at
// a constant rate in time, while churning short-lived blocks on two threads and, every
// two seconds, holding 8 MiB at a fourth site for half a second (growth that comes
// back). Leaked blocks are chained through their own first word, so keeping them
// allocates nothing else.
//
//   leak_sites SECONDS        prints "site <name> line <N> bytes_per_s <R>" per leak site
//   leak_sites --stress SECONDS   threads and forks hammering every allocation function
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr double kRateA = 1.5 * (1 << 20), kRateB = 1 << 20, kRateC = 0.5 * (1 << 20);  // bytes/s per site
constexpr std::size_t kSizeA = 4000, kSizeB = 1200, kSizeC = 256 << 10;
void* chain = nullptr;
int line_a = 0, line_b = 0, line_c = 0;

void keep(void* p, std::size_t n) {
  if (!p) std::exit(4);
  std::memset(p, 1, n);  // resident, so RSS grows as the heap does
  *static_cast<void**>(p) = chain;
  chain = p;
}

// Each allocation and the __LINE__ the test expects share one line.
// clang-format off
__attribute__((noinline)) void leak_geometries() { keep(std::malloc(kSizeA), kSizeA); line_a = __LINE__; }
__attribute__((noinline)) void leak_sessions() { keep(std::calloc(1, kSizeB), kSizeB); line_b = __LINE__; }
__attribute__((noinline)) void leak_buffers() { void* p = nullptr; if (posix_memalign(&p, 64, kSizeC) != 0) std::exit(4); keep(p, kSizeC); line_c = __LINE__; }
// clang-format on

__attribute__((noinline)) std::vector<void*> burst_hold() {
  std::vector<void*> held;
  held.reserve(128);
  for (int i = 0; i < 128; ++i) held.push_back(std::malloc(64 << 10));
  return held;
}

std::atomic<bool> stop{false};

void churn() {
  std::vector<void*> ring(256, nullptr);
  std::size_t i = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    void*& p = ring[i++ % ring.size()];
    std::free(p);
    p = std::malloc(16 + (i * 37) % 2000);
    if (i % 64 == 0) p = std::realloc(p, 3000);
  }
  for (void* p : ring) std::free(p);
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

int leak(double seconds) {
  leak_geometries(), leak_sessions(), leak_buffers();  // learn the lines
  std::printf(
      "site leak_geometries line %d bytes_per_s %.0f\nsite leak_sessions line %d bytes_per_s %.0f\n"
      "site leak_buffers line %d bytes_per_s %.0f\n",
      line_a, kRateA, line_b, kRateB, line_c, kRateC);
  std::fflush(stdout);
  std::thread t1(churn), t2(churn);
  const double start = now_s();
  double done_a = 0, done_b = 0, done_c = 0;
  std::vector<void*> burst;
  double burst_until = 0;
  for (double t = 0; t < seconds; t = now_s() - start) {
    for (; done_a < kRateA * t; done_a += kSizeA) leak_geometries();
    for (; done_b < kRateB * t; done_b += kSizeB) leak_sessions();
    for (; done_c < kRateC * t; done_c += kSizeC) leak_buffers();
    if (burst.empty() && static_cast<long>(t) % 2 == 1) {
      burst = burst_hold();
      burst_until = t + 0.5;
    } else if (!burst.empty() && t >= burst_until && static_cast<long>(t) % 2 == 0) {
      for (void* p : burst) std::free(p);
      burst.clear();
    }
    usleep(2000);
  }
  stop = true;
  t1.join(), t2.join();
  return 0;
}

// Every allocation function from many threads, and forks whose children allocate too:
// the sampler must neither deadlock nor crash nor lose its table.
int stress(double seconds) {
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([k] {
      std::vector<void*> ring(512, nullptr);
      for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        void*& p = ring[(i * 7 + static_cast<std::size_t>(k)) % ring.size()];
        std::free(p);
        switch (i % 6) {
          case 0: p = std::malloc(i % 5000 + 1); break;
          case 1: p = std::calloc(3, i % 700 + 1); break;
          case 2: p = std::realloc(std::malloc(32), i % 9000 + 1); break;
          case 3:
            if (posix_memalign(&p, 128, i % 3000 + 1) != 0) p = nullptr;
            break;
          case 4: p = aligned_alloc(64, 64 * (i % 100 + 1)); break;
          default: p = std::malloc(100000); break;
        }
      }
      for (void* p : ring) std::free(p);
    });
  const double start = now_s();
  int children = 0;
  while (now_s() - start < seconds) {
    const pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < 20000; ++i) std::free(std::malloc(static_cast<std::size_t>(i % 4000 + 1)));
      _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 5;
    ++children;
    usleep(100000);
  }
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("stress children %d\n", children);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--stress") == 0) return stress(std::atof(argv[2]));
  return leak(argc > 1 ? std::atof(argv[1]) : 8.0);
}
