// The sys/ file facilities other modules use instead of touching the OS themselves:
// whole-file reads with a cap, file heads, PATH lookup, the non-blocking FIFO.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "memgate/error.h"
#include "sys/executable.h"
#include "sys/fifo.h"
#include "sys/file_access.h"
#include "sys/fs.h"
#include "sys/read_file.h"

namespace memgate::sys {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "memgate_sys_files_" + name; }

TEST(ReadTextFile, ReadsAWholeFileLargerThanOneReadStep) {
  const std::string path = temp_path("big.txt");
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";  // ~200 KiB
  write_text_file(path, text);
  EXPECT_EQ(read_text_file(path), text);
  std::remove(path.c_str());
}

TEST(ReadTextFile, ReadsProcFilesWhoseSizeIsZero) {
  const auto status = try_read_text_file("/proc/self/status");
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->find("VmRSS:"), std::string::npos);
}

TEST(ReadTextFile, AFileOverTheCapIsRefusedNamingTheFile) {
  const std::string path = temp_path("cap.txt");
  write_text_file(path, std::string(100, 'x'));
  EXPECT_EQ(read_text_file(path, "", 100).size(), 100u);  // exactly at the cap is fine
  write_text_file(path, std::string(101, 'x'));
  errno = 0;
  EXPECT_FALSE(try_read_text_file(path, 100).has_value());
  EXPECT_EQ(errno, EFBIG);
  try {
    read_text_file(path, " (hint)", 100);
    FAIL() << "no error for a file over the cap";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_EQ(std::string(e.what()),
              path + " is larger than 100 bytes, more than memgate reads whole: check the path (hint)");
  }
  std::remove(path.c_str());
}

TEST(ReadTextFile, AMissingFileIsAUsageErrorWithTheReasonAndHint) {
  try {
    read_text_file("/nonexistent/meta.json", " (is this a memgate run directory?)");
    FAIL() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_EQ(std::string(e.what()),
              "cannot read /nonexistent/meta.json: No such file or directory (is this a memgate run directory?)");
  }
}

TEST(ReadTextFile, ADirectoryIsNotAFile) {
  errno = 0;
  EXPECT_FALSE(try_read_text_file(::testing::TempDir()).has_value());
  EXPECT_EQ(errno, EISDIR);
}

TEST(ReadFileHead, ReturnsAtMostTheFirstBytes) {
  const std::string path = temp_path("head.bin");
  write_text_file(path,
                  "\x7f"
                  "ELF and more");
  const auto head = read_file_head(path, 4);
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->size(), 4u);
  EXPECT_EQ(static_cast<char>((*head)[1]), 'E');
  EXPECT_EQ(read_file_head(path, 1000)->size(), 13u);  // a short file: what there is
  EXPECT_FALSE(read_file_head("/nonexistent/x", 4).has_value());
  std::remove(path.c_str());
}

TEST(FileStatus, TellsRegularFilesFromDirectories) {
  const std::string path = temp_path("status.txt");
  write_text_file(path, "12345");
  const auto file = file_status(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(file->regular);
  EXPECT_FALSE(file->directory);
  EXPECT_EQ(file->size_bytes, 5u);
  const auto dir = file_status(::testing::TempDir());
  ASSERT_TRUE(dir.has_value());
  EXPECT_TRUE(dir->directory);
  EXPECT_FALSE(file_status("/nonexistent/x").has_value());
  EXPECT_TRUE(is_readable(path));
  EXPECT_FALSE(is_executable(path));
  std::remove(path.c_str());
}

TEST(FindProgram, SearchesPathForARegularExecutableFile) {
  const std::string dir = temp_path("bin");
  ::mkdir(dir.c_str(), 0755);
  const std::string plain = dir + "/memgate-not-executable";
  const std::string tool = dir + "/memgate-fake-tool";
  write_text_file(plain, "#!/bin/sh\n");
  write_text_file(tool, "#!/bin/sh\n");
  ::chmod(tool.c_str(), 0755);
  const char* saved = std::getenv("PATH");
  const std::string saved_path = saved ? saved : "";
  ::setenv("PATH", ("/nonexistent:" + dir).c_str(), 1);
  EXPECT_EQ(find_program("memgate-fake-tool"), tool);
  EXPECT_EQ(find_program("memgate-not-executable"), "");  // not executable: not a candidate
  EXPECT_EQ(find_program("memgate-missing"), "");
  ::setenv("PATH", saved_path.c_str(), 1);
  EXPECT_EQ(find_program(tool), tool);  // a path is taken as given
  EXPECT_EQ(find_program(dir + "/missing"), "");
  std::remove(plain.c_str());
  std::remove(tool.c_str());
  ::rmdir(dir.c_str());
}

TEST(Fifo, ReadsWhatWasWrittenWithoutBlockingAndRemovesItself) {
  const std::string path = temp_path("metrics.fifo");
  std::remove(path.c_str());
  {
    Fifo fifo(path, "the metrics FIFO", "choose a writable run directory");
    char buf[64];
    EXPECT_EQ(fifo.read_available(buf, sizeof buf), 0u);             // nothing yet, and no wait
    const int writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);  // a reader exists: never blocks
    ASSERT_GE(writer, 0);
    ASSERT_EQ(::write(writer, "q=1\n", 4), 4);
    ::close(writer);  // the last writer going is not an end of file
    ASSERT_EQ(fifo.read_available(buf, sizeof buf), 4u);
    EXPECT_EQ(std::string(buf, 4), "q=1\n");
    EXPECT_EQ(fifo.read_available(buf, sizeof buf), 0u);
    try {
      Fifo again(path, "the metrics FIFO", "choose a writable run directory");
      FAIL() << "a second FIFO at the same path";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_EQ(std::string(e.what()),
                "cannot create the metrics FIFO " + path + " (choose a writable run directory): File exists");
    }
  }
  EXPECT_FALSE(path_exists(path));
}

}  // namespace
}  // namespace memgate::sys
