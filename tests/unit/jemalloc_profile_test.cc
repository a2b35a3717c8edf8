// jemalloc's heap_v2 profile (analyze/jemalloc_profile.h): a dump as Debian's jemalloc
// 5.3 writes it, the unsampling jeprof applies, and malformed dumps named by line.
#include <gtest/gtest.h>

#include <cmath>

#include "analyze/heap_snapshot.h"
#include "analyze/jemalloc_profile.h"
#include "memgate/error.h"

namespace memgate::analyze {
namespace {

// Shaped like `mallctl("prof.dump")` output of jemalloc 5.3 (lg_prof_sample:15), trimmed.
constexpr const char* kDump = R"(heap_v2/32768
  t*: 2331: 9636011 [0: 0]
  t0: 2331: 9636011 [0: 0]
@ 0x7fdff64a2630 0x7fdff64a2d21 0x55e991322166 0x55e99132218a 0x7fdff624524a
  t*: 2330: 9554839 [0: 0]
  t0: 2330: 9554839 [0: 0]
@ 0x7fdff64a2630 0x7fdff6750a1e
  t*: 1: 81172 [0: 0]
  t1: 1: 81172 [0: 0] worker

MAPPED_LIBRARIES:
55e991321000-55e991322000 r--p 00000000 fe:00 11045129                   /tmp/t
55e991322000-55e991323000 r-xp 00001000 fe:00 11045129                   /tmp/t
7fdff6400000-7fdff6480000 r--p 00000000 fe:00 3304                       /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
7fdff6480000-7fdff6500000 r-xp 00080000 fe:00 3304                       /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
)";

TEST(JemallocProfile, ParsesStacksTotalsAndMappings) {
  const JemallocProfile p = parse_jemalloc_profile(kDump, "dump");
  EXPECT_EQ(p.period, 32768u);
  EXPECT_EQ(p.objects, 2331u);
  EXPECT_EQ(p.bytes, 9636011u);
  ASSERT_EQ(p.stacks.size(), 2u);
  EXPECT_EQ(p.stacks[0].addresses, (std::vector<std::uint64_t>{0x7fdff64a2630, 0x7fdff64a2d21, 0x55e991322166,
                                                               0x55e99132218a, 0x7fdff624524a}));
  EXPECT_EQ(p.stacks[0].objects, 2330u);
  EXPECT_EQ(p.stacks[0].bytes, 9554839u);
  EXPECT_EQ(p.stacks[1].objects, 1u);  // the per-thread line (with a thread name) is not the total
  // The maps section reads as /proc/PID/maps: the executable mappings of the program and jemalloc.
  const auto maps = parse_exec_mappings(p.maps, 7);
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].path, "/tmp/t");
  EXPECT_EQ(maps[0].start, 0x55e991322000u);
  EXPECT_EQ(maps[0].offset, 0x1000u);
}

TEST(JemallocProfile, UnsamplesAsJeprofDoes) {
  // 2330 samples of 4 KiB objects at one sample per 32 KiB: each stands for 1/(1-e^-1/8) objects.
  const double bytes = jemalloc_unsampled_bytes(2330, 2330 * 4096, 32768);
  EXPECT_NEAR(bytes, 2330 * 4096 / (1 - std::exp(-4096.0 / 32768)), 1);
  EXPECT_NEAR(bytes / (20000 * 4096.0), 0.99, 0.02);  // the dump above came from 20000 such objects
  // Objects far larger than the period are always sampled: no scaling.
  EXPECT_NEAR(jemalloc_unsampled_bytes(3, 3 << 24, 32768), 3 << 24, 1);
  EXPECT_EQ(jemalloc_unsampled_bytes(0, 0, 32768), 0);
  EXPECT_EQ(jemalloc_unsampled_bytes(0, 81318, 32768), 81318) << "bytes without objects: not scaled, not lost";
}

TEST(JemallocProfile, AnEmptyHeapHasNoStacks) {
  const JemallocProfile p = parse_jemalloc_profile("heap_v2/524288\n  t*: 0: 0 [0: 0]\n\nMAPPED_LIBRARIES:\n", "d");
  EXPECT_TRUE(p.stacks.empty());
  EXPECT_EQ(p.period, 524288u);
}

