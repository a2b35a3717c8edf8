// Where records go: a file descriptor the target reads (its stdin pipe, a connected
// unix or TCP socket). Writes are non-blocking + poll so that the time the target
// makes us wait (backpressure) is measured, and so stop() can interrupt a write to a
// target that stopped reading.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "sys/stream_writer.h"

#include "sys/connect.h"

namespace memgate::load {

class Transport {
 public:
  virtual ~Transport() = default;
  // Writes all of bytes (whole lines) unless the peer goes away or stop is raised;
  // returns how many bytes were written. A write that stop interrupts ends at a line's
  // end unless the peer takes nothing more for kFinishRecordNs.
  virtual std::size_t write(std::string_view bytes, const std::atomic<bool>& stop) = 0;
  virtual bool peer_closed() const = 0;
  virtual double blocked_s() const = 0;  // time spent waiting for the peer to read
  virtual void close() = 0;              // the target sees EOF
};

class FdTransport final : public Transport {
 public:
  // Takes ownership of fd (a pipe write end or a connected stream socket).
  static constexpr int kPipeBytes = 1 << 20;                      // a pipe's buffer is raised to this when allowed
  static constexpr std::int64_t kFinishRecordNs = 1'000'000'000;  // to end a stopped write at a line's end
  explicit FdTransport(int fd, std::string description);
  ~FdTransport() override;
  FdTransport(const FdTransport&) = delete;
  FdTransport& operator=(const FdTransport&) = delete;

  std::size_t write(std::string_view bytes, const std::atomic<bool>& stop) override;
  bool peer_closed() const override { return peer_closed_; }
  double blocked_s() const override { return static_cast<double>(blocked_ns_) * 1e-9; }
  void close() override;
  const std::string& description() const { return description_; }

 private:
  sys::StreamWriter writer_;
  bool peer_closed_ = false;
  std::int64_t blocked_ns_ = 0;
  std::string description_;
};

// The longest unix socket path connect() takes (sun_path is 108 bytes with its NUL).
inline constexpr std::size_t kMaxUnixPathBytes = sys::kMaxUnixSocketPath;
// Empty when `path` fits; else the one-line reason (for validation before anything starts).
std::string unix_path_problem(const std::string& path);

// Connects, retrying while the target is not listening yet (ENOENT / ECONNREFUSED)
// until timeout_s or stop; throws memgate::Error(target_failed) naming the endpoint.
int connect_unix(const std::string& path, double timeout_s, const std::atomic<bool>& stop);
int connect_tcp(const std::string& host, int port, double timeout_s, const std::atomic<bool>& stop);

}  // namespace memgate::load
