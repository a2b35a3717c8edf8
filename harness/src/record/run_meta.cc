#include "record/run_meta.h"

#include "memgate/check_json.h"
#include "memgate/error.h"
#include "sys/fs.h"
#include "sys/read_file.h"

namespace memgate::record {

nlohmann::json attached_json(const std::vector<AttachedProcess>& list) {
  nlohmann::json out = nlohmann::json::array();
  const auto number_or_null = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  for (const auto& p : list)
    out.push_back({{"pid", p.pid},
                   {"comm", p.comm},
                   {"start_ticks", p.start_ticks},
                   {"started_at", p.started_at.empty() ? nlohmann::json() : nlohmann::json(p.started_at)},
                   {"age_at_attach_s", number_or_null(p.age_at_attach_s)},
                   {"ended_after_s", number_or_null(p.ended_after_s)}});
  return out;
}

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
  if (!m.until_decided.is_null()) j["until_decided"] = m.until_decided;
  if (!m.attached.empty()) j["attached"] = attached_json(m.attached);
  if (m.target_end) {
    const auto& e = *m.target_end;
    j["target_end"] = {{"signaled", e.signaled},       {"exit_code", e.exit_code},     {"signal", e.signal},
                       {"signal_name", e.signal_name}, {"core_dumped", e.core_dumped}, {"description", e.description}};
  } else {
    j["target_end"] = nullptr;
  }
}

namespace {

// Reads one field, turning nlohmann's type errors into a line naming the field.
template <class T>
T field(const nlohmann::json& j, const char* key, T fallback, const char* expected, const char* parent = "") {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ExitCode::usage, std::string(kMetaFile) + ": " + parent + key + ": expected " + expected);
  }
}

// Checks contributed by samplers are read by the report: their shape is checked here.
void read_checks(const nlohmann::json& list, const std::string& where, std::vector<CheckResult>& out) {
  if (!list.is_array()) throw Error(ExitCode::usage, where + ": expected an array of checks");
  for (const auto& check : list) {
    if (!check.is_object() || !check.contains("id") || !check["id"].is_string() || !check.contains("outcome") ||
        !check["outcome"].is_string() || (check.contains("summary") && !check["summary"].is_string()) ||
        (check.contains("figures") && !check["figures"].is_object()))
      throw Error(ExitCode::usage, where + ": expected objects with \"id\" and \"outcome\" strings");
    try {
      out.push_back(check.get<CheckResult>());
    } catch (const nlohmann::json::exception&) {
      throw Error(ExitCode::usage, where + ": expected figures as {\"NAME\": {\"value\": N, \"unit\": \"...\"}}");
    }
  }
}

// meta.json "attached": each field typed, nothing else kept (report.json's schema is closed).
void read_attached(const nlohmann::json& list, std::vector<AttachedProcess>& out) {
  const std::string where = std::string(kMetaFile) + ": attached";
  if (!list.is_array()) throw Error(ExitCode::usage, where + ": expected an array of attached processes");
  for (const auto& e : list) {
    if (!e.is_object()) throw Error(ExitCode::usage, where + ": expected objects with \"pid\" and \"comm\"");
    const char* at = "attached.";
    AttachedProcess p;
    p.pid = field(e, "pid", 0, "an integer", at);
    p.comm = field(e, "comm", std::string(), "a string", at);
    p.start_ticks = field(e, "start_ticks", std::uint64_t{0}, "an integer", at);
    p.started_at = field(e, "started_at", std::string(), "a string", at);
    if (e.contains("age_at_attach_s") && !e["age_at_attach_s"].is_null())
      p.age_at_attach_s = field(e, "age_at_attach_s", 0.0, "a number", at);
    if (e.contains("ended_after_s") && !e["ended_after_s"].is_null())
      p.ended_after_s = field(e, "ended_after_s", 0.0, "a number", at);
    out.push_back(std::move(p));
  }
}

}  // namespace

