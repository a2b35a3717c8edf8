// meta.json: what was run, where, how, and how it ended. Written when the run starts
// (status "running") and rewritten atomically when it ends, so even a memgate that
// was SIGKILLed leaves a directory `memgate report` can analyse.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memgate/check.h"
#include "record/json_file.h"

namespace memgate::record {

inline constexpr const char* kMetaFile = "meta.json";
inline constexpr int kMetaSchema = 1;

// meta.json "end_reason": why the run ended (docs/sample-log.md).
inline constexpr const char* kEndTargetExited = "target-exited";    // the target exited on its own
inline constexpr const char* kEndDuration = "duration";             // --duration elapsed (no traffic)
inline constexpr const char* kEndTrafficDone = "traffic-done";      // the load ended and the drain time passed
inline constexpr const char* kEndInterrupted = "interrupted";       // SIGINT/SIGTERM to memgate
inline constexpr const char* kEndStartFailed = "start-failed";      // the target could not be started
inline constexpr const char* kEndSamplerFailed = "sampler-failed";  // a required sampler could not attach
inline constexpr const char* kEndInternalError = "internal-error";  // memgate failed mid-run
inline constexpr const char* kEndIoError =
    "io-error";  // the sample log could not be written (disk full...): memgate stopped the target
// --abort-on: memgate stopped the target as soon as the run was decided FAIL
inline constexpr const char* kEndAbortedOnBudget = "aborted-on-budget";  // a budget was crossed
inline constexpr const char* kEndAbortedOnFail = "aborted-on-fail";      // another check failed (--abort-on fail)
// --until-decided: memgate stopped the target at a planned look that decided the plateau
// checks (FAIL or PASS at the look's group-sequential level)
inline constexpr const char* kEndDecided = "decided";

struct TargetEnd {
  bool signaled = false;
  int exit_code = 0;
  int signal = 0;
  std::string signal_name;  // "SIGSEGV"
  bool core_dumped = false;
  std::string description;  // "killed by SIGSEGV (Segmentation fault)"
};

// `memgate run --pid`: a process the run attached to (memgate did not start it).
struct AttachedProcess {
  int pid = 0;
  std::string comm;
  std::uint64_t start_ticks = 0;          // /proc/PID/stat starttime: with the pid, its identity
  std::string started_at;                 // ISO 8601 UTC; empty when unknown
  std::optional<double> age_at_attach_s;  // how long it had run when memgate attached
  std::optional<double> ended_after_s;    // seen gone this long after the attach; empty: still alive at the end
};

struct RunMeta {
  std::vector<std::string> command;
  std::map<std::string, std::string> environment;  // only the variables that change memory behaviour
  std::string host, kernel, cwd, memgate_version;
  std::int64_t started_unix_ms = 0;
  std::int64_t ended_unix_ms = 0;  // 0 while running
  double hz = 0, pss_hz = 0, process_hz = 0;
  std::optional<double> planned_duration_s;
  std::string status = "running";  // running | finished
  std::string end_reason;          // one of the kEnd* constants below; empty while running
  int target_pid = 0;
  int memgate_pid = 0;              // the memgate that wrote the run (`memgate report` on a run still going)
  bool stopped_by_memgate = false;  // memgate sent the signal that ended the target
  std::optional<TargetEnd> target_end;
  // `memgate run --pid`: the processes watched (empty: memgate spawned the target). Their
  // exit status is not memgate's to see, so target_end stays empty.
  std::vector<AttachedProcess> attached;
  nlohmann::json checks = nlohmann::json::object();    // report::CheckSettings
  nlohmann::json samplers = nlohmann::json::object();  // final figures of extra samplers, by name
  // --until-decided: the plan (max_duration_s, looks, alpha) and, once decided, the look
  // that decided (docs/sample-log.md); null otherwise.
  nlohmann::json until_decided;
  // Checks only a sampler could decide (allocator, oom-kills, traffic): kept here so
  // `memgate report DIR` reproduces them without the target.
  std::vector<CheckResult> sampler_checks;
  nlohmann::json scenario;         // scenario runs: {file, name, profiles, ...}; null otherwise
  std::vector<std::string> notes;  // warnings shown in the report
};

void to_json(nlohmann::json& j, const RunMeta& m);
// meta.json's and report.json's (run.target.attached) list of attached processes.
nlohmann::json attached_json(const std::vector<AttachedProcess>& list);
// Throws Error(usage) "meta.json: FIELD: expected ..." when a field has the wrong type
// (a hand-edited or corrupted file), so `memgate report` exits 3, not 5.
void from_json(const nlohmann::json& j, RunMeta& m);
// read_json_file + from_json, the messages naming `path`.
RunMeta read_run_meta(const std::string& path);

// Environment variables worth recording: allocator selection and tuning.
bool is_memory_relevant_env(const std::string& key);

}  // namespace memgate::record
