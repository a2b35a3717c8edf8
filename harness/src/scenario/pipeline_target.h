// `"target": {"pipeline": "sensor_ingest"}`: memgate's reference pipelines by name, so
// scenario files never hard-code a build directory. The directory is $MEMGATE_PIPELINES
// when set, else the installed or built one (sys/install_paths.h).
#pragma once

#include <string>

namespace memgate::scenario {

inline constexpr const char* kPipelinesEnv = "MEMGATE_PIPELINES";

// $MEMGATE_PIPELINES when `env_value` is set and non-empty, else the installed or built one.
std::string pipelines_dir(const char* env_value);

// DIR/NAME. Throws Error(usage) naming `where` when NAME is not a plain file name.
std::string pipeline_path(const std::string& name, const std::string& dir, const std::string& where);

// The one-line fix for a pipeline that is not built: names the binary, the target to
// build and the variable that points elsewhere.
std::string missing_pipeline_message(const std::string& name, const std::string& path);

}  // namespace memgate::scenario
