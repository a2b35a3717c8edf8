#include "common/spill_store.h"

#include <fstream>
#include <stdexcept>

namespace pipelines {

SpillStore::SpillStore(std::filesystem::path dir, std::uint64_t cap_bytes, std::size_t lines_per_file)
    : dir_(std::move(dir)), cap_bytes_(cap_bytes), lines_per_file_(lines_per_file) {
  std::filesystem::create_directories(dir_);
}

SpillStore::~SpillStore() {
  std::lock_guard lock(mutex_);
  if (current_) std::fclose(current_);
}

bool SpillStore::write(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (bytes_ + line.size() + 1 > cap_bytes_) {
    ++refusals_;
    return false;
  }
  if (!current_) {
    char name[64];
    std::snprintf(name, sizeof name, "overflow_%08llu.jsonl", static_cast<unsigned long long>(next_file_++));
    current_path_ = dir_ / name;
    current_ = std::fopen(current_path_.c_str(), "w");
    if (!current_) throw std::runtime_error("cannot write spill file " + current_path_.string());
    current_lines_ = 0;
    current_bytes_ = 0;
  }
  std::fputs(line.c_str(), current_);
  std::fputc('\n', current_);
  bytes_ += line.size() + 1;
  current_bytes_ += line.size() + 1;
  if (++current_lines_ >= lines_per_file_) seal_locked();
  return true;
}

void SpillStore::seal_locked() {
  if (!current_) return;
  if (std::fclose(current_) != 0) throw std::runtime_error("cannot close spill file " + current_path_.string());
  current_ = nullptr;
  sealed_.emplace_back(current_path_, current_bytes_);
}

void SpillStore::seal() {
  std::lock_guard lock(mutex_);
  seal_locked();
}

std::optional<std::vector<std::string>> SpillStore::take_oldest() {
  std::filesystem::path path;
  std::uint64_t size = 0;
  {
    std::lock_guard lock(mutex_);
    if (sealed_.empty()) return std::nullopt;
    std::tie(path, size) = sealed_.front();
    sealed_.pop_front();
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  // Deleted once read: the caller enqueues every line before it asks for the next file.
  std::filesystem::remove(path);
  std::lock_guard lock(mutex_);
  bytes_ -= size;
  return lines;
}

bool SpillStore::has_sealed() const {
  std::lock_guard lock(mutex_);
  return !sealed_.empty();
}
bool SpillStore::empty() const {
  std::lock_guard lock(mutex_);
  return sealed_.empty() && !current_;
}
std::uint64_t SpillStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
std::uint64_t SpillStore::cap_refusals() const {
  std::lock_guard lock(mutex_);
  return refusals_;
}

}  // namespace pipelines
