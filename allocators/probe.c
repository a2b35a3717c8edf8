/* libmemgate_probe.so: preloaded into the target (after the allocator under test) to
 * tell memgate which allocator really serves malloc, publish that allocator's heap
 * statistics and purge on request. See allocators/README.md for the protocol, cost
 * and caveats; the slot layout is in memgate_probe.h.
 *
 * Rules this file keeps:
 * - No fd stays open: the shm object is mapped and its fd closed at once.
 * - One thread, all signals blocked (the target's signal handling is unchanged).
 * - No malloc of its own: everything lives in the shared slot or on the stack, so the
 *   figures are the program's, not ours. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memgate_probe.h"

typedef int (*mallctl_fn)(const char*, void*, size_t*, void*, size_t);
typedef void (*mi_process_info_fn)(size_t*, size_t*, size_t*, size_t*, size_t*, size_t*, size_t*, size_t*);
typedef void (*mi_collect_fn)(bool);
typedef int (*mext_get_fn)(const char*, size_t*);
typedef void (*mext_release_fn)(void);
typedef void (*heap_profiler_start_fn)(const char*);
typedef char* (*get_heap_profile_fn)(void);
typedef int (*is_heap_profiler_running_fn)(void);

enum allocator_kind { KIND_UNKNOWN, KIND_GLIBC, KIND_JEMALLOC, KIND_MIMALLOC, KIND_TCMALLOC };

static struct {
  enum allocator_kind kind;
  mallctl_fn mallctl;
  mi_process_info_fn mi_process_info;
  mi_collect_fn mi_collect;
  mext_get_fn mext_get;
  mext_release_fn mext_release;
  /* gperftools' heap profiler: only in the full libtcmalloc, not libtcmalloc_minimal */
  heap_profiler_start_fn heap_profiler_start;
  get_heap_profile_fn get_heap_profile;
  is_heap_profiler_running_fn heap_profiler_running;
  char session[72];
  unsigned interval_ms;
  char jeprof_dir[256]; /* MEMGATE_PROBE_JEPROF_DIR, empty: no heap profile dumps */
  struct memgate_probe_slot* slot;
} probe;

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- which allocator serves malloc ------------------------------------------- */

/* A symbol counts only if it lives in the same file as the malloc we call: a program
 * may link jemalloc for one component while glibc still serves malloc. */
static void* symbol_of(void* handle, const char* name, const void* base) {
  void* sym = dlsym(handle, name);
  Dl_info info;
  if (!sym || !dladdr(sym, &info) || info.dli_fbase != base) return NULL;
  return sym;
}

static void detect_allocator(struct memgate_probe_slot* slot) {
  void* malloc_addr = dlsym(RTLD_DEFAULT, "malloc");
  /* Under --attribute the heap sampler's malloc comes first: the allocator is the one it
   * wraps (allocators/attrib.c). */
  void* (*attrib_next)(void) = (void* (*)(void))dlsym(RTLD_DEFAULT, "memgate_attrib_next_malloc");
  if (attrib_next && attrib_next()) malloc_addr = attrib_next();
  Dl_info info;
  memset(&info, 0, sizeof info);
  if (!malloc_addr || !dladdr(malloc_addr, &info) || !info.dli_fname) {
    snprintf(slot->allocator, sizeof slot->allocator, "unknown");
    return;
  }
  snprintf(slot->malloc_from, sizeof slot->malloc_from, "%s", info.dli_fname);
  /* RTLD_NOLOAD: only a handle on what is already mapped; the main program has no
   * loadable name, so fall back to the global scope for it. */
  void* handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  void* search = handle ? handle : RTLD_DEFAULT;
  const void* base = info.dli_fbase;

  if ((probe.mallctl = (mallctl_fn)symbol_of(search, "mallctl", base))) {
    probe.kind = KIND_JEMALLOC;
  } else if ((probe.mi_process_info = (mi_process_info_fn)symbol_of(search, "mi_process_info", base))) {
    probe.mi_collect = (mi_collect_fn)symbol_of(search, "mi_collect", base);
    probe.kind = KIND_MIMALLOC;
  } else if ((probe.mext_get = (mext_get_fn)symbol_of(search, "MallocExtension_GetNumericProperty", base))) {
    probe.mext_release = (mext_release_fn)symbol_of(search, "MallocExtension_ReleaseFreeMemory", base);
    probe.heap_profiler_start = (heap_profiler_start_fn)symbol_of(search, "HeapProfilerStart", base);
    probe.get_heap_profile = (get_heap_profile_fn)symbol_of(search, "GetHeapProfile", base);
    probe.heap_profiler_running = (is_heap_profiler_running_fn)symbol_of(search, "IsHeapProfilerRunning", base);
    probe.kind = KIND_TCMALLOC;
  } else if (symbol_of(search, "mallinfo2", base) && symbol_of(search, "gnu_get_libc_version", base)) {
    probe.kind = KIND_GLIBC; /* malloc comes from libc itself */
  } else {
    probe.kind = KIND_UNKNOWN;
  }
  if (handle) dlclose(handle); /* drops the reference RTLD_NOLOAD took; nothing unloads */
  static const char* const names[] = {"unknown", "glibc", "jemalloc", "mimalloc", "tcmalloc"};
  snprintf(slot->allocator, sizeof slot->allocator, "%s", names[probe.kind]);
}

