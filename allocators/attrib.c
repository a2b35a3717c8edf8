/* libmemgate_attrib.so: the `--attribute` heap sampler. Preloaded first (before the
 * allocator under test and the probe), it interposes malloc, calloc, realloc, free and
 * the aligned variants, passes every call to the next definition (glibc, jemalloc,
 * mimalloc, tcmalloc), and samples about one allocation per MEMGATE_ATTRIB_MEAN_BYTES
 * bytes with its call stack into a shared-memory table memgate reads at snapshot time
 * (memgate_attrib.h). See docs/attribution.md.
 *
 * Rules this file keeps:
 * - No allocation of its own inside a hook: the table is one shm mapping; a thread in a
 *   hook (or the unwinder it calls) that allocates again passes straight through.
 * - Lock-free: sampled pointers are inserted and removed with compare-and-swap.
 * - Fork-safe: a forked child maps a fresh table for its own pid.
 * - No fd stays open, no thread, no signal handler. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "memgate_attrib.h"
#include "memgate_probe.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))
#define LIKELY(x) __builtin_expect(!!(x), 1)

typedef void* (*malloc_fn)(size_t);
typedef void (*free_fn)(void*);
typedef void* (*calloc_fn)(size_t, size_t);
typedef void* (*realloc_fn)(void*, size_t);
typedef int (*posix_memalign_fn)(void**, size_t, size_t);
typedef void* (*memalign_fn)(size_t, size_t);
typedef void* (*valloc_fn)(size_t);

static struct {
  malloc_fn malloc;
  free_fn free;
  calloc_fn calloc;
  realloc_fn realloc;
  posix_memalign_fn posix_memalign;
  memalign_fn aligned_alloc;
  memalign_fn memalign;
  valloc_fn valloc;
  valloc_fn pvalloc;
} real;

static struct memgate_attrib_table* table; /* NULL: not under memgate, pass through */
static char session[72];
static double mean_bytes = 524288.0;

static TLS int64_t until_sample; /* bytes this thread may allocate before the next sample */
static TLS bool thread_ready;
static TLS bool in_hook; /* this thread is inside the sampler: allocations pass through */
static TLS int in_new;   /* inside operator new/delete: the malloc/free it calls is not counted again */
static TLS uint64_t rng;

/* ---- resolving the next definitions --------------------------------------------- */

/* dlsym may allocate (its error state) before `real` is known: those few calls are
 * served from this buffer and never freed. */
static char bootstrap[8192] __attribute__((aligned(64)));
static size_t bootstrap_used;
static bool resolving;

static void* bootstrap_alloc(size_t n) {
  n = (n + 63) & ~(size_t)63;
  if (bootstrap_used + n > sizeof bootstrap) return NULL;
  void* p = bootstrap + bootstrap_used;
  bootstrap_used += n;
  return p; /* zeroed: static storage, never reused */
}

static bool from_bootstrap(const void* p) {
  return (const char*)p >= bootstrap && (const char*)p < bootstrap + sizeof bootstrap;
}

