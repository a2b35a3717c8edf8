// Files memgate writes itself: the target's log, FIFOs it replaces, and the one atomic
// way to write a whole file (reports, JUnit, summaries), so that a reader never sees
// half a file and a failed write never leaves a temporary behind.
#pragma once

#include <string>
#include <string_view>

namespace memgate::sys {

// An owned file descriptor, closed when it goes out of scope; -1 when empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

// Creates or truncates `path` for writing (close-on-exec). Throws Error(usage) naming
// what the file is for ("the target log"), the path and the OS reason.
UniqueFd open_for_writing(const std::string& path, const std::string& what = "");

// Removes `path` when it is a FIFO (one left by a memgate that was killed); anything
// else there is left alone.
void remove_stale_fifo(const std::string& path);

// Writes `text` to path.tmp and renames it over `path`. On failure the temporary is
// removed and Error(usage) names the file and the OS reason (e.g. no space left).
void write_text_file(const std::string& path, std::string_view text);

// Appends `text` to `path` (created if missing) in one write: for files other tools
// own and read after memgate, such as GitHub's $GITHUB_STEP_SUMMARY. Throws Error(usage).
void append_text_file(const std::string& path, std::string_view text);

// A new descriptor for memgate's stdout (close-on-exec), for a writer that owns and
// closes its fd. Throws Error(internal) "dup(stdout): <reason>".
int duplicate_stdout();

}  // namespace memgate::sys