void from_json(const nlohmann::json& j, RunMeta& m) {
  if (!j.is_object())
    throw Error(ExitCode::usage, std::string(kMetaFile) + ": expected a JSON object (a memgate run's meta.json)");
  if (!j.contains("command"))
    throw Error(ExitCode::usage,
                std::string(kMetaFile) + ": command: missing; expected the target's argv (an array of strings)");
  m.command = field(j, "command", std::vector<std::string>{}, "an array of strings (the target's argv)");
  m.environment = field(j, "environment", std::map<std::string, std::string>{}, "an object of strings");
  m.host = field(j, "host", std::string(), "a string");
  m.kernel = field(j, "kernel", std::string(), "a string");
  m.cwd = field(j, "cwd", std::string(), "a string");
  m.memgate_version = field(j, "memgate_version", std::string(), "a string");
  m.started_unix_ms = field(j, "started_unix_ms", std::int64_t{0}, "an integer (ms)");
  m.ended_unix_ms = field(j, "ended_unix_ms", std::int64_t{0}, "an integer (ms)");
  m.hz = field(j, "hz", 0.0, "a number");
  m.pss_hz = field(j, "pss_hz", 0.0, "a number");
  m.process_hz = field(j, "process_hz", 0.0, "a number");
  if (j.contains("planned_duration_s") && j["planned_duration_s"].is_number())
    m.planned_duration_s = j["planned_duration_s"].get<double>();
  m.status = field(j, "status", std::string("running"), "a string");
  m.end_reason = field(j, "end_reason", std::string(), "a string");
  m.target_pid = field(j, "target_pid", 0, "an integer");
  m.memgate_pid = field(j, "memgate_pid", 0, "an integer");
  m.stopped_by_memgate = field(j, "stopped_by_memgate", false, "true or false");
  if (j.contains("target_end") && j["target_end"].is_object()) {
    const auto& e = j["target_end"];
    const char* at = "target_end.";
    m.target_end = TargetEnd{field(e, "signaled", false, "true or false", at),
                             field(e, "exit_code", 0, "an integer", at),
                             field(e, "signal", 0, "an integer", at),
                             field(e, "signal_name", std::string(), "a string", at),
                             field(e, "core_dumped", false, "true or false", at),
                             field(e, "description", std::string(), "a string", at)};
  }
  m.checks = field(j, "checks", nlohmann::json::object(), "an object");
  if (!m.checks.is_object())
    throw Error(ExitCode::usage, std::string(kMetaFile) + ": checks: expected an object of check settings");
  m.samplers = field(j, "samplers", nlohmann::json::object(), "an object");
  if (!m.samplers.is_object()) throw Error(ExitCode::usage, std::string(kMetaFile) + ": samplers: expected an object");
  if (j.contains("sampler_checks")) {
    read_checks(j["sampler_checks"], std::string(kMetaFile) + ": sampler_checks", m.sampler_checks);
  } else {
    // Run directories written before sampler_checks kept them inside each sampler's figures.
    for (const auto& [name, figures] : m.samplers.items())
      if (figures.is_object() && figures.contains("checks"))
        read_checks(figures["checks"], std::string(kMetaFile) + ": samplers." + name + ".checks", m.sampler_checks);
  }
  m.notes = field(j, "notes", std::vector<std::string>{}, "an array of strings");
  m.scenario = field(j, "scenario", nlohmann::json(), "an object");
  m.until_decided = field(j, "until_decided", nlohmann::json(), "an object");
  if (j.contains("attached")) read_attached(j["attached"], m.attached);
}

RunMeta read_run_meta(const std::string& path) {
  JsonReadOptions options;
  options.what = "run's meta.json";
  options.hint = "is this a memgate run directory?";
  const nlohmann::json doc = read_json_file(path, options);
  try {
    return doc.get<RunMeta>();
  } catch (const Error& e) {
    std::string message = e.what();
    const std::string prefix = std::string(kMetaFile) + ": ";
    if (message.rfind(prefix, 0) == 0) message = path + ": " + message.substr(prefix.size());
    throw Error(ExitCode::usage, message);
  }
}

bool is_memory_relevant_env(const std::string& key) {
  for (const char* prefix : {"LD_PRELOAD", "MALLOC_", "MIMALLOC_", "TCMALLOC_", "HEAP_PROFILE", "GLIBC_TUNABLES",
                             "JE_MALLOC_CONF", "MEMGATE_"})
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace memgate::record
