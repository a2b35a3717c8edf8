// prepare_allocator: the environment it builds for the target and the one-line
// refusals (unknown allocator, missing library, static or setuid target).
#include <sys/stat.h>

#include <cstdlib>

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

// --attribute under jemalloc: its own profiler, after the user's options, at the
// sampling mean rounded to a power of two; the interposing sampler is not preloaded.
TEST(AllocSetup, AttributeUnderJemallocTurnsOnItsProfiler) {
  if (find_allocator("jemalloc")->version == 0) GTEST_SKIP() << "jemalloc not installed";
  AllocatorRequest request;
  request.allocator = "jemalloc";
  request.alloc_env = {"MALLOC_CONF=dirty_decay_ms:0"};
  request.target = "ls";
  request.attribute = true;
  ::setenv("MEMGATE_ATTRIB_MEAN_BYTES", "40000", 1);  // nearest power of two: 2^15
  const AllocatorSetup setup = prepare_allocator(request);
  ::unsetenv("MEMGATE_ATTRIB_MEAN_BYTES");
  EXPECT_EQ(env_value(setup, "MALLOC_CONF"), "dirty_decay_ms:0,prof:true,prof_active:true,lg_prof_sample:15");
  std::size_t confs = 0;
  for (const auto& e : setup.env_set) confs += e.starts_with("MALLOC_CONF=");
  EXPECT_EQ(confs, 1u);
  EXPECT_EQ(env_value(setup, "LD_PRELOAD").find("libmemgate_attrib"), std::string::npos);
  ASSERT_TRUE(setup.probe);
  EXPECT_TRUE(setup.probe->jemalloc_profile);
  EXPECT_EQ(jeprof_dir_env("/run/attribution"), "MEMGATE_PROBE_JEPROF_DIR=/run/attribution/jeprof");

  request.allocator = "glibc";  // elsewhere the sampler is preloaded first
  request.alloc_env.clear();
  const AllocatorSetup glibc = prepare_allocator(request);
  EXPECT_NE(env_value(glibc, "LD_PRELOAD").find("libmemgate_attrib"), std::string::npos);
  EXPECT_FALSE(glibc.probe->jemalloc_profile);
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
