// Rotation of the sample log's streamed files (samples.csv, processes.csv,
// events.jsonl): naming and ordering of their segments, pure so it is unit-tested.
//
// A file NAME is written live as NAME; when it reaches the segment size it is closed
// and renamed NAME.000001 (then NAME.000002, ...), a fresh NAME starts (with the CSV
// header again), and the closed segment is compressed to NAME.000001.zst, after which
// the uncompressed copy is removed. Only segment 1 keeps the header inside its .zst,
// so `zstdcat NAME.*.zst` is one valid CSV, and the whole run is
// `{ zstdcat NAME.*.zst; tail -n +2 NAME; }`. Readers take, per index, the .zst when
// it exists (it is renamed into place only once complete), else the uncompressed
// segment (a crash before its compression finished), then the live NAME.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memgate::record {

// The default segment size: small enough that the uncompressed live tail stays a
// small share of a days-long run, large enough to compress well.
inline constexpr std::uint64_t kDefaultSegmentBytes = std::uint64_t{64} << 20;

// "samples.csv.000003" or "samples.csv.000003.zst"; index >= 1.
std::string segment_name(std::string_view base, unsigned index, bool compressed);

struct SegmentName {
  unsigned index = 0;
  bool compressed = false;
};
// The segment a file name denotes for base, or nullopt (the live file, a ".tmp", others).
std::optional<SegmentName> parse_segment_name(std::string_view base, std::string_view file_name);

// The files to read for base, in order, given the names in the directory: one per
// segment index (the .zst preferred), then base itself when present.
std::vector<std::string> segment_reading_order(std::string_view base, const std::vector<std::string>& names);

// The next segment index to use when a writer starts in a directory already holding
// segments of base (a reused run directory has them removed first; this is the guard).
unsigned next_segment_index(std::string_view base, const std::vector<std::string>& names);

// True when a live file of `bytes` should be closed as a segment (limit 0: never).
inline bool should_rotate(std::uint64_t bytes, std::uint64_t limit) { return limit > 0 && bytes >= limit; }

}  // namespace memgate::record
