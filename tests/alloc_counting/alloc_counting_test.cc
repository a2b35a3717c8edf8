// The opt-in allocation counts (memgate::alloc_counting, harness/src/sys/alloc_counting.cc):
// a known number of calls of each allocation function is counted exactly, once (operator new
// over libstdc++'s malloc is not counted twice), from any thread, and the gate's Window and
// allocator detection see them. A program of its own: the layer defines the executable's
// malloc, which the other test programs must not get. Always plain (MEMGATE_UNINSTRUMENTED).
// Under a preloaded tcmalloc or mimalloc every count holds as well (the last test then names
// that allocator instead of glibc); jemalloc defines no pvalloc, so glibc's pvalloc hands its
// free a foreign block there with or without this layer.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "gate/self.h"
#include "memgate/gate.h"

extern "C" void memgate_alloc_counts(std::uint64_t* calls, std::uint64_t* bytes);

namespace {

// Keeps the compiler from eliding an allocation whose result is unused.
void escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

struct Counts {
  std::uint64_t calls = 0, bytes = 0;
  static Counts now() {
    Counts c;
    memgate_alloc_counts(&c.calls, &c.bytes);
    return c;
  }
};

// Runs fn and returns the calls and bytes it was counted for.
template <typename Fn>
Counts counted(Fn fn) {
  const Counts before = Counts::now();
  fn();
  const Counts after = Counts::now();
  return {after.calls - before.calls, after.bytes - before.bytes};
}

TEST(AllocCounting, ThousandMallocsAreThousandCalls) {
  const Counts c = counted([] {
    for (int i = 0; i < 1000; ++i) {
      void* p = std::malloc(100);
      escape(p);
      std::free(p);
    }
  });
  EXPECT_EQ(c.calls, 1000u);
  EXPECT_EQ(c.bytes, 100000u);
}

// One allocation function's call, escaped and freed; the calls and bytes it should count.
struct Call {
  const char* name;
  void* (*allocate)();
  std::uint64_t calls, bytes;
};

TEST(AllocCounting, EachAllocationFunctionCountsOnce) {
  const Call calls[] = {
      {"calloc(10, 8)", [] { return std::calloc(10, 8); }, 1, 80},
      {"malloc(16), realloc to 4096", [] { return std::realloc(std::malloc(16), 4096); }, 2, 16 + 4096},
      {"reallocarray(nullptr, 4, 25)", [] { return ::reallocarray(nullptr, 4, 25); }, 1, 100},
      {"posix_memalign(64, 256)",
       [] {
         void* p = nullptr;
         return ::posix_memalign(&p, 64, 256) == 0 ? p : nullptr;
       },
       1, 256},
      {"aligned_alloc(64, 256)", [] { return std::aligned_alloc(64, 256); }, 1, 256},
      {"memalign(64, 128)", [] { return ::memalign(64, 128); }, 1, 128},
      {"valloc(100)", [] { return ::valloc(100); }, 1, 100},
      {"pvalloc(100)", [] { return ::pvalloc(100); }, 1, 100},
      // glibc's own functions reach the program's malloc through the usual lookup.
      {"strdup(\"counted\")", [] { return static_cast<void*>(::strdup("counted")); }, 1, 8},
  };
  for (const Call& call : calls) {
    const Counts c = counted([&] {
      void* p = call.allocate();
      ASSERT_NE(p, nullptr) << call.name;
      escape(p);
      std::free(p);
    });
    EXPECT_EQ(c.calls, call.calls) << call.name;
    EXPECT_EQ(c.bytes, call.bytes) << call.name;
  }
}

// Each new escapes: a new-expression whose result is unused may be elided ([expr.new]).
template <typename T, typename... Args>
void new_delete(Args... args) {
  T* p = new T(args...);
  escape(p);
  delete p;
}

TEST(AllocCounting, OperatorNewCountsOnceOverItsMalloc) {
  const Counts plain = counted([] { new_delete<int>(1); });
  EXPECT_EQ(plain.calls, 1u);
  EXPECT_EQ(plain.bytes, sizeof(int));
  EXPECT_EQ(counted([] {
              char* p = new char[300];
              escape(p);
              delete[] p;
            }).bytes,
            300u);
  EXPECT_EQ(counted([] {
              long* p = new (std::nothrow) long(2);
              escape(p);
              delete p;
            }).calls,
            1u);
  struct alignas(128) Wide {
    char bytes[256];
  };
  const Counts aligned = counted([] { new_delete<Wide>(); });  // operator new(size, align_val_t)
  EXPECT_EQ(aligned.calls, 1u);
  EXPECT_EQ(aligned.bytes, sizeof(Wide));
}

void mallocs(int n) {
  for (int i = 0; i < n; ++i) {
    void* p = std::malloc(32);
    escape(p);
    std::free(p);
  }
}

// Threads at once each count on their own stripe: the process count has every call of each.
TEST(AllocCounting, ConcurrentThreadsLoseNoCount) {
  const Counts c = counted([] {
    std::vector<std::thread> workers;
    for (int t = 0; t < 8; ++t) workers.emplace_back(mallocs, 20000);
    for (auto& w : workers) w.join();
  });
  EXPECT_GE(c.calls, 160000u);
  EXPECT_LE(c.calls, 160000u + 8 * 4);  // the threads' states, the vector, glibc's new arenas
}

// More threads in turn than there are stripes (256): an ended thread's stripe goes to a later
// one, which goes on adding to its sums, or a later one counts on the shared stripe; either
// way nothing is lost.
TEST(AllocCounting, MoreThreadsThanStripesCountExactly) {
  const Counts c = counted([] {
    for (int t = 0; t < 600; ++t) std::thread(mallocs, 10).join();
  });
  // And one per std::thread (its state), and now and then glibc's calloc of a thread's TLS
  // vector when it cannot reuse a cached stack (6601 seen once in five runs).
  EXPECT_GE(c.calls, 6000u + 600);
  EXPECT_LE(c.calls, 6000u + 600 + 16);
}

TEST(AllocCounting, TheGateWindowReportsTheCountsAndStillFindsGlibc) {
  const auto& memory = memgate::gate::self_memory();
  EXPECT_TRUE(memory.counting());
  // The program's malloc is the layer's; the allocator behind it is still glibc.
  EXPECT_EQ(memory.source(), memgate::sys::HeapSource::glibc) << memory.source_text();
  memgate::gate::Window window;
  window.start();
  for (int i = 0; i < 1000; ++i) {
    void* p = std::malloc(64);
    escape(p);
    std::free(p);
  }
  const auto f = window.stop();
  ASSERT_TRUE(f.allocations);
  ASSERT_TRUE(f.allocated_bytes);
  EXPECT_EQ(*f.allocations, 1000);
  EXPECT_EQ(*f.allocated_bytes, 64000);
}

}  // namespace
