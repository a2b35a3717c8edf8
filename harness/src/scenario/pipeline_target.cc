#include "scenario/pipeline_target.h"

#include "memgate/error.h"
#include "sys/install_paths.h"

namespace memgate::scenario {

std::string pipelines_dir(const char* env_value) {
  if (env_value && *env_value) return env_value;
  return sys::locate(sys::Part::pipelines).path;
}

std::string pipeline_path(const std::string& name, const std::string& dir, const std::string& where) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw Error(ExitCode::usage,
                where + ": expected a pipeline name such as \"sensor_ingest\" (no path), got \"" + name + "\"");
  return dir + "/" + name;
}

std::string missing_pipeline_message(const std::string& name, const std::string& path) {
  return "pipeline " + name + " not found at " + path +
         ": build it with `cmake --build BUILD --target pipelines`, or set " + kPipelinesEnv +
         " to the directory that holds it";
}

}  // namespace memgate::scenario