TEST(JemallocProfile, MalformedDumpsNameTheLine) {
  const auto message = [](const char* text) {
    try {
      parse_jemalloc_profile(text, "jeprof.1.0.heap");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("heap_v1/32768\n").find("jeprof.1.0.heap:1: the first line must be 'heap_v2/PERIOD'"),
            std::string::npos);
  EXPECT_NE(message("heap_v2/0\n  t*: 0: 0 [0: 0]\n").find(":1: sample period 0"), std::string::npos);
  EXPECT_NE(message("heap_v2/8\n  t*: 1: 8 [0: 0]\n@ 0x10 zz\n  t*: 1: 8 [0: 0]\n").find(":3: expected a hexadecimal"),
            std::string::npos);
  EXPECT_NE(message("heap_v2/8\n  t*: 1: 8 [0: 0]\n@ 0x10\n@ 0x20\n").find(":4: a stack without its 't*:' line"),
            std::string::npos);
  EXPECT_NE(message("heap_v2/8\n  t*: 1: x [0: 0]\n").find(":2: bad number 'x'"), std::string::npos);
  EXPECT_NE(message("heap_v2/8\n").find("no 't*:' total line"), std::string::npos);
  std::string deep = "heap_v2/8\n  t*: 1: 8 [0: 0]\n@";
  for (int i = 0; i < 300; ++i) deep += " 0x10";
  EXPECT_NE(message(deep.c_str()).find("more than 256 frames"), std::string::npos);
}

// Shaped like gperftools 2.10's GetHeapProfile (libtcmalloc.so.4, HeapProfilerStart),
// trimmed: every allocation is recorded, so there is no period to unsample by.
constexpr const char* kGperftoolsDump = R"(heap profile:   1002:  2048576 [  1010:  2056768] @ heapprofile
  1000:  1000000 [  1000:  1000000] @ 0x7f56106311d0 0x5576bff6d1fe 0x7f561044524a
     2:  1048576 [    10:  1056768] @ 0x7f56106311d0 0x5576bff6d2a0

MAPPED_LIBRARIES:
5576bff6d000-5576bff6e000 r-xp 00001000 00:00 11067967    /tmp/tc/t
7f5610600000-7f5610680000 r-xp 00020000 fe:00 3311        /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4.5.10
)";

TEST(JemallocProfile, ReadsGperftoolsHeapProfilerDumps) {
  const JemallocProfile p = parse_jemalloc_profile(kGperftoolsDump, "dump");
  EXPECT_EQ(p.period, 0u) << "every allocation recorded";
  EXPECT_EQ(p.objects, 1002u);
  EXPECT_EQ(p.bytes, 2048576u);
  ASSERT_EQ(p.stacks.size(), 2u);
  EXPECT_EQ(p.stacks[0].addresses, (std::vector<std::uint64_t>{0x7f56106311d0, 0x5576bff6d1fe, 0x7f561044524a}));
  EXPECT_EQ(p.stacks[0].objects, 1000u);
  EXPECT_EQ(p.stacks[0].bytes, 1000000u);
  EXPECT_EQ(p.stacks[1].bytes, 1048576u) << "the live bytes, not the allocated ones in brackets";
  EXPECT_EQ(jemalloc_unsampled_bytes(p.stacks[0].objects, p.stacks[0].bytes, p.period), 1000000.0);
  const auto maps = parse_exec_mappings(p.maps, 7);
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[1].path, "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4.5.10");
  // A sampled profile of the same family names its period.
  EXPECT_EQ(parse_jemalloc_profile("heap profile: 1: 8 [1: 8] @ heap_v2/524288\n1: 8 [1: 8] @ 0x10\n", "d").period,
            524288u);
}

TEST(JemallocProfile, MalformedGperftoolsDumpsNameTheLine) {
  const auto message = [](const char* text) {
    try {
      parse_jemalloc_profile(text, "jeprof.1.0.heap");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("heap profile: 1: 8 [1: 8] @ growthz\n").find(":1: expected '@ heapprofile'"), std::string::npos);
  EXPECT_NE(message("heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 @ 0x10\n").find(":2: expected 'OBJECTS: BYTES"),
            std::string::npos);
  EXPECT_NE(message("heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @\n").find(":2: a stack without addresses"),
            std::string::npos);
  EXPECT_NE(message("heap profile: 1: 8 [1: 8] @ heapprofile\nx: 8 [1: 8] @ 0x1\n").find(":2: bad number 'x'"),
            std::string::npos);
}

}  // namespace
}  // namespace memgate::analyze
