// Record input: stdin, or one connection accepted on a unix socket or a TCP port (what
// memgate's traffic transports connect to). Lines longer than max_line are skipped up
// to their newline and reported as oversized, so a bad record cannot exhaust memory.
#pragma once

#include <cstddef>
#include <string>

namespace pipelines {

class LineInput {
 public:
  // spec: "-" or "stdin", "unix:PATH", "tcp:PORT" (listens on 127.0.0.1).
  // Throws std::runtime_error with a one-line reason.
  LineInput(const std::string& spec, std::size_t max_line);
  ~LineInput();
  LineInput(const LineInput&) = delete;
  LineInput& operator=(const LineInput&) = delete;

  enum class Status { line, oversized, end, drain };
  // Blocks until a line, EOF, or a drain request (checked every 100 ms).
  Status next(std::string& line);

 private:
  bool fill();  // false: EOF or drain
  int fd_ = -1, listen_fd_ = -1;
  std::string unix_path_;
  std::size_t max_line_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false, drained_ = false;
};

}  // namespace pipelines
