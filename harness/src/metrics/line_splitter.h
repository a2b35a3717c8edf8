// Splits a byte stream into lines of at most max_line bytes, carrying partial lines
// across reads. A longer line is discarded up to its newline (memory stays bounded).
// Pure: bytes in, callbacks out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memgate::metrics {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  // on_line(std::string_view) for each complete line; on_oversized() for each discarded one.
  template <class OnLine, class OnOversized>
  void feed(std::string_view bytes, OnLine&& on_line, OnOversized&& on_oversized) {
    while (!bytes.empty()) {
      const auto nl = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, nl);
      if (!skipping_) {
        if (partial_.size() + piece.size() > max_line_) {
          partial_.clear();
          skipping_ = true;
          on_oversized();
        } else {
          partial_.append(piece);
        }
      }
      if (nl == std::string_view::npos) return;
      if (!skipping_ && !partial_.empty()) on_line(std::string_view(partial_));
      partial_.clear();
      skipping_ = false;
      bytes.remove_prefix(nl + 1);
    }
  }
  // Bytes of an unfinished line held (at most max_line).
  std::size_t pending() const { return partial_.size(); }

 private:
  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;
};

}  // namespace memgate::metrics
