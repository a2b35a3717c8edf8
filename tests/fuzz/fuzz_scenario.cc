// The scenario loader (scenario/scenario.h): any bytes, read as JSON by the reader
// load_scenario uses (record/json_file.h: comments allowed, nesting and numbers
// limited), give a Scenario or a memgate::Error naming the field; so does every profile
// the document offers, and a time scale.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.h"
#include "memgate/error.h"
#include "record/json_file.h"
#include "scenario/pipeline_target.h"
#include "scenario/scenario.h"

namespace {

using namespace memgate;
using nlohmann::json;

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
  json doc;
  try {
    doc = record::parse_json_text(text, "fuzz.json", /*ignore_comments=*/true);
  } catch (const Error&) {
    return 0;  // refused with a one-line error: the reader's promise
  }

  const std::string file = "fuzz.json";
  const std::string base = fuzz::scratch_dir();
  fuzz::accepts([&] { check_parsed(scenario::parse_scenario(doc, file, base)); });
  fuzz::accepts([&] {
    scenario::Overrides o;
    o.time_scale = 2;
    check_parsed(scenario::parse_scenario(doc, file, base, o));
  });
  fuzz::accepts([&] {
    scenario::Overrides o;  // memgate sizes: the "sizes" parameter and {size} placeholders
    o.size = 1000;
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
