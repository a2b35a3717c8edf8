// A FIFO memgate creates and reads without ever blocking (the metrics channel). It
// holds its own write end, so the last writer closing is not an end of file and a
// writer's open never waits for a reader.
#pragma once

#include <cstddef>
#include <string>

namespace memgate::sys {

class Fifo {
 public:
  // Creates the FIFO at path (which must not exist) and opens both ends non-blocking.
  // Throws Error(usage) "cannot create WHAT PATH (HINT): <reason>" when it cannot be
  // created, Error(internal) "cannot open WHAT PATH: <reason>" when it cannot be opened.
  Fifo(const std::string& path, const std::string& what, const std::string& hint);
  ~Fifo();  // closes both ends and removes the FIFO
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;

  // Reads what is there now, up to size bytes; 0 when nothing is waiting.
  std::size_t read_available(char* buf, std::size_t size);

 private:
  std::string path_;
  int read_fd_ = -1;
  int keep_open_fd_ = -1;  // our own write end
};

}  // namespace memgate::sys
