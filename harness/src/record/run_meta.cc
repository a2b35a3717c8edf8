#include "record/run_meta.h"

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "memgate/check_json.h"
#include "memgate/error.h"
#include "sys/fs.h"

namespace memgate::record {

void to_json(nlohmann::json& j, const RunMeta& m) {
  j = nlohmann::json{{"schema", kMetaSchema},
                     {"command", m.command},
                     {"environment", m.environment},
                     {"host", m.host},
                     {"kernel", m.kernel},
                     {"cwd", m.cwd},
                     {"memgate_version", m.memgate_version},
                     {"started_unix_ms", m.started_unix_ms},
                     {"ended_unix_ms", m.ended_unix_ms},
                     {"hz", m.hz},
                     {"pss_hz", m.pss_hz},
                     {"process_hz", m.process_hz},
                     {"planned_duration_s", m.planned_duration_s ? nlohmann::json(*m.planned_duration_s) : nullptr},
                     {"status", m.status},
                     {"end_reason", m.end_reason},
                     {"target_pid", m.target_pid},
                     {"memgate_pid", m.memgate_pid},
                     {"stopped_by_memgate", m.stopped_by_memgate},
                     {"checks", m.checks},
                     {"samplers", m.samplers},
                     {"sampler_checks", m.sampler_checks},
                     {"notes", m.notes}};
  if (!m.scenario.is_null()) j["scenario"] = m.scenario;
  if (m.target_end) {
    const auto& e = *m.target_end;
    j["target_end"] = {{"signaled", e.signaled},       {"exit_code", e.exit_code},
                       {"signal", e.signal},           {"signal_name", e.signal_name},
                       {"core_dumped", e.core_dumped}, {"description", e.description}};
  } else {
    j["target_end"] = nullptr;
  }
}

void from_json(const nlohmann::json& j, RunMeta& m) {
  m.command = j.at("command").get<std::vector<std::string>>();
  m.environment = j.value("environment", std::map<std::string, std::string>{});
  m.host = j.value("host", "");
  m.kernel = j.value("kernel", "");
  m.cwd = j.value("cwd", "");
  m.memgate_version = j.value("memgate_version", "");
  m.started_unix_ms = j.value("started_unix_ms", std::int64_t{0});
  m.ended_unix_ms = j.value("ended_unix_ms", std::int64_t{0});
  m.hz = j.value("hz", 0.0);
  m.pss_hz = j.value("pss_hz", 0.0);
  m.process_hz = j.value("process_hz", 0.0);
  if (j.contains("planned_duration_s") && j["planned_duration_s"].is_number())
    m.planned_duration_s = j["planned_duration_s"].get<double>();
  m.status = j.value("status", "running");
  m.end_reason = j.value("end_reason", "");
  m.target_pid = j.value("target_pid", 0);
  m.memgate_pid = j.value("memgate_pid", 0);
  m.stopped_by_memgate = j.value("stopped_by_memgate", false);
  if (j.contains("target_end") && j["target_end"].is_object()) {
    const auto& e = j["target_end"];
    m.target_end = TargetEnd{e.value("signaled", false),    e.value("exit_code", 0),
                             e.value("signal", 0),          e.value("signal_name", ""),
                             e.value("core_dumped", false), e.value("description", "")};
  }
  m.checks = j.value("checks", nlohmann::json::object());
  m.samplers = j.value("samplers", nlohmann::json::object());
  if (j.contains("sampler_checks")) {
    m.sampler_checks = j["sampler_checks"].get<std::vector<CheckResult>>();
  } else {
    // Run directories written before sampler_checks kept them inside each sampler's figures.
    for (const auto& [name, figures] : m.samplers.items())
      if (figures.is_object() && figures.contains("checks"))
        for (const auto& check : figures["checks"]) m.sampler_checks.push_back(check.get<CheckResult>());
  }
  m.notes = j.value("notes", std::vector<std::string>{});
  m.scenario = j.value("scenario", nlohmann::json());
}

bool is_memory_relevant_env(const std::string& key) {
  for (const char* prefix : {"LD_PRELOAD", "MALLOC_", "MIMALLOC_", "TCMALLOC_", "GLIBC_TUNABLES", "JE_MALLOC_CONF",
                             "MEMGATE_"})
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
  // dump() before anything touches the disk: text that is not UTF-8 throws here, as before.
  sys::write_text_file(path, value.dump(2) + "\n");
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::usage, errno_message("cannot read " + path, errno) + " (is this a memgate run directory?)");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ExitCode::usage, path + ": not valid JSON: " + e.what());
  }
}

}  // namespace memgate::record
