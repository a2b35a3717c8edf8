#include "common/metrics_writer.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>

namespace pipelines {

MetricsWriter::MetricsWriter() {
  if (const char* path = std::getenv("MEMGATE_METRICS_PATH"); path && *path)
    fd_ = ::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_APPEND);  // O_APPEND: a regular file works too
}

MetricsWriter::~MetricsWriter() {
  stop_periodic();
  if (fd_ >= 0) ::close(fd_);
}

bool MetricsWriter::emit(nlohmann::json fields) {
  if (fd_ < 0) return false;
  fields["pid"] = ::getpid();
  std::string line = fields.dump();
  line += '\n';
  if (line.size() > PIPE_BUF) {  // would not be atomic: other writers could interleave
    ++dropped_;
    return false;
  }
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    ++dropped_;
    return false;
  }
  return true;
}

void MetricsWriter::start_periodic(std::chrono::milliseconds interval, std::function<nlohmann::json()> snapshot) {
  if (fd_ < 0 || thread_.joinable()) return;
  thread_ = std::thread([this, interval, snapshot = std::move(snapshot)] {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      lock.unlock();
      emit(snapshot());
      lock.lock();
      wake_.wait_for(lock, interval, [this] { return stop_; });
    }
  });
}

void MetricsWriter::stop_periodic() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pipelines
