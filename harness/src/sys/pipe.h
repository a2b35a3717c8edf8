// A pipe whose ends close themselves (both CLOEXEC, so a spawned child only gets the
// end it is handed explicitly).
#pragma once

namespace memgate::sys {

class Pipe {
 public:
  Pipe() = default;
  static Pipe create();  // throws Error(internal) on failure
  Pipe(Pipe&& other) noexcept;
  Pipe& operator=(Pipe&& other) noexcept;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe();

  int read_end() const { return fds_[0]; }
  void close_read_end();
  // Hands the write end to a new owner (who closes it); -1 if there is none.
  int release_write_end();

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace memgate::sys
