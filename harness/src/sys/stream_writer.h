// The OS side of writing records to a target: a pipe or stream socket switched to
// non-blocking, writes that report "would block" instead of waiting, and a bounded wait
// for the peer to read (load/transport.cc measures that wait as backpressure).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memgate::sys {

class StreamWriter {
 public:
  // Takes ownership of fd. Switches it to O_NONBLOCK (throws Error(internal) naming
  // description when it cannot) and raises a pipe's buffer to pipe_bytes (best effort:
  // an unprivileged user over its pipe quota keeps the default).
  StreamWriter(int fd, int pipe_bytes, const std::string& description);
  ~StreamWriter();
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  enum class Status { wrote, would_block, peer_closed, failed };
  struct Result {
    Status status;
    std::size_t bytes = 0;  // > 0 when wrote
    int err = 0;            // when failed
  };
  // One write (EINTR retried). A closed pipe is peer_closed, never SIGPIPE.
  Result write_some(std::string_view bytes);
  // Waits until the peer can take more, at most timeout_ms.
  void wait_writable(int timeout_ms);
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  int fd_;
  bool is_socket_ = false;
};

}  // namespace memgate::sys
