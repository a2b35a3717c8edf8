// What the checks read back from events.jsonl, in bounded memory.
#pragma once

#include <string>
#include <vector>

#include "analyze/descriptors.h"
#include "analyze/growth_table.h"

namespace memgate::report {

// The descriptor sampler's fd-snapshot events of DIR/events.jsonl, in time order, at most
// `max` (every other one dropped when full: the first and the latest stay). None when the
// run recorded none.
std::vector<analyze::FdSnapshot> read_fd_snapshots(const std::string& dir, std::size_t max);

// The Python hook's answers ("py-heap" events, docs/attribution-python.md): one
// snapshot per request (SEQ), summed over the processes that answered it, at the time
// the last part arrived. At most max_snapshots snapshots and max_sites sites.
struct PyHeapRecord {
  std::vector<analyze::HeapSite> sites;
  std::vector<analyze::SiteBytes> totals;  // the traced heap at each snapshot
  std::size_t frames = 0;                  // tracemalloc's frames per traceback
};
PyHeapRecord read_py_heap(const std::string& dir, std::size_t max_snapshots = 4096, std::size_t max_sites = 512);

// Keeps v within max entries by dropping every other one (the last stays).
template <class T>
void thin_to(std::vector<T>& v, std::size_t max) {
  if (v.size() <= max || max < 2) return;
  std::vector<T> kept;
  for (std::size_t i = 0; i < v.size(); i += 2) kept.push_back(std::move(v[i]));
  if (v.size() % 2 == 0) kept.push_back(std::move(v.back()));
  v = std::move(kept);
}

}  // namespace memgate::report
