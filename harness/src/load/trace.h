// Trace files: JSON lines, one record per line with the time it was (or is to be)
// sent. memgate writes {"t":1.250000,"phase":"burst","line":"<the record, verbatim>"}
// ("phase" optional); a trace a user recorded may instead carry its own time field
// (seconds, or an ISO-8601 UTC string) and is then replayed line for line. Reading
// streams the file (memory-flat).
#pragma once

#include <cstdint>
#include <fstream>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "load/source.h"

namespace memgate::load {

// The longest trace line read or written (docs/traffic.md): a longer line is malformed
// (an error, or skipped and counted with skip_malformed), and memgate's memory stays a
// small multiple of it however long the line.
inline constexpr std::size_t kMaxTraceLineBytes = 16u << 20;

class TraceWriter {
 public:
  explicit TraceWriter(const std::string& path);  // throws Error(usage) if it cannot create it
  // line: one record, with or without its trailing '\n'; phase: its scenario phase
  // (burst, recovery...), kept so a replay tags its samples as the original run did.
  // Throws Error(usage) when the encoded line would exceed kMaxTraceLineBytes.
  void write(double t_s, std::string_view line, std::string_view phase = {});
  void close();
  std::uint64_t lines() const { return lines_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::string buffer_;
  std::uint64_t lines_ = 0;
};

struct TraceReadOptions {
  std::string time_field = "t";       // seconds (number) or ISO-8601 UTC string
  std::string line_field = "line";    // when present (a string): the record to send; else the whole line
  std::string phase_field = "phase";  // when present (a string): the record's phase tag
  bool skip_malformed = false;        // false: the first bad line is an error naming it
};

struct TraceEntry {
  double t_s = 0;
  std::string record;  // what to send, without '\n'
  std::string phase;   // empty when the line has none
  std::uint64_t line_no = 0;
};

class TraceReader {
 public:
  // Throws Error(usage) when the path cannot be opened or is a directory.
  TraceReader(const std::string& path, TraceReadOptions options);
  // False at the end. Throws Error(usage) "<file>:<line>: ..." on a malformed line
  // unless skip_malformed, which counts it instead.
  bool next(TraceEntry& entry);
  std::uint64_t malformed() const { return malformed_; }  // including the oversized ones
  std::uint64_t oversized() const { return oversized_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  TraceReadOptions options_;
  bool read_line(bool& too_long);  // the next line into line_ (at most kMaxTraceLineBytes)
  std::ifstream in_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t malformed_ = 0, oversized_ = 0;
};

// Parses "2024-01-01T00:00:01.250Z" (also "+00:00" or no zone, read as UTC).
std::optional<double> parse_utc_seconds(const std::string& text);

// The phase of the record a replay sent last, shared between the sender thread (set)
// and the sampling thread (get), so samples carry the trace's own phases.
class SentPhase {
 public:
  void set(std::string_view phase);
  std::string get() const;

 private:
  mutable std::mutex mutex_;
  std::string phase_ = "replay";
};

struct ReplayOptions {
  TraceReadOptions read;
  double multiplier = 1;           // 10: ten times faster (ten times the rate)
  std::uint64_t loops = 1;         // 0: loop until stopped
  std::size_t reorder_window = 0;  // lines held back to restore time order (0: none)
  double max_gap_s = 0;            // gaps longer than this are shortened to it (0: no cap)
};

// Replays a trace on its own timestamps, re-based so the first record is due at 0;
// every loop starts one mean gap after the previous loop's last record, and a pass
// whose records share one time (all equal, or all older than the first) counts as
// lasting 1 s of trace time, so a looping trace always moves forward in time. Entries
// that arrive too late for the reorder window are sent at the current time and
// counted (out_of_order). A record's phase is its "phase" field, else "replay"; each
// emitted record's phase is posted to `sent` when given.
class TraceSource final : public RecordSource {
 public:
  TraceSource(std::string path, ReplayOptions options, SentPhase* sent = nullptr);
  std::optional<double> next_due() override;
  void emit(std::string& out) override;
  void skip() override;
  std::string_view phase() const override;
  nlohmann::json stats() const override;

 private:
  struct Held {
    double t_s;
    std::uint64_t order;
    std::string record;
    std::string phase;
    bool operator>(const Held& other) const { return t_s != other.t_s ? t_s > other.t_s : order > other.order; }
  };
  bool fill();  // ensures current_ holds the next entry; false at the end
  void open_loop();
  std::string path_;
  ReplayOptions options_;
  SentPhase* sent_;
  std::string last_sent_phase_;  // what `sent_` holds: posted (locked) only on a change
  std::optional<TraceReader> reader_;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> window_;
  bool reader_done_ = false;
  std::uint64_t loop_ = 0;
  std::uint64_t order_ = 0;
  std::optional<Held> current_;
  double current_due_ = 0;
  // Re-basing state.
  bool first_in_loop_ = true;
  double prev_trace_t_ = 0;  // trace time of the previous record in this loop
  double prev_due_ = 0;      // scenario due time of the previous record
  double loop_start_due_ = 0;
  std::uint64_t loop_records_ = 0;
  std::uint64_t out_of_order_ = 0, gaps_capped_ = 0, malformed_ = 0, oversized_ = 0, replayed_ = 0;
};

}  // namespace memgate::load
