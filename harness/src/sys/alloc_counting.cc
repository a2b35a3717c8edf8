// memgate::alloc_counting (docs/in-process-gates.md, "Allocation counts"): an opt-in layer,
// linked into the executable, that counts allocation calls and their requested bytes under
// any allocator. The executable's definitions of the allocation functions come first in the
// process's symbol lookup, so every caller (the program, libstdc++, glibc's own strdup...)
// reaches them; each counts and forwards to the next definition (dlsym(RTLD_NEXT)): glibc,
// or a linked or preloaded jemalloc, tcmalloc or mimalloc, whose free and delete then
// release the memory as before. Frees are not counted (the live heap comes from the
// allocator's statistics), so free and delete stay untouched.
//
// Counters: one cache-line stripe per live thread, owned by it alone, so a count is a plain
// load and store (no locked instruction; its cost is in docs/in-process-gates.md) and a
// read by any thread is exact at once: each stripe is an atomic read whole, with no
// per-thread buffer to flush (a thread-local destructor cannot be registered from inside
// malloc). A thread gives its stripe back when it ends (a pthread key's destructor);
// threads beyond the stripes, and a thread allocating after its stripe went back, add to
// one shared stripe with atomic adds.
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

extern "C" {
// glibc's own allocator, for the rare allocation dlsym makes while the next definitions are
// being looked up (glibc before 2.34 calls calloc for its error state).
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
}

namespace {

struct alignas(64) Stripe {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> owned{false};
};
constexpr unsigned kStripes = 256;  // threads alive at once that count on a stripe of their own
Stripe stripes[kStripes];
Stripe shared;

// initial-exec: no TLS lookup call (which could allocate) inside malloc.
#define MEMGATE_TLS static thread_local __attribute__((tls_model("initial-exec")))
MEMGATE_TLS Stripe* my_stripe = nullptr;
// Set while an operator new forwards: its allocator's malloc underneath is the same call.
MEMGATE_TLS bool in_new = false;
// Set while this thread looks the next definitions up.
MEMGATE_TLS bool resolving = false;

pthread_key_t release_key;
pthread_once_t release_key_once = PTHREAD_ONCE_INIT;
bool release_key_made = false;

// At a thread's end: later allocations of the thread go to the shared stripe, and its own
// stripe is free for a new thread (which goes on adding to its sums).
void release_stripe(void* stripe) {
  my_stripe = &shared;
  static_cast<Stripe*>(stripe)->owned.store(false, std::memory_order_release);
}

Stripe* claim_stripe() {
  for (Stripe& s : stripes) {
    bool free = false;
    if (s.owned.load(std::memory_order_relaxed) ||
        !s.owned.compare_exchange_strong(free, true, std::memory_order_acquire))
      continue;
    my_stripe = &s;  // first: pthread_setspecific may call calloc, which counts on it
    ::pthread_once(&release_key_once,
                   [] { release_key_made = ::pthread_key_create(&release_key, release_stripe) == 0; });
    if (release_key_made) ::pthread_setspecific(release_key, &s);
    return &s;
  }
  return my_stripe = &shared;
}

void count(std::size_t bytes) {
  if (in_new) return;
  Stripe* s = my_stripe;
  if (__builtin_expect(s == nullptr, 0)) s = claim_stripe();
  if (__builtin_expect(s == &shared, 0)) {
    s->calls.fetch_add(1, std::memory_order_relaxed);
    s->bytes.fetch_add(bytes, std::memory_order_relaxed);
    return;
  }
  // Only this thread writes its stripe: a plain increment, stored whole for readers.
  s->calls.store(s->calls.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  s->bytes.store(s->bytes.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
}

std::size_t product(std::size_t n, std::size_t size) {
  std::size_t total = 0;
  return __builtin_mul_overflow(n, size, &total) ? SIZE_MAX : total;
}

// The next definition of one function, looked up on first use (idempotent, so a race
// between threads only looks it up twice).
template <typename Fn>
class Next {
 public:
  explicit constexpr Next(const char* name) : name_(name) {}
  Fn get() {
    Fn fn = fn_.load(std::memory_order_acquire);
    if (__builtin_expect(fn != nullptr, 1)) return fn;
    resolving = true;
    fn = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name_));
    resolving = false;
    fn_.store(fn, std::memory_order_release);
    return fn;
  }

 private:
  const char* name_;
  std::atomic<Fn> fn_{nullptr};
};

Next<void* (*)(std::size_t)> next_malloc{"malloc"};
Next<void* (*)(std::size_t, std::size_t)> next_calloc{"calloc"};
Next<void* (*)(void*, std::size_t)> next_realloc{"realloc"};
Next<int (*)(void**, std::size_t, std::size_t)> next_posix_memalign{"posix_memalign"};
Next<void* (*)(std::size_t, std::size_t)> next_aligned_alloc{"aligned_alloc"};
Next<void* (*)(std::size_t, std::size_t)> next_memalign{"memalign"};
Next<void* (*)(std::size_t)> next_valloc{"valloc"};
Next<void* (*)(std::size_t)> next_pvalloc{"pvalloc"};

// operator new: the next definition is libstdc++'s (which calls malloc, counted here once
// thanks to in_new) or the allocator's own (tcmalloc, jemalloc, mimalloc define theirs).
template <typename Fn, typename... Args>
void* forward_new(Next<Fn>& next, std::size_t bytes, Args... args) {
  count(bytes);
  in_new = true;
  struct Reset {
    ~Reset() { in_new = false; }  // also when it throws std::bad_alloc
  } reset;
  return next.get()(bytes, args...);
}

using New = void* (*)(std::size_t);
using NewNothrow = void* (*)(std::size_t, const std::nothrow_t&);
using NewAligned = void* (*)(std::size_t, std::align_val_t);
using NewAlignedNothrow = void* (*)(std::size_t, std::align_val_t, const std::nothrow_t&);
Next<New> next_new{"_Znwm"};
Next<New> next_new_array{"_Znam"};
Next<NewNothrow> next_new_nothrow{"_ZnwmRKSt9nothrow_t"};
Next<NewNothrow> next_new_array_nothrow{"_ZnamRKSt9nothrow_t"};
Next<NewAligned> next_new_aligned{"_ZnwmSt11align_val_t"};
Next<NewAligned> next_new_array_aligned{"_ZnamSt11align_val_t"};
Next<NewAlignedNothrow> next_new_aligned_nothrow{"_ZnwmSt11align_val_tRKSt9nothrow_t"};
Next<NewAlignedNothrow> next_new_array_aligned_nothrow{"_ZnamSt11align_val_tRKSt9nothrow_t"};

}  // namespace

