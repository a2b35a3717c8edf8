#include "report/baseline_store.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "memgate/error.h"
#include "memgate/units.h"
#include "record/json_file.h"
#include "record/run_meta.h"
#include "record/sample_log.h"
#include "record/segments.h"
#include "sys/read_file.h"

namespace memgate::report {

namespace fs = std::filesystem;

namespace {

// What a baseline needs of a run directory: enough to analyse and plot it again.
constexpr const char* kKeptFiles[] = {record::kMetaFile, record::kSamplesFile, "processes.csv",
                                      "events.jsonl",    "report.json",        "timeline.png"};

std::string run_id(const record::RunMeta& meta) {
  const std::time_t seconds = static_cast<std::time_t>(meta.started_unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "run-%04d%02d%02dT%02d%02d%02dZ-%d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(meta.memgate_pid));
  return text;
}

std::vector<fs::path> runs_in(const fs::path& branch) {
  std::vector<fs::path> runs;
  std::error_code ec;
  for (fs::directory_iterator it(branch, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && it->path().filename().string().rfind("run-", 0) == 0 &&
        fs::is_regular_file(it->path() / record::kMetaFile, ec))
      runs.push_back(it->path());
  std::sort(runs.begin(), runs.end());
  return runs;
}

nlohmann::json report_of(const fs::path& run) {
  const auto text = sys::try_read_text_file((run / "report.json").string());
  if (!text) return nullptr;
  try {
    return record::parse_json_text(*text, (run / "report.json").string());
  } catch (const Error&) {
    return nullptr;
  }
}

std::string verdict_of(const nlohmann::json& report) {
  if (!report.is_object() || !report.contains("verdict") || !report["verdict"].is_object()) return "";
  return report["verdict"].value("outcome", "");
}

}  // namespace

std::string baseline_name(const std::string& name) {
  std::string out;
  for (const char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  if (out.empty() || out == "." || out == "..")
    throw Error(ExitCode::usage, "--name '" + name + "': give a branch name such as main");
  return out;
}

std::string save_baseline(const std::string& run_dir, const std::string& dir, const std::string& name, std::size_t keep,
                          bool allow_any) {
  if (keep == 0) throw Error(ExitCode::usage, "--keep must be at least 1");
  const fs::path from(run_dir);
  const auto meta = record::read_run_meta((from / record::kMetaFile).string());
  if (meta.status != "finished")
    throw Error(ExitCode::usage, run_dir + ": the run did not finish; a baseline must be a complete run");
  const std::string verdict = verdict_of(report_of(from));
  if (!allow_any && verdict != "pass")
    throw Error(ExitCode::usage, run_dir + ": its verdict is " +
                                     (verdict.empty() ? "unknown (no report.json)" : verdict) +
                                     "; a baseline must be a known good run (memgate report " + run_dir +
                                     ", or --allow-any to keep it anyway)");
  const fs::path branch = fs::path(dir) / baseline_name(name);
  const fs::path target = branch / run_id(meta);
  std::error_code ec;
  if (fs::exists(target, ec)) throw Error(ExitCode::usage, target.string() + " already exists (saved before?)");
  const fs::path tmp = branch / (".tmp-" + target.filename().string());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw Error(ExitCode::usage, "cannot create " + tmp.string() + ": " + ec.message());
  std::vector<std::string> files(std::begin(kKeptFiles), std::end(kKeptFiles));
  // The closed (compressed) segments of the streamed logs belong to the run too.
  for (fs::directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const char* streamed : {record::kSamplesFile, record::kProcessesFile, record::kEventsFile})
      if (record::parse_segment_name(streamed, name)) files.push_back(name);
  }
  for (const auto& file : files) {
    if (!fs::exists(from / file, ec)) continue;
    fs::copy_file(from / file, tmp / file, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      const std::string why = ec.message();
      fs::remove_all(tmp, ec);
      throw Error(ExitCode::internal, "cannot copy " + (from / file).string() + " to " + tmp.string() + ": " + why);
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) throw Error(ExitCode::internal, "cannot rename " + tmp.string() + ": " + ec.message());
  auto runs = runs_in(branch);
  while (runs.size() > keep) {
    fs::remove_all(runs.front(), ec);
    runs.erase(runs.begin());
  }
  return target.string();
}

std::string show_baselines(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ExitCode::usage, dir + ": no such directory");
  std::vector<fs::path> branches;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !runs_in(it->path()).empty()) branches.push_back(it->path());
  std::sort(branches.begin(), branches.end());
  if (branches.empty()) return dir + ": no baselines (memgate baseline save RUN_DIR --to " + dir + ")\n";
  std::string out;
  for (const auto& branch : branches) {
    const auto runs = runs_in(branch);
    out += branch.filename().string() + ": " + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
           " (--baseline " + branch.string() + ")\n";
    for (const auto& run : runs) {
      const auto report = report_of(run);
      std::string line =
          "  " + run.filename().string() + "  " + (verdict_of(report).empty() ? "?" : verdict_of(report));
      if (report.is_object() && report.contains("summary") && report["summary"].is_object()) {
        const auto& s = report["summary"];
        if (s.contains("rss") && s["rss"].is_object() && s["rss"].value("peak", nlohmann::json()).is_number())
          line += "  peak RSS " + format_bytes(s["rss"]["peak"].get<double>());
        if (s.contains("rss_second_half") && s["rss_second_half"].is_object() &&
            s["rss_second_half"].value("median", nlohmann::json()).is_number())
          line += "  steady RSS " + format_bytes(s["rss_second_half"]["median"].get<double>());
      }
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace memgate::report
