#include "record/sample_log.h"

#include <cerrno>
#include <charconv>
#include <cmath>

#include "memgate/error.h"
#include "record/json_file.h"
#include "record/log_lines.h"
#include "memgate/units.h"

namespace memgate::record {

const std::vector<std::string>& tree_columns() {
  static const std::vector<std::string> columns = {"t_s",
                                                   "scenario_t_s",
                                                   "wall_ms",
                                                   "phase",
                                                   "processes",
                                                   "rss_bytes",
                                                   "rss_anon_bytes",
                                                   "rss_file_bytes",
                                                   "rss_shmem_bytes",
                                                   "hwm_max_bytes",
                                                   "swap_bytes",
                                                   "pss_bytes",
                                                   "fds",
                                                   "threads",
                                                   "minor_faults",
                                                   "major_faults",
                                                   "cpu_s"};
  return columns;
}

File open_for_writing(const std::string& dir, const char* name) {
  const std::string path = dir + "/" + name;
  File file(std::fopen(path.c_str(), "we"));
  if (!file) throw Error(ExitCode::usage, errno_message("cannot write " + path, errno) + " (choose a writable --out)");
  std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 16);
  return file;
}

std::string LogWriteError::message() const {
  return errno_message("cannot write " + path + " at t=" + format_duration(t_s), error);
}

namespace {

std::string samples_header(const std::vector<std::string>& extra_columns) {
  std::string header;
  for (const auto& c : tree_columns()) header += (header.empty() ? "" : ",") + c;
  for (const auto& c : extra_columns) header += "," + c;
  return header;
}

}  // namespace

SampleLogWriter::SampleLogWriter(const std::string& dir, std::vector<std::string> extra_columns,
                                 std::uint64_t segment_bytes)
    : samples_{std::make_unique<SegmentedFile>(dir, kSamplesFile, samples_header(extra_columns), segment_bytes),
               dir + "/" + kSamplesFile},
      processes_{std::make_unique<SegmentedFile>(
                     dir, kProcessesFile,
                     "t_s,pid,ppid,comm,rss_bytes,rss_anon_bytes,rss_file_bytes,rss_shmem_bytes,hwm_bytes,"
                     "swap_bytes,pss_bytes,fds,threads,minor_faults,major_faults,cpu_s",
                     segment_bytes),
                 dir + "/" + kProcessesFile},
      events_{std::make_unique<SegmentedFile>(dir, kEventsFile, "", segment_bytes), dir + "/" + kEventsFile},
      extra_count_(extra_columns.size()) {
  // The headers reach the disk at once: a memgate killed before its first flush still
  // leaves readable (empty) logs.
  maybe_flush(0, true);
}

// stdio keeps the error of a failed write (ferror), and errno still holds its reason
// right after the call that failed.
void SampleLogWriter::check(Output& out, bool ok, double t_s) {
  if (ok && !std::ferror(out.file->get())) return;
  const int err = errno != 0 ? errno : EIO;
  out.failed = true;
  if (!error_) error_ = LogWriteError{out.path, err, t_s};
}

namespace {

void put_optional(std::FILE* f, const std::optional<std::uint64_t>& value) {
  if (value) std::fprintf(f, ",%llu", static_cast<unsigned long long>(*value));
  else std::fputc(',', f);
}

}  // namespace

// Phases and comm come from programs we do not control: keep the CSV parseable.
std::string csv_safe(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == ',' || c == '\n' || c == '\r' || c == '"') c = '_';
  return out;
}

void SampleLogWriter::write_tree(const TreeSample& s, std::string_view phase, double scenario_t_s,
                                 const std::vector<double>& extra) {
  ++rows_;
  if (!usable(samples_)) return;
  errno = 0;
  std::FILE* f = samples_.file->get();
  std::fprintf(f, "%.6f,%.6f,%lld,%s,%u,%llu,%llu,%llu,%llu,%llu,%llu", s.t_s, scenario_t_s,
               static_cast<long long>(s.wall_ms), csv_safe(phase).c_str(), s.processes,
               static_cast<unsigned long long>(s.rss_bytes), static_cast<unsigned long long>(s.rss_anon_bytes),
               static_cast<unsigned long long>(s.rss_file_bytes), static_cast<unsigned long long>(s.rss_shmem_bytes),
               static_cast<unsigned long long>(s.hwm_max_bytes), static_cast<unsigned long long>(s.swap_bytes));
  put_optional(f, s.pss_bytes);
  std::fprintf(f, ",%u,%u,%llu,%llu,%.3f", s.fds, s.threads, static_cast<unsigned long long>(s.minor_faults),
               static_cast<unsigned long long>(s.major_faults), s.cpu_seconds);
  for (std::size_t i = 0; i < extra_count_; ++i) {
    const double v = i < extra.size() ? extra[i] : NAN;
    if (std::isnan(v)) std::fputc(',', f);
    else std::fprintf(f, ",%.17g", v);
  }
  check(samples_, std::fputc('\n', f) != EOF, s.t_s);
}

