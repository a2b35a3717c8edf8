#include "load/trace.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "memgate/error.h"
#include "sys/file_access.h"

namespace memgate::load {

TraceWriter::TraceWriter(const std::string& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_)
    throw Error(ExitCode::usage, "cannot create trace file " + path + "; check the directory exists and is writable");
}

void TraceWriter::write(double t_s, std::string_view line, std::string_view phase) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const auto quoted = [](std::string_view text) {
    return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  const std::size_t start = buffer_.size();
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, t_s, std::chars_format::fixed, 6);
  buffer_ += "{\"t\":";
  buffer_.append(buf, ec == std::errc() ? end : buf);
  if (!phase.empty()) {
    buffer_ += ",\"phase\":";
    buffer_ += quoted(phase);
  }
  buffer_ += ",\"line\":";
  // The record is kept as a string so that deliberately malformed records survive.
  buffer_ += quoted(line);
  buffer_ += "}\n";
  if (buffer_.size() - start > kMaxTraceLineBytes + 1) {
    const std::size_t size = buffer_.size() - start - 1;
    buffer_.resize(start);
    throw Error(ExitCode::usage, "trace record " + std::to_string(lines_ + 1) + " would be a line of " +
                                     std::to_string(size) + " bytes; a trace line may be at most " +
                                     std::to_string(kMaxTraceLineBytes) +
                                     " bytes (lower the payload's oversized_bytes)");
  }
  ++lines_;
  if (buffer_.size() >= (1 << 20)) {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }
}

void TraceWriter::close() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
  out_.close();
  if (out_.fail()) throw Error(ExitCode::usage, "could not write trace file " + path_ + " (disk full?)");
}

std::optional<double> parse_utc_seconds(const std::string& text) {
  int year, month, day, hour, minute, used = 0;
  double second;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &year, &month, &day, &hour, &minute, &second, &used) != 6)
    return std::nullopt;
  const std::string zone = text.substr(static_cast<std::size_t>(used));
  if (!(zone.empty() || zone == "Z" || zone == "+00:00")) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || !(second >= 0 && second < 61))
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  const double whole = std::floor(second);
  tm.tm_sec = static_cast<int>(whole);
  return static_cast<double>(::timegm(&tm)) + (second - whole);
}

TraceReader::TraceReader(const std::string& path, TraceReadOptions options)
    : path_(path), options_(std::move(options)), in_(path, std::ios::binary) {
  if (!in_) throw Error(ExitCode::usage, errno_message("cannot open trace file " + path, errno) + "; check the path");
  if (const auto st = sys::file_status(path); st && st->directory)
    throw Error(ExitCode::usage, "trace file " + path + " is a directory; expected a JSON-lines file");
  buffer_.resize(1 << 16);
}

