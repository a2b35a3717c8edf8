// Disk spillover (seed 001, step 3): records that could not enter the queue in time
// are appended to JSONL files in a directory; a file is closed after `lines_per_file`
// lines and becomes replayable; replay hands back the oldest closed file's lines and
// deletes it. The directory is capped in bytes: at the cap, write() refuses and the
// caller must block instead (nothing is dropped).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pipelines {

class SpillStore {
 public:
  SpillStore(std::filesystem::path dir, std::uint64_t cap_bytes, std::size_t lines_per_file = 1000);
  ~SpillStore();

  // false: the directory is at its cap (counted in cap_refusals()).
  bool write(const std::string& line);
  // Closes the file being written so that it can be replayed.
  void seal();
  // Lines of the oldest sealed file, which is deleted; nullopt when none is sealed.
  std::optional<std::vector<std::string>> take_oldest();
  bool has_sealed() const;
  bool empty() const;  // nothing sealed and nothing being written
  std::uint64_t bytes() const;
  std::uint64_t cap_refusals() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void seal_locked();
  std::filesystem::path dir_;
  std::uint64_t cap_bytes_;
  std::size_t lines_per_file_;
  mutable std::mutex mutex_;
  std::FILE* current_ = nullptr;
  std::filesystem::path current_path_;
  std::size_t current_lines_ = 0;
  std::deque<std::pair<std::filesystem::path, std::uint64_t>> sealed_;  // path, bytes
  std::uint64_t bytes_ = 0, current_bytes_ = 0, next_file_ = 0, refusals_ = 0;
};

}  // namespace pipelines
