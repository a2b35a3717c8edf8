// The file operations of the sample log's rotation (record/segments.h): creating a live
// file, renaming a closed segment, and zstd compression through libzstd (Debian
// libzstd-dev). Compression runs in bounded steps so the sampling
// thread never stalls on a whole segment; reading streams in fixed-size chunks so
// memgate's memory does not grow with a segment's size.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>

namespace memgate::sys {

// Compresses `source` into `target` in steps: the frame goes to target + ".tmp", which is
// renamed to `target` once complete, and only then is `source` removed, so after a
// crash at any point either `source` or a complete `target` holds the data.
class ZstdCompressJob {
 public:
  // skip_first_line: leave the source's first line out (a repeated CSV header).
  ZstdCompressJob(std::string source, std::string target, bool skip_first_line, int level = 3);
  ~ZstdCompressJob();  // an unfinished job leaves `source` and removes the temp file
  ZstdCompressJob(const ZstdCompressJob&) = delete;
  ZstdCompressJob& operator=(const ZstdCompressJob&) = delete;

  // Compresses up to max_input_bytes more of the source; true when the job is over
  // (done or failed). A failure (disk full...) keeps `source` and sets error().
  bool step(std::size_t max_input_bytes);
  bool done() const { return state_ != State::running; }
  int error() const { return error_; }  // errno of the failure, 0 when none
  std::size_t input_bytes() const { return in_bytes_; }
  std::size_t output_bytes() const { return out_bytes_; }

 private:
  enum class State { running, finished, failed };
  bool fail(int err);
  bool finish();
  std::string source_, target_, temp_;
  bool skip_first_line_;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
  struct Context;
  std::unique_ptr<Context> ctx_;
  State state_ = State::running;
  int error_ = 0;
  std::size_t in_bytes_ = 0, out_bytes_ = 0;
};

// Creates or truncates path for buffered writing (close-on-exec, 64 KiB buffer); null
// with errno set when it cannot.
std::FILE* create_stream(const std::string& path);

// rename(2): 0, or the errno of the failure (a log segment being closed).
int rename_file(const std::string& from, const std::string& to);

// Reads a file in chunks, decompressing it when its name ends in ".zst". A truncated or
// corrupt frame reads as the data decoded before it and sets corrupt().
class ChunkReader {
 public:
  // Throws Error(usage) "cannot read PATH: <reason>" + hint when it cannot be opened.
  ChunkReader(const std::string& path, const std::string& hint);
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;
  // Up to capacity bytes into buffer; 0 at the end.
  std::size_t read(char* buffer, std::size_t capacity);
  bool corrupt() const { return corrupt_; }

 private:
  std::FILE* file_ = nullptr;
  struct Context;
  std::unique_ptr<Context> ctx_;  // null for a plain file
  bool corrupt_ = false;
};

}  // namespace memgate::sys