/* ---- statistics and purge per allocator ----------------------------------------- */

static uint64_t jemalloc_size(const char* name) {
  size_t value = 0, len = sizeof value;
  return probe.mallctl(name, &value, &len, NULL, 0) == 0 ? (uint64_t)value : MEMGATE_PROBE_NONE;
}

static uint64_t tcmalloc_property(const char* name) {
  size_t value = 0;
  return probe.mext_get(name, &value) ? (uint64_t)value : MEMGATE_PROBE_NONE;
}

static bool known(uint64_t v) { return v != MEMGATE_PROBE_NONE; }

static void read_heap(struct memgate_probe_heap* h) {
  h->allocated = h->active = h->resident = h->mapped = h->retained = h->free_held = MEMGATE_PROBE_NONE;
  switch (probe.kind) {
    case KIND_GLIBC: {
      /* Only valid when glibc serves malloc: under another allocator it reads zeros. */
      struct mallinfo2 mi = mallinfo2();
      h->allocated = mi.uordblks + mi.hblkhd;
      h->mapped = mi.arena + mi.hblkhd;
      h->free_held = mi.fordblks; /* counts free chunks even after malloc_trim madvised them */
      break;
    }
    case KIND_JEMALLOC: {
      uint64_t epoch = 1;
      size_t len = sizeof epoch;
      probe.mallctl("epoch", &epoch, &len, &epoch, len); /* refreshes the cached stats */
      h->allocated = jemalloc_size("stats.allocated");
      h->active = jemalloc_size("stats.active");
      h->resident = jemalloc_size("stats.resident");
      h->mapped = jemalloc_size("stats.mapped");
      h->retained = jemalloc_size("stats.retained");
      const uint64_t page = jemalloc_size("arenas.page");
      const uint64_t dirty = jemalloc_size("stats.arenas.4096.pdirty");
      const uint64_t muzzy = jemalloc_size("stats.arenas.4096.pmuzzy");
      /* Free but held: slack inside active pages plus unused dirty/muzzy pages. */
      if (known(h->active) && known(h->allocated) && known(page) && known(dirty) && known(muzzy))
        h->free_held = (h->active - h->allocated) + (dirty + muzzy) * page;
      break;
    }
    case KIND_MIMALLOC: {
      size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
      probe.mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
      /* 2.0.9 release builds track commit only; its "current_rss" is that same number,
       * so it is not published as resident. */
      h->mapped = commit;
      break;
    }
    case KIND_TCMALLOC: {
      h->allocated = tcmalloc_property("generic.current_allocated_bytes");
      h->mapped = tcmalloc_property("generic.heap_size");
      h->retained = tcmalloc_property("tcmalloc.pageheap_unmapped_bytes");
      if (known(h->mapped) && known(h->retained)) h->resident = h->mapped - h->retained;
      const uint64_t parts[] = {tcmalloc_property("tcmalloc.pageheap_free_bytes"),
                                tcmalloc_property("tcmalloc.central_cache_free_bytes"),
                                tcmalloc_property("tcmalloc.transfer_cache_free_bytes"),
                                tcmalloc_property("tcmalloc.thread_cache_free_bytes")};
      uint64_t sum = 0;
      for (size_t i = 0; i < sizeof parts / sizeof parts[0]; ++i) {
        if (!known(parts[i])) {
          sum = MEMGATE_PROBE_NONE;
          break;
        }
        sum += parts[i];
      }
      h->free_held = sum;
      break;
    }
    case KIND_UNKNOWN: break;
  }
}