void SampleLogWriter::write_processes(double t_s, const std::vector<ProcessSample>& processes) {
  if (!usable(processes_)) return;
  errno = 0;
  std::FILE* f = processes_.file->get();
  for (const auto& p : processes) {
    std::fprintf(f, "%.6f,%d,%d,%s,%llu,%llu,%llu,%llu,%llu,%llu", t_s, p.pid, p.ppid, csv_safe(p.comm).c_str(),
                 static_cast<unsigned long long>(p.rss_bytes), static_cast<unsigned long long>(p.rss_anon_bytes),
                 static_cast<unsigned long long>(p.rss_file_bytes), static_cast<unsigned long long>(p.rss_shmem_bytes),
                 static_cast<unsigned long long>(p.hwm_bytes), static_cast<unsigned long long>(p.swap_bytes));
    put_optional(f, p.pss_bytes);
    std::fprintf(f, ",%u,%u,%llu,%llu,%.3f\n", p.fds, p.threads, static_cast<unsigned long long>(p.minor_faults),
                 static_cast<unsigned long long>(p.major_faults), p.cpu_seconds);
  }
  check(processes_, true, t_s);
}

void SampleLogWriter::write_event(double t_s, std::string_view kind, nlohmann::json fields) {
  fields["t_s"] = t_s;
  fields["scenario_t_s"] = t_s * time_scale_;
  fields["kind"] = kind;
  const std::string line = dump_json(fields);  // an argv or path with invalid UTF-8 must not end the run
  if (!usable(events_)) return;
  errno = 0;
  check(events_, std::fprintf(events_.file->get(), "%s\n", line.c_str()) >= 0, t_s);
}

void SampleLogWriter::maybe_flush(double now_s, bool force) {
  if (!force && now_s - last_flush_s_ < 1.0) return;
  for (Output* out : {&samples_, &processes_, &events_}) {
    if (!usable(*out)) continue;
    errno = 0;
    check(*out, std::fflush(out->file->get()) == 0, now_s);
    if (!usable(*out)) continue;
    if (const int err = out->file->rotate_if_due()) {
      out->failed = true;
      if (!error_) error_ = LogWriteError{out->path, err, now_s};
    }
    // 4 MiB a second compresses far faster than 50 processes at 10 Hz write (~0.1 MiB/s).
    out->file->compress_step(std::size_t{4} << 20);
  }
  last_flush_s_ = now_s;
}

double SampleRow::get(std::string_view column) const {
  const std::string_view cell = text(column);
  if (cell.empty()) return NAN;
  double value = NAN;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (ec != std::errc{} || end != cell.data() + cell.size()) return NAN;
  return value;
}

std::string_view SampleRow::text(std::string_view column) const {
  const auto it = index_->find(column);
  if (it == index_->end() || it->second >= cells_.size()) return {};
  return cells_[it->second];
}

std::size_t read_samples(const std::string& path, const std::function<void(const SampleRow&)>& on_row) {
  std::map<std::string, std::size_t, std::less<>> index;
  std::string header;
  SampleRow row;
  row.index_ = &index;
  constexpr std::size_t kMaxLine = std::size_t{1} << 20;
  const auto on_line = [&](const LogLine& line) {
    const std::string where = *line.source + ":" + std::to_string(line.number);
    if (line.oversized) throw Error(ExitCode::usage, where + ": line longer than 1 MiB (not a memgate sample log)");
    if (header.empty()) {
      if (line.number != 1 || line.text.rfind("t_s,", 0) != 0)
        throw Error(ExitCode::usage, where + ": not a memgate sample log (expected a header starting with 't_s,')");
      header = line.text;
      std::size_t start = 0;
      for (std::size_t i = 0;; ++i) {
        const auto comma = header.find(',', start);
        index[header.substr(start, comma - start)] = i;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return;
    }
    // Later segments start with the header again, except compressed ones (segments.h).
    if (line.text.empty() || (line.number == 1 && line.text == header)) return;
    row.cells_.clear();
    std::string_view rest(line.text);
    for (;;) {
      const auto comma = rest.find(',');
      row.cells_.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (row.cells_.size() != index.size()) {
      throw Error(ExitCode::usage, where + ": expected " + std::to_string(index.size()) + " columns, found " +
                                       std::to_string(row.cells_.size()));
    }
    row.line_ = line.number;
    on_row(row);
  };
  // A run killed (or out of disk) mid-write leaves an unterminated last line: even with
  // all its commas it may end inside a number, so it is dropped and counted.
  const std::size_t torn = read_log_lines(path, kMaxLine, on_line, false, " (is this a memgate run directory?)");
  if (header.empty())
    throw Error(ExitCode::usage, path + ":1: not a memgate sample log (expected a header starting with 't_s,')");
  return torn;
}

std::size_t torn_last_line(const std::string& path) {
  const File f(std::fopen(path.c_str(), "rb"));
  if (!f || std::fseek(f.get(), -1, SEEK_END) != 0) return 0;  // unreadable or empty
  return std::fgetc(f.get()) == '\n' ? 0 : 1;
}

void read_events(const std::string& path, std::string_view kind,
                 const std::function<void(const nlohmann::json&)>& on_event, std::size_t max_line) {
  // Cheap filter before parsing: events of other kinds (most of them) are not parsed.
  const std::string needle = "\"kind\":\"" + std::string(kind) + "\"";
  read_log_lines(
      path, max_line,
      [&](const LogLine& line) {
        if (line.oversized || line.text.find(needle) == std::string_view::npos) return;
        nlohmann::json j = nlohmann::json::parse(line.text, nullptr, false);
        if (j.is_object() && j.value("kind", "") == kind) on_event(j);
      },
      true);
}

}  // namespace memgate::record
