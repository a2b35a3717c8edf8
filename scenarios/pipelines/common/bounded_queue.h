// The queue between producer and consumers: bounded (capacity > 0) so that a full
// queue pushes back on the producer, with a pause gate for the memory throttle.
// capacity 0 makes it unbounded: the anti-pattern the sensor-ingestion seed warns of.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace pipelines {

template <class T>
class BoundedQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Waits while full or paused, until the deadline; false: timed out (item untouched).
  bool push_until(T& item, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!not_full_.wait_until(lock, deadline, [&] { return closed_ || accepts(); })) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  void push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || accepts(); });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // nullopt once closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    // Wake a waiting producer only once a quarter of the queue is free: waking it per
    // item makes producer and consumers ping-pong on every record.
    if (capacity_ == 0 || items_.size() <= capacity_ - std::max<std::size_t>(1, capacity_ / 4)) not_full_.notify_all();
    return item;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  void set_paused(bool paused) {
    std::lock_guard lock(mutex_);
    paused_ = paused;
    not_full_.notify_all();
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }
  // depth / capacity (0 for an unbounded queue: it has no ratio to report).
  double utilisation() const { return capacity_ ? static_cast<double>(size()) / static_cast<double>(capacity_) : 0.0; }

 private:
  bool accepts() const { return !paused_ && (capacity_ == 0 || items_.size() < capacity_); }
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false, paused_ = false;
};

}  // namespace pipelines