static void purge(void) {
  switch (probe.kind) {
    case KIND_GLIBC:
      malloc_trim(0); /* also madvises free pages inside the heap, not just the top */
      break;
    case KIND_JEMALLOC:
      /* The tcache flush reaches only this thread's cache; the purge covers every
       * arena (4096 = MALLCTL_ARENAS_ALL). */
      probe.mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
      probe.mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
      break;
    case KIND_MIMALLOC:
      if (probe.mi_collect) probe.mi_collect(true); /* this thread's heap + abandoned segments */
      break;
    case KIND_TCMALLOC:
      if (probe.mext_release) probe.mext_release();
      break;
    case KIND_UNKNOWN: break;
  }
}

/* gperftools' heap profile: GetHeapProfile's text (a buffer tcmalloc allocates, freed at
 * once: the only allocation the probe makes, and only when memgate asks for a dump). */
static int dump_gperftools_profile(const char* path) {
  if (!probe.get_heap_profile || !probe.heap_profiler_running) return ENOTSUP; /* libtcmalloc_minimal */
  if (!probe.heap_profiler_running()) return ENOENT;
  char* text = probe.get_heap_profile();
  if (!text) return ENOMEM;
  int rc = 0;
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    rc = errno;
  } else {
    for (size_t done = 0, len = strlen(text); done < len && rc == 0;) {
      const ssize_t n = write(fd, text + done, len - done);
      if (n > 0) done += (size_t)n;
      else if (n < 0 && errno != EINTR) rc = errno;
    }
    if (close(fd) != 0 && rc == 0) rc = errno;
  }
  free(text);
  return rc;
}

/* The allocator's heap profile into JEPROF_DIR/jeprof.<pid>.<request>.heap: jemalloc's
 * prof.dump (prof:true; the file is written by jemalloc itself, its own allocations are
 * the profiler's), or gperftools' heap profiler under the full libtcmalloc. */
static int dump_profile(uint32_t request) {
  if (!probe.jeprof_dir[0]) return ENOTSUP;
  char path[320];
  snprintf(path, sizeof path, "%s/jeprof.%d.%u.heap", probe.jeprof_dir, (int)getpid(), request);
  if (probe.kind == KIND_TCMALLOC) return dump_gperftools_profile(path);
  if (probe.kind != KIND_JEMALLOC || !probe.mallctl) return ENOTSUP;
  const char* name = path;
  return probe.mallctl("prof.dump", NULL, NULL, (void*)&name, sizeof name);
}

/* Under the full libtcmalloc with a dump directory, the heap profiler starts with the
 * probe (memgate sets HEAP_PROFILE_*_INTERVAL=0: no dumps of its own but the one
 * gperftools writes at exit, JEPROF_DIR/jeprof.<pid>.exit.NNNN.heap, which memgate removes). */
static void start_gperftools_profiler(void) {
  if (probe.kind != KIND_TCMALLOC || !probe.jeprof_dir[0] || !probe.heap_profiler_start ||
      !probe.heap_profiler_running || probe.heap_profiler_running())
    return;
  char prefix[320];
  snprintf(prefix, sizeof prefix, "%s/jeprof.%d.exit", probe.jeprof_dir, (int)getpid());
  probe.heap_profiler_start(prefix);
}

/* ---- the probe thread ------------------------------------------------------------ */

static void publish(struct memgate_probe_slot* slot) {
  struct memgate_probe_heap heap;
  const uint64_t start = now_ns(CLOCK_MONOTONIC);
  read_heap(&heap);
  const uint64_t cost = now_ns(CLOCK_MONOTONIC) - start;
  __atomic_fetch_add(&slot->stats_seq, 1, __ATOMIC_ACQ_REL); /* odd: writing */
  __atomic_thread_fence(__ATOMIC_RELEASE);
  slot->heap = heap;
  slot->stats_cost_ns = cost;
  slot->thread_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
  slot->publishes++;
  slot->published_ns = start;
  __atomic_fetch_add(&slot->stats_seq, 1, __ATOMIC_RELEASE); /* even: consistent */
}

