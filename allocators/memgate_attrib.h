/* The shared-memory table libmemgate_attrib.so (the `--attribute` heap sampler) keeps
 * for one process and memgate's attribution recorder reads. Plain C, like
 * memgate_probe.h; both sides include this one header.
 *
 * Naming: one POSIX shm object per process, "/memgate-attrib.<session>.<pid>" (the
 * probe's MEMGATE_PROBE_SESSION). The sampler never unlinks it; memgate does.
 *
 * Sampling: every thread counts down the bytes it allocates; when the count passes
 * zero the allocation is sampled and a new count is drawn from an exponential
 * distribution of mean `mean_bytes` (tcmalloc's scheme). An allocation of n bytes is
 * then sampled with probability 1 - exp(-n/mean), so it stands for
 * weight = n / (1 - exp(-n/mean)) bytes: summing weights is an unbiased estimate of
 * the live heap per call stack.
 *
 * Table: open addressing over `keys` (the sampled pointer; 0 empty, 1 deleted, 2 being
 * written), at most MEMGATE_ATTRIB_PROBES probes, so a free costs a bounded scan of
 * contiguous keys. An entry's `seq` is odd while it is written: a reader copies the
 * entry between two equal even reads of seq and a key that is a pointer. */
#ifndef MEMGATE_ATTRIB_H
#define MEMGATE_ATTRIB_H

#include <stdint.h>

#define MEMGATE_ATTRIB_MAGIC 0x4d474154u /* "MGAT" */
#define MEMGATE_ATTRIB_VERSION 1u
#define MEMGATE_ATTRIB_SHM_PREFIX "memgate-attrib."
#define MEMGATE_ATTRIB_CAPACITY 16384u /* entries; a power of two */
#define MEMGATE_ATTRIB_PROBES 64u
#define MEMGATE_ATTRIB_FRAMES 24u
#define MEMGATE_ATTRIB_KEY_EMPTY 0u
#define MEMGATE_ATTRIB_KEY_DELETED 1u
#define MEMGATE_ATTRIB_KEY_BUSY 2u

/* Environment the sampler reads (besides MEMGATE_PROBE_SESSION). */
#define MEMGATE_ATTRIB_ENV_MEAN "MEMGATE_ATTRIB_MEAN_BYTES" /* default 524288 */

struct memgate_attrib_entry {
  uint32_t seq;    /* odd while the entry is written */
  uint32_t depth;  /* frames[0..depth) are return addresses, innermost first */
  uint64_t size;   /* bytes the program asked for */
  uint64_t weight; /* bytes this sample stands for */
  uint64_t frames[MEMGATE_ATTRIB_FRAMES];
};

struct memgate_attrib_table {
  uint32_t magic; /* written last, once the header is valid */
  uint32_t version;
  int32_t pid;
  uint32_t capacity;
  uint64_t mean_bytes;
  uint64_t self_start; /* [self_start, self_end): libmemgate_attrib.so's text, to drop its frames */
  uint64_t self_end;
  uint64_t live;    /* sampled blocks in the table now */
  uint64_t sampled; /* allocations sampled so far */
  uint64_t freed;   /* sampled blocks freed so far */
  uint64_t dropped; /* samples lost: no free entry within MEMGATE_ATTRIB_PROBES */
  uint64_t keys[MEMGATE_ATTRIB_CAPACITY];
  struct memgate_attrib_entry entries[MEMGATE_ATTRIB_CAPACITY];
};

#endif /* MEMGATE_ATTRIB_H */
