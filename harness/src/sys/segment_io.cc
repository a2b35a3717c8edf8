#include "sys/segment_io.h"

#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "memgate/error.h"

namespace memgate::sys {

struct ZstdCompressJob::Context {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<char> in = std::vector<char>(ZSTD_CStreamInSize());
  std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());
  ~Context() { ZSTD_freeCCtx(cctx); }
};

ZstdCompressJob::ZstdCompressJob(std::string source, std::string target, bool skip_first_line, int level)
    : source_(std::move(source)),
      target_(std::move(target)),
      temp_(target_ + ".tmp"),
      skip_first_line_(skip_first_line),
      ctx_(std::make_unique<Context>()) {
  in_ = std::fopen(source_.c_str(), "rbe");
  if (!in_) {
    fail(errno);
    return;
  }
  out_ = std::fopen(temp_.c_str(), "wbe");
  if (!out_ || !ctx_->cctx) {
    fail(out_ ? ENOMEM : errno);
    return;
  }
  ZSTD_CCtx_setParameter(ctx_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx_->cctx, ZSTD_c_checksumFlag, 1);
}

ZstdCompressJob::~ZstdCompressJob() {
  if (in_) std::fclose(in_);
  if (out_) {
    std::fclose(out_);
    ::unlink(temp_.c_str());
  }
}

bool ZstdCompressJob::fail(int err) {
  error_ = err != 0 ? err : EIO;
  state_ = State::failed;
  if (out_) {
    std::fclose(out_);
    out_ = nullptr;
    ::unlink(temp_.c_str());
  }
  return true;
}

bool ZstdCompressJob::finish() {
  if (std::fflush(out_) != 0 || ::fsync(::fileno(out_)) != 0) return fail(errno);
  const bool closed = std::fclose(out_) == 0;
  out_ = nullptr;
  if (!closed || std::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    return fail(err);
  }
  std::fclose(in_);
  in_ = nullptr;
  ::unlink(source_.c_str());  // the data now lives in the complete target
  state_ = State::finished;
  return true;
}

bool ZstdCompressJob::step(std::size_t max_input_bytes) {
  if (done()) return true;
  std::size_t taken = 0;
  while (taken < max_input_bytes) {
    std::size_t n = std::fread(ctx_->in.data(), 1, ctx_->in.size(), in_);
    if (n == 0 && std::ferror(in_)) return fail(errno);
    const bool last = n == 0;
    std::string_view data(ctx_->in.data(), n);
    if (skip_first_line_ && !last) {
      const auto newline = data.find('\n');
      data.remove_prefix(newline == std::string_view::npos ? data.size() : newline + 1);
      if (newline != std::string_view::npos) skip_first_line_ = false;
    }
    taken += n;
    in_bytes_ += data.size();
    ZSTD_inBuffer input{data.data(), data.size(), 0};
    const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer output{ctx_->out.data(), ctx_->out.size(), 0};
      const std::size_t remaining = ZSTD_compressStream2(ctx_->cctx, &output, &input, mode);
      if (ZSTD_isError(remaining)) return fail(EIO);
      errno = 0;
      if (output.pos > 0 && std::fwrite(ctx_->out.data(), 1, output.pos, out_) != output.pos) return fail(errno);
      out_bytes_ += output.pos;
      if (last ? remaining == 0 : input.pos == input.size) break;
    }
    if (last) return finish();
  }
  return false;
}

std::FILE* create_stream(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f) std::setvbuf(f, nullptr, _IOFBF, 1 << 16);
  return f;
}

int rename_file(const std::string& from, const std::string& to) {
  return std::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

struct ChunkReader::Context {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<char> in = std::vector<char>(ZSTD_DStreamInSize());
  ZSTD_inBuffer input{nullptr, 0, 0};
  std::size_t last_result = 0;  // 0 when the last frame was complete
  ~Context() { ZSTD_freeDCtx(dctx); }
};

ChunkReader::ChunkReader(const std::string& path, const std::string& hint) {
  file_ = std::fopen(path.c_str(), "rbe");
  if (!file_) throw Error(ExitCode::usage, errno_message("cannot read " + path, errno) + hint);
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0) {
    ctx_ = std::make_unique<Context>();
    ctx_->input.src = ctx_->in.data();
  }
}

ChunkReader::~ChunkReader() {
  if (file_) std::fclose(file_);
}

std::size_t ChunkReader::read(char* buffer, std::size_t capacity) {
  if (!ctx_) return std::fread(buffer, 1, capacity, file_);
  Context& c = *ctx_;
  for (;;) {
    if (c.input.pos == c.input.size) {
      c.input.size = std::fread(c.in.data(), 1, c.in.size(), file_);
      c.input.pos = 0;
      if (c.input.size == 0) {
        if (c.last_result != 0) corrupt_ = true;  // the file ends inside a frame
        return 0;
      }
    }
    ZSTD_outBuffer output{buffer, capacity, 0};
    const std::size_t result = ZSTD_decompressStream(c.dctx, &output, &c.input);
    if (ZSTD_isError(result)) {
      corrupt_ = true;
      c.input.pos = c.input.size = 0;
      std::fseek(file_, 0, SEEK_END);
      return output.pos;
    }
    c.last_result = result;
    if (output.pos > 0) return output.pos;
  }
}

}  // namespace memgate::sys