extern "C" {

// Read by the gate library (sys/self_memory.cc declares these weak): allocation calls and
// requested bytes so far, whole process.
void memgate_alloc_counts(std::uint64_t* calls, std::uint64_t* bytes) {
  std::uint64_t c = shared.calls.load(std::memory_order_relaxed), b = shared.bytes.load(std::memory_order_relaxed);
  for (const Stripe& s : stripes) {
    c += s.calls.load(std::memory_order_relaxed);
    b += s.bytes.load(std::memory_order_relaxed);
  }
  *calls = c;
  *bytes = b;
}

// The malloc this layer forwards to: the gate finds the allocator (and its statistics) from it.
void* memgate_alloc_counting_next_malloc() { return reinterpret_cast<void*>(next_malloc.get()); }

void* malloc(std::size_t size) noexcept {
  if (__builtin_expect(resolving, 0)) return __libc_malloc(size);
  count(size);
  return next_malloc.get()(size);
}

void* calloc(std::size_t n, std::size_t size) noexcept {
  if (__builtin_expect(resolving, 0)) return __libc_calloc(n, size);
  count(product(n, size));
  return next_calloc.get()(n, size);
}

// A realloc to a non-zero size is one allocation call (it may move the block).
void* realloc(void* p, std::size_t size) noexcept {
  if (size != 0) count(size);
  return next_realloc.get()(p, size);
}

// Over this file's realloc: glibc's reallocarray calls realloc through the lookup, so
// forwarding to it would count twice.
void* reallocarray(void* p, std::size_t n, std::size_t size) noexcept {
  std::size_t total = 0;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, total);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return next_posix_memalign.get()(out, alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return next_aligned_alloc.get()(alignment, size);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return next_memalign.get()(alignment, size);
}

void* valloc(std::size_t size) noexcept {
  count(size);
  return next_valloc.get()(size);
}

void* pvalloc(std::size_t size) noexcept {
  count(size);
  return next_pvalloc.get()(size);
}

}  // extern "C"

void* operator new(std::size_t n) { return forward_new(next_new, n); }
void* operator new[](std::size_t n) { return forward_new(next_new_array, n); }
void* operator new(std::size_t n, const std::nothrow_t& t) noexcept { return forward_new(next_new_nothrow, n, t); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return forward_new(next_new_array_nothrow, n, t);
}
void* operator new(std::size_t n, std::align_val_t a) { return forward_new(next_new_aligned, n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return forward_new(next_new_array_aligned, n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
  return forward_new(next_new_aligned_nothrow, n, a, t);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
  return forward_new(next_new_array_aligned_nothrow, n, a, t);
}
