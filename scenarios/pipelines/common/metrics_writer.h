// The target side of memgate's metrics channel (docs/metrics-channel.md): when
// MEMGATE_METRICS_PATH is set, JSON lines go to that FIFO, each one write() of at most
// PIPE_BUF bytes (atomic with several writers) carrying our pid. The FIFO is opened
// non-blocking and a full pipe drops the line: metrics must never slow the pipeline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

namespace pipelines {

class MetricsWriter {
 public:
  MetricsWriter();  // reads MEMGATE_METRICS_PATH; without it every emit is a no-op
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  bool enabled() const { return fd_ >= 0; }
  // Adds "pid" and writes one line; returns false when dropped (full pipe, too long).
  bool emit(nlohmann::json fields);
  std::uint64_t dropped() const { return dropped_.load(); }

  // Calls snapshot() every interval on a thread of its own and emits the result,
  // until stop_periodic() (idempotent; also called by the destructor).
  void start_periodic(std::chrono::milliseconds interval, std::function<nlohmann::json()> snapshot);
  void stop_periodic();

 private:
  int fd_ = -1;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace pipelines
