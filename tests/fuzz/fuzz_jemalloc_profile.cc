// jemalloc heap_v2 profiles and gperftools' heap profiles (analyze/jemalloc_profile.h):
// memgate reads the dumps the target's allocator writes, so any bytes give a profile or a
// memgate::Error; a profile keeps its promises (bounded stacks, a positive period unless
// gperftools recorded every allocation, finite unsampled bytes).
#include <cmath>
#include <string>

#include "analyze/heap_snapshot.h"
#include "analyze/jemalloc_profile.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace memgate;
  const std::string_view text = fuzz::as_text(data, size);
  analyze::JemallocProfile p;
  if (!fuzz::accepts([&] { p = analyze::parse_jemalloc_profile(text, "fuzz"); })) return 0;
  const std::string_view first_line = text.substr(0, text.find('\n'));
  FUZZ_CHECK(p.period > 0 || first_line.find("heap profile:") != std::string_view::npos,
             "a heap_v2 profile with sample period 0");
  FUZZ_CHECK(p.maps.size() <= size, "maps longer than the input");
  for (const auto& s : p.stacks) {
    FUZZ_CHECK(!s.addresses.empty() && s.addresses.size() <= analyze::kJemallocMaxFrames, "stack depth out of bounds");
    const double bytes = analyze::jemalloc_unsampled_bytes(s.objects, s.bytes, p.period);
    FUZZ_CHECK(std::isfinite(bytes) && bytes >= static_cast<double>(s.bytes) * (1 - 1e-9) - 1,
               "unsampled bytes not finite or below the sampled ones");
  }
  (void)analyze::parse_exec_mappings(p.maps, 1);
  return 0;
}