static long futex(uint32_t* word, int op, uint32_t value, const struct timespec* timeout) {
  return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static void* probe_thread(void* arg) {
  struct memgate_probe_slot* slot = arg;
  prctl(PR_SET_NAME, "memgate-probe", 0, 0, 0); /* prctl: no /proc write, no fd */
  const struct timespec period = {probe.interval_ms / 1000, (long)(probe.interval_ms % 1000) * 1000000L};
  for (;;) {
    if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) == MEMGATE_PROBE_EXITED) return NULL;
    const uint32_t request = __atomic_load_n(&slot->purge_request, __ATOMIC_ACQUIRE);
    if (request != __atomic_load_n(&slot->purge_done, __ATOMIC_ACQUIRE)) {
      read_heap(&slot->heap_before_purge);
      const uint64_t start = now_ns(CLOCK_MONOTONIC);
      purge();
      slot->purge_cost_ns = now_ns(CLOCK_MONOTONIC) - start;
      publish(slot);
      __atomic_store_n(&slot->purge_done, request, __ATOMIC_RELEASE);
      futex(&slot->purge_done, FUTEX_WAKE, INT32_MAX, NULL);
      continue;
    }
    const uint32_t dump = __atomic_load_n(&slot->dump_request, __ATOMIC_ACQUIRE);
    if (dump != __atomic_load_n(&slot->dump_done, __ATOMIC_ACQUIRE)) {
      slot->dump_status = dump_profile(dump);
      __atomic_store_n(&slot->dump_done, dump, __ATOMIC_RELEASE);
      futex(&slot->dump_done, FUTEX_WAKE, INT32_MAX, NULL);
      continue;
    }
    publish(slot);
    /* Sleeps one period unless the sampler asks for a purge or a dump (it wakes purge_request). */
    futex(&slot->purge_request, FUTEX_WAIT, request, &period);
  }
}

static bool valid_session(const char* s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof probe.session) return false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

/* Maps this process's slot; the fd is closed before returning (the probe adds no fds). */
static struct memgate_probe_slot* open_slot(pid_t pid) {
  char name[128];
  snprintf(name, sizeof name, "/" MEMGATE_PROBE_SHM_PREFIX "%s.%d", probe.session, (int)pid);
  const int fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return NULL;
  void* mem = MAP_FAILED;
  if (ftruncate(fd, sizeof(struct memgate_probe_slot)) == 0)
    mem = mmap(NULL, sizeof(struct memgate_probe_slot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return mem == MAP_FAILED ? NULL : mem;
}

static void start_probe(void) {
  const pid_t pid = getpid();
  struct memgate_probe_slot* slot = open_slot(pid);
  if (!slot) return; /* no /dev/shm: the target runs unobserved; memgate reports the missing slot */
  /* The same pid may come back after exec: start from a clean slot. */
  __atomic_store_n(&slot->magic, 0, __ATOMIC_RELEASE);
  memset((char*)slot + sizeof slot->magic, 0, sizeof *slot - sizeof slot->magic);
  slot->version = MEMGATE_PROBE_VERSION;
  slot->pid = pid;
  slot->interval_ms = probe.interval_ms;
  detect_allocator(slot);
  start_gperftools_profiler();
  slot->heap.allocated = slot->heap.active = slot->heap.resident = MEMGATE_PROBE_NONE;
  slot->heap.mapped = slot->heap.retained = slot->heap.free_held = MEMGATE_PROBE_NONE;
  probe.slot = slot;

  /* Block every signal in the new thread so the target's handlers never run on it. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, probe_thread, slot);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  slot->state = rc == 0 ? MEMGATE_PROBE_RUNNING : MEMGATE_PROBE_NO_THREAD;
  __atomic_store_n(&slot->magic, MEMGATE_PROBE_MAGIC, __ATOMIC_RELEASE);
}

/* A forked child keeps the parent's mapping but not its thread: give it its own slot
 * and thread (children that exec get a fresh probe from the constructor anyway). */
static void after_fork_in_child(void) {
  if (probe.slot) munmap(probe.slot, sizeof *probe.slot);
  probe.slot = NULL;
  start_probe();
}

__attribute__((constructor)) static void memgate_probe_init(void) {
  const char* session = getenv(MEMGATE_PROBE_ENV_SESSION);
  if (!session || !valid_session(session)) return; /* not under memgate: stay inert */
  snprintf(probe.session, sizeof probe.session, "%s", session);
  const char* interval = getenv(MEMGATE_PROBE_ENV_INTERVAL);
  long ms = interval ? strtol(interval, NULL, 10) : 100;
  probe.interval_ms = (unsigned)(ms < 1 ? 1 : ms > 60000 ? 60000 : ms);
  const char* jeprof = getenv(MEMGATE_PROBE_ENV_JEPROF_DIR);
  if (jeprof && strlen(jeprof) < sizeof probe.jeprof_dir)
    snprintf(probe.jeprof_dir, sizeof probe.jeprof_dir, "%s", jeprof);
  start_probe();
  pthread_atfork(NULL, NULL, after_fork_in_child);
}

__attribute__((destructor)) static void memgate_probe_fini(void) {
  if (!probe.slot) return;
  __atomic_store_n(&probe.slot->state, MEMGATE_PROBE_EXITED, __ATOMIC_RELEASE);
  futex(&probe.slot->purge_request, FUTEX_WAKE, INT32_MAX, NULL);
}
