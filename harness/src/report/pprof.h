// --attribute's growth profile as pprof's profile.proto (gzip-compressed protobuf), the
// format `go tool pprof`, Pyroscope and Grafana open. A small encoder of the fields the
// profile needs (github.com/google/pprof proto/profile.proto): sample types, samples,
// mappings, locations, functions, the string table. Pure: values in, bytes out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memgate::report {

inline constexpr const char* kPprofFile = "growth.pb.gz";

struct ProfileFrame {
  std::string module;        // the file; "?" outside any
  std::uint64_t offset = 0;  // file offset of the return address
  std::string function;      // "" when unknown
  std::string file;
  int line = 0;
};

struct ProfileStack {
  std::vector<ProfileFrame> frames;  // innermost first, as pprof wants
  std::int64_t bytes = 0;            // growth between the early and late snapshots
  std::int64_t count = 0;            // growth in sampled blocks
};

// The gzip'd profile: sample types "growth_objects/count" and "growth_space/bytes".
std::string pprof_profile(const std::vector<ProfileStack>& stacks, std::int64_t duration_ns);

}  // namespace memgate::report