bool TraceReader::read_line(bool& too_long) {
  line_.clear();
  too_long = false;
  bool any = false;
  while (true) {
    if (pos_ == len_) {
      if (eof_) return any;
      const std::streamsize n = in_.rdbuf()->sgetn(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
      pos_ = 0;
      len_ = n > 0 ? static_cast<std::size_t>(n) : 0;
      if (len_ == 0) {
        eof_ = true;
        return any;
      }
    }
    any = true;
    const char* begin = buffer_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', len_ - pos_));
    const std::size_t n = nl ? static_cast<std::size_t>(nl - begin) : len_ - pos_;
    if (!too_long) {
      if (line_.size() + n > kMaxTraceLineBytes) {
        too_long = true;  // the rest of the line is read past, never held
        line_.clear();
      } else {
        line_.append(begin, n);
      }
    }
    pos_ += n + (nl ? 1 : 0);
    if (nl) return true;
  }
}

bool TraceReader::next(TraceEntry& entry) {
  bool too_long = false;
  while (read_line(too_long)) {
    ++line_no_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (!too_long && line_.find_first_not_of(" \t") == std::string::npos) continue;
    std::string problem;
    auto doc =
        too_long ? nlohmann::json(nlohmann::json::value_t::discarded) : nlohmann::json::parse(line_, nullptr, false);
    if (too_long) {
      ++oversized_;
      problem = "longer than " + std::to_string(kMaxTraceLineBytes) + " bytes (the trace line limit)";
    } else if (doc.is_discarded()) {
      problem = "not valid JSON";
    } else if (!doc.is_object()) {
      problem = "expected a JSON object";
    } else if (auto t = doc.find(options_.time_field); t == doc.end()) {
      problem = "no \"" + options_.time_field + "\" field (the send time)";
    } else if (t->is_number()) {
      entry.t_s = t->get<double>();
      if (!std::isfinite(entry.t_s)) problem = "\"" + options_.time_field + "\" is not a finite number";
    } else if (auto parsed = t->is_string() ? parse_utc_seconds(t->get<std::string>()) : std::nullopt)
      entry.t_s = *parsed;
    else {
      problem = "\"" + options_.time_field + "\" must be seconds (a number) or an ISO-8601 UTC time";
    }
    if (!problem.empty()) {
      if (options_.skip_malformed) {
        ++malformed_;
        continue;
      }
      throw Error(ExitCode::usage, path_ + ":" + std::to_string(line_no_) + ": " + problem +
                                       "; fix the line or skip such lines with skip_malformed (--skip-malformed)");
    }
    auto field = doc.find(options_.line_field);
    entry.record = field != doc.end() && field->is_string() ? field->get<std::string>() : line_;
    auto phase = doc.find(options_.phase_field);
    entry.phase = phase != doc.end() && phase->is_string() ? phase->get<std::string>() : std::string();
    entry.line_no = line_no_;
    return true;
  }
  return false;
}

void SentPhase::set(std::string_view phase) {
  std::lock_guard lock(mutex_);
  phase_ = phase;
}

std::string SentPhase::get() const {
  std::lock_guard lock(mutex_);
  return phase_;
}

TraceSource::TraceSource(std::string path, ReplayOptions options, SentPhase* sent)
    : path_(std::move(path)), options_(std::move(options)), sent_(sent) {
  if (!(options_.multiplier > 0) || !std::isfinite(options_.multiplier))
    throw Error(ExitCode::usage,
                "replay multiplier: expected a number > 0, got " + std::to_string(options_.multiplier));
  if (options_.max_gap_s < 0)
    throw Error(ExitCode::usage, "replay max_gap_s: expected 0 (no cap) or a positive number");
  open_loop();
}

void TraceSource::open_loop() {
  reader_.emplace(path_, options_.read);
  reader_done_ = false;
  first_in_loop_ = true;
}

bool TraceSource::fill() {
  if (current_) return true;
  while (true) {
    TraceEntry entry;
    while (!reader_done_ && window_.size() <= options_.reorder_window) {
      if (reader_->next(entry)) {
        window_.push({entry.t_s, order_++, std::move(entry.record), std::move(entry.phase)});
      } else {
        reader_done_ = true;
        if (loop_ == 0) {
          malformed_ = reader_->malformed();
          oversized_ = reader_->oversized();
        }
      }
    }
    if (!window_.empty()) break;
    // This pass is over: loop again when asked and when the trace had anything.
    if (loop_records_ == 0 || (options_.loops != 0 && loop_ + 1 >= options_.loops)) return false;
    ++loop_;
    open_loop();
  }
  Held held = window_.top();
  window_.pop();
  double due;
  if (first_in_loop_) {
    if (loop_ == 0) {
      due = 0;
    } else {
      // One mean gap between loops; 1 s of trace time when the pass had no span (one
      // record, or all at one time): without it an endless replay would never leave t=0.
      const double span = prev_due_ - loop_start_due_;
      const double mean_gap =
          loop_records_ > 1 && span > 0 ? span / static_cast<double>(loop_records_ - 1) : 1.0 / options_.multiplier;
      due = std::max(prev_due_ + mean_gap, std::nextafter(prev_due_, INFINITY));
    }
    loop_start_due_ = due;
    loop_records_ = 0;
    prev_trace_t_ = held.t_s;
    first_in_loop_ = false;
  } else {
    double gap = held.t_s - prev_trace_t_;
    if (gap < 0) {
      ++out_of_order_;  // older than what the reorder window already released
      gap = 0;
    }
    if (options_.max_gap_s > 0 && gap > options_.max_gap_s) {
      ++gaps_capped_;
      gap = options_.max_gap_s;
    }
    due = prev_due_ + gap / options_.multiplier;
    prev_trace_t_ = std::max(prev_trace_t_, held.t_s);
  }
  prev_due_ = due;
  ++loop_records_;
  current_due_ = due;
  current_ = std::move(held);
  return true;
}

std::optional<double> TraceSource::next_due() {
  if (!fill()) return std::nullopt;
  return current_due_;
}

std::string_view TraceSource::phase() const {
  return current_ && !current_->phase.empty() ? std::string_view(current_->phase) : std::string_view("replay");
}

void TraceSource::emit(std::string& out) {
  if (!fill()) return;
  out += current_->record;
  out += '\n';
  ++replayed_;
  if (sent_ && phase() != last_sent_phase_) {
    last_sent_phase_ = phase();
    sent_->set(last_sent_phase_);
  }
  current_.reset();
}

void TraceSource::skip() {
  if (fill()) current_.reset();
}

nlohmann::json TraceSource::stats() const {
  return {{"trace", path_},
          {"loops_started", loop_ + 1},
          {"out_of_order", out_of_order_},
          {"gaps_capped", gaps_capped_},
          {"malformed_lines", malformed_},
          {"oversized_lines", oversized_},
          {"replayed", replayed_}};
}

}  // namespace memgate::load