static void resolve(void) {
  if (real.malloc) return;
  resolving = true;
  real.calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
  real.free = (free_fn)dlsym(RTLD_NEXT, "free");
  real.realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
  real.posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
  real.aligned_alloc = (memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
  real.memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
  real.valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
  real.pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
  malloc_fn m = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
  resolving = false;
  __atomic_store_n(&real.malloc, m, __ATOMIC_RELEASE);
}

/* ---- sampling --------------------------------------------------------------------- */

static uint64_t next_random(void) {
  if (!rng) rng = ((uint64_t)(uintptr_t)&rng * 0x9E3779B97F4A7C15ull) ^ (uint64_t)clock();
  rng ^= rng << 13; /* xorshift64 */
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Bytes until the next sample: exponential with mean `mean_bytes`. */
static int64_t draw_step(void) {
  const double u = ((double)(next_random() >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0,1) */
  const double step = -log(u) * mean_bytes;
  return step < 1.0 ? 1 : step > 1e15 ? (int64_t)1e15 : (int64_t)step;
}

static uint64_t slot_of(uint64_t key) {
  return ((key >> 4) * 0x9E3779B97F4A7C15ull) >> (64 - 14); /* 2^14 == MEMGATE_ATTRIB_CAPACITY */
}

static void record(void* p, size_t n) {
  struct memgate_attrib_table* t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
  if (!t) return;
  void* frames[MEMGATE_ATTRIB_FRAMES + 8];
  const int got = unw_backtrace(frames, (int)(sizeof frames / sizeof frames[0]));
  int first = 0;
  while (first < got && (uint64_t)(uintptr_t)frames[first] >= t->self_start &&
         (uint64_t)(uintptr_t)frames[first] < t->self_end)
    ++first; /* the hook's own frames */
  const uint64_t key = (uint64_t)(uintptr_t)p;
  const uint64_t home = slot_of(key);
  for (uint32_t i = 0; i < MEMGATE_ATTRIB_PROBES; ++i) {
    const uint64_t s = (home + i) & (MEMGATE_ATTRIB_CAPACITY - 1);
    uint64_t seen = __atomic_load_n(&t->keys[s], __ATOMIC_RELAXED);
    if (seen != MEMGATE_ATTRIB_KEY_EMPTY && seen != MEMGATE_ATTRIB_KEY_DELETED) continue;
    if (!__atomic_compare_exchange_n(&t->keys[s], &seen, MEMGATE_ATTRIB_KEY_BUSY, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
      continue;
    struct memgate_attrib_entry* e = &t->entries[s];
    __atomic_fetch_add(&e->seq, 1, __ATOMIC_ACQ_REL); /* odd: writing */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    uint32_t depth = 0;
    for (int f = first; f < got && depth < MEMGATE_ATTRIB_FRAMES; ++f)
      e->frames[depth++] = (uint64_t)(uintptr_t)frames[f];
    e->depth = depth;
    e->size = n;
    const double x = (double)n / mean_bytes;
    e->weight = (uint64_t)((double)n / -expm1(-x) + 0.5); /* n / P(sampled) */
    __atomic_fetch_add(&e->seq, 1, __ATOMIC_RELEASE);     /* even: consistent */
    __atomic_store_n(&t->keys[s], key, __ATOMIC_RELEASE);
    __atomic_fetch_add(&t->live, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&t->sampled, 1, __ATOMIC_RELAXED);
    return;
  }
  __atomic_fetch_add(&t->dropped, 1, __ATOMIC_RELAXED);
}

/* Called once a thread's countdown passed zero. */
static __attribute__((noinline)) void sample_slow(void* p, size_t n) {
  if (in_hook) return;
  in_hook = true;
  if (!thread_ready) {
    /* A new thread starts with a drawn step, not with a sample. */
    thread_ready = true;
    until_sample = draw_step() - (int64_t)n;
    if (until_sample > 0) {
      in_hook = false;
      return;
    }
  }
  until_sample = draw_step();
  if (p) record(p, n);
  in_hook = false;
}

static inline void maybe_sample(void* p, size_t n) {
  if (in_new) return; /* the operator new around this call counts it */
  if (LIKELY((until_sample -= (int64_t)n) > 0)) return;
  sample_slow(p, n);
}

/* Removes p when it was sampled. */
static inline void forget(void* p) {
  struct memgate_attrib_table* t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
  if (LIKELY(!t || !p || __atomic_load_n(&t->live, __ATOMIC_RELAXED) == 0)) return;
  uint64_t key = (uint64_t)(uintptr_t)p;
  const uint64_t home = slot_of(key);
  for (uint32_t i = 0; i < MEMGATE_ATTRIB_PROBES; ++i) {
    const uint64_t s = (home + i) & (MEMGATE_ATTRIB_CAPACITY - 1);
    const uint64_t seen = __atomic_load_n(&t->keys[s], __ATOMIC_ACQUIRE);
    if (seen == MEMGATE_ATTRIB_KEY_EMPTY) return;
    if (seen != key) continue;
    if (__atomic_compare_exchange_n(&t->keys[s], &key, MEMGATE_ATTRIB_KEY_DELETED, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      __atomic_fetch_sub(&t->live, 1, __ATOMIC_RELAXED);
      __atomic_fetch_add(&t->freed, 1, __ATOMIC_RELAXED);
    }
    return;
  }
}

/* The malloc this library wraps: the probe names the allocator from it. */
EXPORT void* memgate_attrib_next_malloc(void) {
  resolve();
  return (void*)real.malloc;
}

/* ---- the interposed functions ------------------------------------------------------ */

EXPORT void* malloc(size_t n) {
  if (!__atomic_load_n(&real.malloc, __ATOMIC_ACQUIRE)) {
    if (resolving) return bootstrap_alloc(n);
    resolve();
  }
  void* p = real.malloc(n);
  maybe_sample(p, n);
  return p;
}

EXPORT void* calloc(size_t count, size_t size) {
  if (!__atomic_load_n(&real.malloc, __ATOMIC_ACQUIRE)) {
    if (resolving) return bootstrap_alloc(count * size);
    resolve();
  }
  void* p = real.calloc(count, size);
  size_t n;
  if (!__builtin_mul_overflow(count, size, &n)) maybe_sample(p, n);
  return p;
}

EXPORT void free(void* p) {
  if (!p || from_bootstrap(p)) return;
  if (!in_new) forget(p);
  if (!real.free) resolve();
  real.free(p);
}

EXPORT void* realloc(void* old, size_t n) {
  if (from_bootstrap(old)) { /* a bootstrap block moves to the real heap */
    void* p = malloc(n);
    if (p) memcpy(p, old, n < 64 ? n : 64);
    return p;
  }
  if (!real.realloc) resolve();
  forget(old); /* a failed realloc keeps `old` live but unsampled: a small undercount */
  void* p = real.realloc(old, n);
  if (n) maybe_sample(p, n);
  return p;
}

EXPORT int posix_memalign(void** out, size_t align, size_t n) {
  if (!real.posix_memalign) resolve();
  const int rc = real.posix_memalign(out, align, n);
  if (rc == 0) maybe_sample(*out, n);
  return rc;
}

EXPORT void* aligned_alloc(size_t align, size_t n) {
  if (!real.aligned_alloc) resolve();
  void* p = real.aligned_alloc(align, n);
  maybe_sample(p, n);
  return p;
}

EXPORT void* memalign(size_t align, size_t n) {
  if (!real.memalign) resolve();
  void* p = real.memalign(align, n);
  maybe_sample(p, n);
  return p;
}

EXPORT void* valloc(size_t n) {
  if (!real.valloc) resolve();
  void* p = real.valloc(n);
  maybe_sample(p, n);
  return p;
}

EXPORT void* pvalloc(size_t n) {
  if (!real.pvalloc) resolve();
  void* p = real.pvalloc(n);
  maybe_sample(p, n);
  return p;
}

/* ---- C++ operator new and delete ----------------------------------------------------
 * jemalloc, mimalloc and tcmalloc define their own, which do not call malloc: without
 * these, a C++ program's allocations would pass unseen under them. Under glibc the next
 * operator new is libstdc++'s, which calls malloc: in_new keeps that call from being
 * counted twice. Built with -fexceptions, so std::bad_alloc passes through, and the
 * cleanup attribute restores in_new when it does. */

typedef void* (*new_fn)(size_t);
typedef void* (*new_nothrow_fn)(size_t, const void*);
typedef void* (*new_aligned_fn)(size_t, size_t);
typedef void (*delete_fn)(void*);
typedef void (*delete_sized_fn)(void*, size_t);
typedef void (*delete_aligned_fn)(void*, size_t);
typedef void* (*new_aligned_nothrow_fn)(size_t, size_t, const void*);
typedef void (*delete_sized_aligned_fn)(void*, size_t, size_t);
typedef void (*delete_nothrow_fn)(void*, const void*);
typedef void (*delete_aligned_nothrow_fn)(void*, size_t, const void*);

static void leave_new(int* unused) {
  (void)unused;
  --in_new;
}
#define NEW_SCOPE                                        \
  ++in_new;                                              \
  __attribute__((cleanup(leave_new))) int new_scope = 0; \
  (void)new_scope

static void* next_symbol(void** slot, const char* name) {
  void* f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (!f) {
    f = dlsym(RTLD_NEXT, name);
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
  }
  return f;
}

#define DEFINE_NEW(mangled, type, params, args, size) \
  EXPORT void* mangled params {                       \
    static void* next;                                \
    type f = (type)next_symbol(&next, #mangled);      \
    void* p;                                          \
    {                                                 \
      NEW_SCOPE;                                      \
      p = f args;                                     \
    }                                                 \
    maybe_sample(p, size);                            \
    return p;                                         \
  }
#define DEFINE_DELETE(mangled, type, params, args) \
  EXPORT void mangled params {                     \
    static void* next;                             \
    type f = (type)next_symbol(&next, #mangled);   \
    forget(p);                                     \
    NEW_SCOPE;                                     \
    f args;                                        \
  }

DEFINE_NEW(_Znwm, new_fn, (size_t n), (n), n)
DEFINE_NEW(_Znam, new_fn, (size_t n), (n), n)
DEFINE_NEW(_ZnwmRKSt9nothrow_t, new_nothrow_fn, (size_t n, const void* t), (n, t), n)
DEFINE_NEW(_ZnamRKSt9nothrow_t, new_nothrow_fn, (size_t n, const void* t), (n, t), n)
DEFINE_NEW(_ZnwmSt11align_val_t, new_aligned_fn, (size_t n, size_t a), (n, a), n)
DEFINE_NEW(_ZnamSt11align_val_t, new_aligned_fn, (size_t n, size_t a), (n, a), n)
DEFINE_DELETE(_ZdlPv, delete_fn, (void* p), (p))
DEFINE_DELETE(_ZdaPv, delete_fn, (void* p), (p))
DEFINE_DELETE(_ZdlPvm, delete_sized_fn, (void* p, size_t n), (p, n))
DEFINE_DELETE(_ZdaPvm, delete_sized_fn, (void* p, size_t n), (p, n))
DEFINE_DELETE(_ZdlPvSt11align_val_t, delete_aligned_fn, (void* p, size_t a), (p, a))
DEFINE_DELETE(_ZdaPvSt11align_val_t, delete_aligned_fn, (void* p, size_t a), (p, a))
DEFINE_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, new_aligned_nothrow_fn, (size_t n, size_t a, const void* t), (n, a, t),
           n)
DEFINE_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, new_aligned_nothrow_fn, (size_t n, size_t a, const void* t), (n, a, t),
           n)
DEFINE_DELETE(_ZdlPvmSt11align_val_t, delete_sized_aligned_fn, (void* p, size_t n, size_t a), (p, n, a))
DEFINE_DELETE(_ZdaPvmSt11align_val_t, delete_sized_aligned_fn, (void* p, size_t n, size_t a), (p, n, a))
DEFINE_DELETE(_ZdlPvRKSt9nothrow_t, delete_nothrow_fn, (void* p, const void* t), (p, t))
DEFINE_DELETE(_ZdaPvRKSt9nothrow_t, delete_nothrow_fn, (void* p, const void* t), (p, t))
DEFINE_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, delete_aligned_nothrow_fn, (void* p, size_t a, const void* t),
              (p, a, t))
DEFINE_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, delete_aligned_nothrow_fn, (void* p, size_t a, const void* t),
              (p, a, t))

/* ---- the table ---------------------------------------------------------------------- */

static int find_self(struct dl_phdr_info* info, size_t size, void* arg) {
  (void)size;
  struct memgate_attrib_table* t = arg;
  const uint64_t here = (uint64_t)(uintptr_t)&find_self;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    const uint64_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
    if (here >= start && here < end) {
      t->self_start = start;
      t->self_end = end;
      return 1;
    }
  }
  return 0;
}

static struct memgate_attrib_table* open_table(pid_t pid) {
  char name[128];
  snprintf(name, sizeof name, "/" MEMGATE_ATTRIB_SHM_PREFIX "%s.%d", session, (int)pid);
  const int fd = shm_open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return NULL;
  void* mem = MAP_FAILED;
  if (ftruncate(fd, sizeof(struct memgate_attrib_table)) == 0)
    mem = mmap(NULL, sizeof(struct memgate_attrib_table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) return NULL;
  struct memgate_attrib_table* t = mem; /* fresh pages: zero */
  t->version = MEMGATE_ATTRIB_VERSION;
  t->pid = pid;
  t->capacity = MEMGATE_ATTRIB_CAPACITY;
  t->mean_bytes = (uint64_t)mean_bytes;
  dl_iterate_phdr(find_self, t);
  __atomic_store_n(&t->magic, MEMGATE_ATTRIB_MAGIC, __ATOMIC_RELEASE);
  return t;
}

static void after_fork_in_child(void) {
  struct memgate_attrib_table* old = table;
  __atomic_store_n(&table, NULL, __ATOMIC_RELEASE);
  if (old) munmap(old, sizeof *old); /* the parent's */
  __atomic_store_n(&table, open_table(getpid()), __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void memgate_attrib_init(void) {
  resolve();
  const char* s = getenv(MEMGATE_PROBE_ENV_SESSION);
  if (!s || !*s || strlen(s) >= sizeof session) return; /* not under memgate: pass through */
  snprintf(session, sizeof session, "%s", s);
  const char* mean = getenv(MEMGATE_ATTRIB_ENV_MEAN);
  const double m = mean ? strtod(mean, NULL) : 0;
  if (m >= 1) mean_bytes = m;
  /* Unwind once now: libunwind sets up its caches outside any hook. */
  in_hook = true;
  void* warm[4];
  unw_backtrace(warm, 4);
  in_hook = false;
  __atomic_store_n(&table, open_table(getpid()), __ATOMIC_RELEASE);
  pthread_atfork(NULL, NULL, after_fork_in_child);
}
