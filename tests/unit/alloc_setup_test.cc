// prepare_allocator: the environment it builds for the target and the one-line
// refusals (unknown allocator, missing library, static or setuid target).
#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "alloc/allocator_setup.h"
#include "alloc/allocator_table.h"
#include "memgate/error.h"

namespace memgate::alloc {
namespace {

std::string refusal(const AllocatorRequest& request) {
  try {
    prepare_allocator(request);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "accepted --allocator " << request.allocator << " for " << request.target;
  return {};
}

std::string env_value(const AllocatorSetup& setup, const std::string& key) {
  for (const auto& e : setup.env_set)
    if (e.starts_with(key + "=")) return e.substr(key.size() + 1);
  return {};
}

bool exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

TEST(AllocSetup, PreloadsTheAllocatorBeforeTheProbe) {
  const AllocatorInfo& je = *find_allocator("jemalloc");
  if (je.version == 0) GTEST_SKIP() << "jemalloc not installed";
  AllocatorRequest request;
  request.allocator = "jemalloc";
  request.alloc_env = {"MALLOC_CONF=dirty_decay_ms:0"};
  request.target = "ls";
  const AllocatorSetup setup = prepare_allocator(request);
  const std::string preload = env_value(setup, "LD_PRELOAD");
  EXPECT_EQ(preload.find(std::string(je.library) + ":"), 0u) << preload;  // the allocator must win malloc
  EXPECT_NE(preload.find("libmemgate_probe.so"), std::string::npos) << preload;
  EXPECT_FALSE(env_value(setup, "MEMGATE_PROBE_SESSION").empty());
  EXPECT_EQ(env_value(setup, "MALLOC_CONF"), "dirty_decay_ms:0");
  ASSERT_TRUE(setup.probe);
  EXPECT_EQ(setup.probe->session, env_value(setup, "MEMGATE_PROBE_SESSION"));
}

TEST(AllocSetup, GlibcPreloadsOnlyTheProbe) {
  AllocatorRequest request;
  request.target = "ls";
  const AllocatorSetup setup = prepare_allocator(request);
  const std::string preload = env_value(setup, "LD_PRELOAD");
  EXPECT_TRUE(preload.starts_with(probe_library_path())) << preload;
  EXPECT_TRUE(setup.library.empty());
}

TEST(AllocSetup, RefusesUnknownAndMissingAllocators) {
  AllocatorRequest request;
  request.target = "ls";
  request.allocator = "hoard";
  EXPECT_NE(refusal(request).find("use one of glibc, jemalloc, mimalloc, tcmalloc"), std::string::npos);
  request.allocator = "/nonexistent/libhoard.so";
  EXPECT_NE(refusal(request).find("not found"), std::string::npos);
  request.allocator = "/etc/hostname.so";
  EXPECT_NE(refusal(request).find("not found"), std::string::npos);
  request.allocator = "glibc";
  request.alloc_env = {"MIMALLOC_DECOMMIT_DELAY=0"};
  EXPECT_NE(refusal(request).find("is a mimalloc knob"), std::string::npos);
  request.alloc_env.clear();
  request.purge_every_s = -1;
  EXPECT_NE(refusal(request).find("--purge-every"), std::string::npos);
}

TEST(AllocSetup, RefusesNonGlibcAllocatorForStaticTarget) {
  if (!exists("/sbin/ldconfig")) GTEST_SKIP() << "no static-pie /sbin/ldconfig here";
  AllocatorRequest request;
  request.allocator = "jemalloc";
  request.target = "/sbin/ldconfig";
  const std::string message = refusal(request);
  EXPECT_NE(message.find("statically linked"), std::string::npos) << message;
  EXPECT_NE(message.find("--allocator glibc"), std::string::npos) << message;
  // glibc itself still runs it, without a probe and with a warning.
  request.allocator = "glibc";
  const AllocatorSetup setup = prepare_allocator(request);
  EXPECT_FALSE(setup.probe);
  EXPECT_TRUE(env_value(setup, "LD_PRELOAD").empty());
  ASSERT_EQ(setup.warnings.size(), 1u);
  EXPECT_NE(setup.warnings[0].find("no allocator probe"), std::string::npos);
}

TEST(AllocSetup, RefusesNonGlibcAllocatorForSetuidTarget) {
  struct stat st {};
  if (::stat("/usr/bin/passwd", &st) != 0 || !(st.st_mode & S_ISUID)) GTEST_SKIP() << "no setuid /usr/bin/passwd here";
  AllocatorRequest request;
  request.allocator = "tcmalloc";
  request.target = "/usr/bin/passwd";
  EXPECT_NE(refusal(request).find("setuid"), std::string::npos);
}

}  // namespace
}  // namespace memgate::alloc
