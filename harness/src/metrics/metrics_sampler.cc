#include "metrics/metrics_sampler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "memgate/error.h"

namespace memgate::metrics {

MetricsSampler::MetricsSampler(MetricsOptions options)
    : options_(std::move(options)),
      table_(options_.fields, options_.limits),
      splitter_(options_.max_line) {
  for (const auto& f : options_.fields)
    if (f.empty() || f == "pid" || f == "accounting")
      throw Error(ExitCode::usage, "metrics field '" + f + "' cannot be a column; name numeric fields such as queue_depth");
  if (::mkfifo(options_.fifo_path.c_str(), 0600) != 0)
    throw Error(ExitCode::usage,
                errno_message("cannot create the metrics FIFO " + options_.fifo_path + " (choose a writable run directory)", errno));
  // O_NONBLOCK on the read end: opening succeeds with no writer, and reads never wait.
  read_fd_ = ::open(options_.fifo_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (read_fd_ >= 0) keep_open_fd_ = ::open(options_.fifo_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (read_fd_ < 0 || keep_open_fd_ < 0) {
    const int err = errno;
    if (read_fd_ >= 0) ::close(read_fd_);
    ::unlink(options_.fifo_path.c_str());
    throw Error(ExitCode::internal, errno_message("cannot open the metrics FIFO " + options_.fifo_path, err));
  }
}

MetricsSampler::~MetricsSampler() {
  if (keep_open_fd_ >= 0) ::close(keep_open_fd_);
  if (read_fd_ >= 0) ::close(read_fd_);
  ::unlink(options_.fifo_path.c_str());
}

std::string MetricsSampler::env_for_target() const { return std::string(kPathEnv) + "=" + options_.fifo_path; }

std::vector<std::string> MetricsSampler::columns() const {
  std::vector<std::string> cols;
  for (const auto& f : options_.fields) cols.push_back("metric_" + f);
  return cols;
}

void MetricsSampler::start(pid_t, EventSink&) {}

std::size_t MetricsSampler::drain(std::size_t budget_bytes) {
  char buf[16384];
  std::size_t total = 0;
  while (total < budget_bytes) {
    const ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)), [this](std::string_view line) { table_.feed(line); },
                     [this] { table_.count_oversized(); });
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: nothing more now (we hold a write end, so never EOF)
  }
  if (total >= budget_bytes) ++budget_hits_;
  bytes_ += total;
  return total;
}

void MetricsSampler::tick(double, std::span<double> out, EventSink&) {
  drain(options_.max_bytes_per_tick);
  for (std::size_t i = 0; i < out.size() && i < options_.fields.size(); ++i)
    if (const auto v = table_.declared_value(i)) out[i] = *v;  // latest value: gauges stay until updated
}

SamplerReport MetricsSampler::stop(double, EventSink&) {
  if (!stopped_) {
    // The target has exited: what is in the FIFO is all there will be (bounded by its 64 KiB).
    for (int round = 0; round < 16 && drain(options_.max_bytes_per_tick) > 0; ++round) {
    }
    stopped_ = true;
  }
  nlohmann::json f = table_.figures();
  f["path"] = options_.fifo_path;
  f["bytes"] = bytes_;
  f["ticks_at_byte_budget"] = budget_hits_;
  return {std::move(f), {}};
}

}  // namespace memgate::metrics
