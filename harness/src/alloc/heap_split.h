// Pure arithmetic on allocator heap figures: sums over processes and the attribution
// of RSS growth to live heap (a leak), allocator retention (freed but held) and
// non-heap memory (mappings, thread stacks, file pages). No I/O, no clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace memgate::alloc {

// What one allocator reports; a figure it does not offer stays empty.
struct HeapFigures {
  std::optional<std::uint64_t> allocated, active, resident, mapped, retained, free_held;
};

// Field-wise sum; a figure is present only when every process offers it.
HeapFigures sum_heaps(std::span<const HeapFigures> heaps);

nlohmann::json to_json(const HeapFigures& heap);  // absent figures are left out

// One probed process at a sample: the RSS memgate read now, and the probe's live heap
// with how old its snapshot is.
struct HeldPart {
  std::uint64_t rss = 0;
  std::optional<std::uint64_t> allocated;
  double age_s = 0;
};

// RSS the probed processes hold beyond their live heap, the sum of max(0, rss -
// allocated), when every snapshot is at most `max_age_s` old; otherwise nothing: a
// heap figure from before a burst set against RSS during it would count the burst's
// live objects as held (the probe thread lags when the machine is busy).
std::optional<double> held_beyond_heap(std::span<const HeldPart> parts, double max_age_s);

struct RssSplit {
  double rss_growth = 0;                   // bytes, end - start
  std::optional<double> live_heap_growth;  // delta of allocated
  std::optional<double> retention_growth;  // delta of free_held
  std::optional<double> heap_growth;       // live + retention, or delta of mapped
  std::optional<double> non_heap_growth;   // rss_growth - heap_growth
  std::string basis;                       // which figures the split rests on
};

// Splits RSS growth between two instants. With allocated and free_held (glibc,
// jemalloc, tcmalloc) all three parts are known; with only mapped (mimalloc 2.0.9)
// the heap part is one number and live vs retained stays unknown.
RssSplit split_rss_growth(double rss_start, double rss_end, const HeapFigures& start, const HeapFigures& end);

nlohmann::json to_json(const RssSplit& split);

}  // namespace memgate::alloc
