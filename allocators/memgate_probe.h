/* The shared-memory slot the preload probe (libmemgate_probe.so) publishes for one
 * process and memgate's ProbeSampler reads. Plain C so the probe has no dependency on
 * the rest of memgate; both sides include this one header.
 *
 * Naming: one POSIX shm object per process, "/memgate-probe.<session>.<pid>", where
 * <session> comes from MEMGATE_PROBE_SESSION. LD_PRELOAD and the environment pass to
 * children, so every process of the target tree gets its own slot and the sampler
 * finds them all by listing /dev/shm for the session prefix. The probe never unlinks
 * its slot (memgate reads the final figures after the target exited); the sampler
 * unlinks every slot of its session when it stops.
 *
 * Concurrency: the statistics are a seqlock (stats_seq odd while the probe writes).
 * purge_request / purge_done are futex words (shared, not FUTEX_PRIVATE): the sampler
 * increments purge_request and wakes the probe thread; the probe purges, stores the
 * request number in purge_done and wakes the sampler. A heap profile dump works the same
 * way with dump_request / dump_done (the sampler wakes the probe through purge_request's
 * futex, which the probe thread sleeps on). */
#ifndef MEMGATE_PROBE_H
#define MEMGATE_PROBE_H

#include <stdint.h>

#define MEMGATE_PROBE_MAGIC 0x4d475042u /* "MGPB" */
#define MEMGATE_PROBE_VERSION 3u
#define MEMGATE_PROBE_SHM_PREFIX "memgate-probe."
/* A statistic this allocator does not offer. */
#define MEMGATE_PROBE_NONE UINT64_MAX

/* Environment the probe reads. */
#define MEMGATE_PROBE_ENV_SESSION "MEMGATE_PROBE_SESSION"      /* required: no session, no probe */
#define MEMGATE_PROBE_ENV_INTERVAL "MEMGATE_PROBE_INTERVAL_MS" /* statistics period, default 100 */
/* Under jemalloc with prof:true (--allocator jemalloc --attribute), or the full libtcmalloc
 * (--allocator tcmalloc --attribute: the probe starts gperftools' heap profiler): where
 * heap profile dumps go, as DIR/jeprof.<pid>.<request>.heap. Unset: no dumps. */
#define MEMGATE_PROBE_ENV_JEPROF_DIR "MEMGATE_PROBE_JEPROF_DIR"

enum memgate_probe_state {
  MEMGATE_PROBE_STARTING = 0,
  MEMGATE_PROBE_RUNNING = 1,  /* the probe thread publishes */
  MEMGATE_PROBE_EXITED = 2,   /* the process ran its exit handlers */
  MEMGATE_PROBE_NO_THREAD = 3 /* pthread_create failed: identity only, no statistics */
};

struct memgate_probe_heap {
  uint64_t allocated; /* bytes the program holds (live allocations) */
  uint64_t active;    /* bytes of pages holding live allocations (jemalloc) */
  uint64_t resident;  /* allocator bytes resident in RAM, as the allocator reports it */
  uint64_t mapped;    /* bytes the allocator has mapped/committed from the system */
  uint64_t retained;  /* address space kept but returned to the OS (jemalloc, tcmalloc) */
  uint64_t free_held; /* freed by the program, still held committed by the allocator */
};

struct memgate_probe_slot {
  uint32_t magic;
  uint32_t version;
  int32_t pid;
  uint32_t state;        /* enum memgate_probe_state */
  char allocator[16];    /* "glibc", "jemalloc", "mimalloc", "tcmalloc" or "unknown" */
  char malloc_from[240]; /* file that defines the malloc this process calls (dladdr) */
  uint32_t interval_ms;

  uint32_t stats_seq;    /* seqlock: odd while the fields below change */
  uint64_t publishes;    /* statistics snapshots written so far */
  uint64_t published_ns; /* CLOCK_MONOTONIC when the figures below were read */
  struct memgate_probe_heap heap;
  uint64_t stats_cost_ns; /* time the last statistics read took in the target */
  uint64_t thread_cpu_ns; /* CPU time of the probe thread so far: its whole overhead */

  uint32_t purge_request;                      /* futex word: the sampler increments it */
  uint32_t purge_done;                         /* futex word: the probe copies purge_request here when done */
  uint64_t purge_cost_ns;                      /* time the last purge took */
  struct memgate_probe_heap heap_before_purge; /* heap figures just before the last purge */

  uint32_t dump_request; /* the sampler increments it, then wakes purge_request's waiter */
  uint32_t dump_done;    /* futex word: the probe copies dump_request here once the dump is written */
  int32_t dump_status;   /* of the last dump: 0 written, else an errno (ENOENT: the profiler is off,
                            ENOTSUP: the allocator has none) */
  uint32_t dump_reserved;
};

#endif /* MEMGATE_PROBE_H */
