#include "record/segmented_file.h"

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "record/sample_log.h"
#include "record/segments.h"

namespace memgate::record {

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  return names;
}

}  // namespace

SegmentedFile::SegmentedFile(std::string dir, std::string name, std::string header, std::uint64_t segment_bytes)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      path_(dir_ + "/" + name_),
      header_(std::move(header)),
      segment_bytes_(segment_bytes) {
  first_index_ = next_index_ = next_segment_index(name_, names_in(dir_));
  file_ = open_for_writing(dir_, name_.c_str()).release();
  if (!header_.empty()) std::fprintf(file_, "%s\n", header_.c_str());
}

SegmentedFile::~SegmentedFile() {
  if (file_) std::fclose(file_);
  while (job_ && !job_->step(std::size_t{1} << 24)) {
  }
}

int SegmentedFile::open_live() {
  file_ = sys::create_stream(path_);
  if (!file_) return errno;
  if (!header_.empty()) std::fprintf(file_, "%s\n", header_.c_str());
  return std::fflush(file_) == 0 ? 0 : errno;
}

int SegmentedFile::rotate_if_due() {
  if (!file_) return 0;
  const long bytes = std::ftell(file_);
  if (bytes < 0 || !should_rotate(static_cast<std::uint64_t>(bytes), segment_bytes_)) return 0;
  // One compression at a time: a segment fills far slower than it compresses, so this
  // only waits when the segment size is tiny.
  while (job_ && !job_->step(std::size_t{1} << 24)) {
  }
  job_.reset();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!closed) return errno != 0 ? errno : EIO;
  const std::string segment = dir_ + "/" + segment_name(name_, next_index_, false);
  if (const int err = sys::rename_file(path_, segment)) return err;
  // Segment 1 keeps the header inside its .zst, so `zstdcat NAME.*.zst` is one valid CSV.
  job_ = std::make_unique<sys::ZstdCompressJob>(segment, dir_ + "/" + segment_name(name_, next_index_, true),
                                                !header_.empty() && next_index_ > 1);
  ++next_index_;
  return open_live();
}

void SegmentedFile::compress_step(std::size_t max_bytes) {
  if (job_ && job_->step(max_bytes)) job_.reset();  // a failed one leaves its segment uncompressed
}

}  // namespace memgate::record
