// The sample log: what a run leaves on disk, streamed as it is taken so that a crash
// or SIGKILL of memgate loses at most the last second, and memgate's memory never
// grows with run length. `memgate report DIR` recomputes everything from these files.
//
//   samples.csv    one row per tick: tree totals (+ extra columns from other samplers)
//   processes.csv  one row per live process per process tick (lower rate)
//   events.jsonl   discrete events: start, exit, signals, phases, sampler notes
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memgate/sample.h"
#include "record/segmented_file.h"
#include "record/segments.h"

namespace memgate::record {

inline constexpr const char* kSamplesFile = "samples.csv";
inline constexpr const char* kProcessesFile = "processes.csv";
inline constexpr const char* kEventsFile = "events.jsonl";

// Column names of samples.csv before any extra columns, in order.
const std::vector<std::string>& tree_columns();

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// A text cell as the log writes it: ',', '"' and line breaks become '_' (no quoting).
std::string csv_safe(std::string_view text);

// Opens DIR/name for writing with a large buffer; throws Error(usage) naming the path.
File open_for_writing(const std::string& dir, const char* name);

// The first write to the sample log that failed (disk full, I/O error, file too big).
struct LogWriteError {
  std::string path;
  int error = 0;  // errno
  double t_s = 0;
  std::string message() const;  // "cannot write DIR/samples.csv at t=3.1 s: No space left on device"
};

// Writes are buffered; the first failure (at a write or a flush) is kept in error() and
// that file gets no more rows, so what is on disk stays a prefix of the run (at most one
// torn last line, which read_samples skips).
class SampleLogWriter {
 public:
  // extra_columns: appended to samples.csv (e.g. "ebpf_rss_peak_bytes"); values are
  // passed per row in the same order, NaN for "no value this tick".
  // segment_bytes: each file is closed into a zstd-compressed segment when it reaches
  // this size (record/segments.h; 0: never).
  SampleLogWriter(const std::string& dir, std::vector<std::string> extra_columns,
                  std::uint64_t segment_bytes = kDefaultSegmentBytes);

  // scenario_t_s: the scenario clock (t_s times the time scale; t_s without a schedule).
  void write_tree(const TreeSample& sample, std::string_view phase, double scenario_t_s,
                  const std::vector<double>& extra);
  void write_processes(double t_s, const std::vector<ProcessSample>& processes);
  // Adds "t_s", "scenario_t_s" (t_s times the time scale) and "kind" to fields.
  void write_event(double t_s, std::string_view kind, nlohmann::json fields = nlohmann::json::object());
  // The traffic's time scale (scenario seconds per wall second) for events' scenario_t_s.
  void set_time_scale(double time_scale) { time_scale_ = time_scale; }
  // Flushes when at least one second passed since the last flush (or always when forced);
  // then closes a file grown to the segment size and compresses a step of a closed one.
  void maybe_flush(double now_s, bool force = false);
  std::size_t rows() const { return rows_; }
  const std::optional<LogWriteError>& error() const { return error_; }

 private:
  struct Output {
    std::unique_ptr<SegmentedFile> file;
    std::string path;
    bool failed = false;
  };
  bool usable(Output& out) const { return !out.failed && out.file && out.file->get(); }
  void check(Output& out, bool ok, double t_s);

  Output samples_, processes_, events_;
  std::optional<LogWriteError> error_;
  std::size_t extra_count_;
  std::size_t rows_ = 0;
  double last_flush_s_ = 0;
  double time_scale_ = 1;
};

// Streaming reader of samples.csv: calls on_row for every row with a lookup
// function by column name. Unknown columns read as NaN; empty cells as NaN.
class SampleRow {
 public:
  double get(std::string_view column) const;
  std::string_view text(std::string_view column) const;
  bool has(std::string_view column) const { return index_->find(column) != index_->end(); }
  std::size_t line() const { return line_; }

 private:
  friend std::size_t read_samples(const std::string&, const std::function<void(const SampleRow&)>&);
  const std::map<std::string, std::size_t, std::less<>>* index_ = nullptr;
  std::vector<std::string_view> cells_;
  std::size_t line_ = 0;
};

// Reads path's closed segments (compressed or not) and then its live file
// (record/log_lines.h). Throws Error(usage) naming the file and line on malformed input.
// Returns how many torn lines were skipped: the unterminated last line a run that was
// killed (or ran out of disk) mid-write leaves (0 or 1 per file).
std::size_t read_samples(const std::string& path, const std::function<void(const SampleRow&)>& on_row);

// 1 when the file's last line is torn (the file is not empty and does not end with a
// newline: memgate was killed mid-write), else 0; 0 for a file that cannot be read.
// Reads only the last byte, for files no reader of the report streams (events.jsonl).
std::size_t torn_last_line(const std::string& path);

// Streaming reader of events.jsonl (its segments, then the live file): calls on_event for
// every event whose "kind" is `kind`, in order. A missing file reads as no events; lines that are not JSON objects
// (a torn last line) are skipped; lines longer than max_line are skipped unparsed.
void read_events(const std::string& path, std::string_view kind,
                 const std::function<void(const nlohmann::json&)>& on_event, std::size_t max_line = 1 << 20);

}  // namespace memgate::record
