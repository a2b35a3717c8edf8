// One streamed file of the sample log with rotation (record/segments.h says the layout):
// the live file, closing it as a numbered segment when it reaches the segment size, and
// compressing closed segments a bounded step at a time on the writing thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "sys/segment_io.h"

namespace memgate::record {

class SegmentedFile {
 public:
  // header: the first line of every live file ("" for none), without its newline.
  // segment_bytes 0: never rotate. Throws Error(usage) when DIR/name cannot be created.
  SegmentedFile(std::string dir, std::string name, std::string header, std::uint64_t segment_bytes);
  ~SegmentedFile();  // finishes a compression in flight, closes the live file
  SegmentedFile(const SegmentedFile&) = delete;
  SegmentedFile& operator=(const SegmentedFile&) = delete;

  std::FILE* get() const { return file_; }
  const std::string& path() const { return path_; }
  // After a flush: closes the live file as a segment when it is due and starts a new
  // one. Returns 0, or the errno of a failure (then the live file is gone: no more rows).
  int rotate_if_due();
  // Compresses up to max_bytes more of a closed segment waiting for it.
  void compress_step(std::size_t max_bytes);
  unsigned closed_segments() const { return next_index_ - first_index_; }

 private:
  int open_live();
  std::string dir_, name_, path_, header_;
  std::uint64_t segment_bytes_;
  std::FILE* file_ = nullptr;
  unsigned first_index_ = 1, next_index_ = 1;
  std::unique_ptr<sys::ZstdCompressJob> job_;
};

}  // namespace memgate::record
