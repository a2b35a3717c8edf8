// FdTransport over a real pipe: a write that stop interrupts ends at a record's end, so
// the target never reads a torn last line (it would count one record more than memgate
// delivered, a false data-loss FAIL).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "load/transport.h"

namespace memgate::load {
namespace {

// Lines of 100 bytes, more of them than any pipe buffer holds.
std::string records(std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += std::string(99, 'r') + '\n';
  return out;
}

struct Pipe {
  int read_fd = -1, write_fd = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    read_fd = fds[0], write_fd = fds[1];
  }
  ~Pipe() { ::close(read_fd); }
  // Everything the pipe holds now and until the writer closes it.
  std::string drain() const {
    std::string got;
    char buffer[65536];
    for (ssize_t n; (n = ::read(read_fd, buffer, sizeof buffer)) > 0;) got.append(buffer, static_cast<std::size_t>(n));
    return got;
  }
};

TEST(LoadTransport, AStoppedWriteEndsAtTheEndOfARecord) {
  const std::string batch = records(4 << 20);
  Pipe pipe;
  std::string got;
  std::size_t written = 0;
  {
    FdTransport transport(pipe.write_fd, "test pipe");
    const std::atomic<bool> stop{true};  // stopped before the pipe can take the batch
    // The reader takes everything, but only after the writer has found the pipe full.
    std::thread reader([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      got = pipe.drain();
    });
    written = transport.write(batch, stop);
    transport.close();
    reader.join();
  }
  ASSERT_GT(written, 0u);
  EXPECT_LT(written, batch.size()) << "stop did not interrupt the write";
  EXPECT_EQ(batch[written - 1], '\n') << "the write stopped inside a record, at byte " << written;
  EXPECT_EQ(got.size(), written);
}

TEST(LoadTransport, APeerThatTakesNothingMoreLeavesTheRecordTornAfterABoundedWait) {
  const std::string batch = records(4 << 20);
  Pipe pipe;
  FdTransport transport(pipe.write_fd, "test pipe");
  const std::atomic<bool> stop{true};
  const auto start = std::chrono::steady_clock::now();
  const std::size_t written = transport.write(batch, stop);
  const double waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_GT(written, 0u);
  EXPECT_LT(written, batch.size());
  // A full pipe and no reader: the write gives up instead of hanging the run's end.
  EXPECT_GE(waited_s, FdTransport::kFinishRecordNs * 1e-9 * 0.9);
  EXPECT_LT(waited_s, 30.0);
}

}  // namespace
}  // namespace memgate::load
