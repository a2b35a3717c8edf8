// memgate gen: write a trace file (JSON lines {"t": s, "phase": p, "line": record}) from a
// scenario's traffic or from a constant rate, as fast as the disk takes it.
#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "commands.h"
#include "load/payload.h"
#include "load/source.h"
#include "load/trace.h"
#include "memgate/error.h"
#include "options.h"
#include "scenario/scenario.h"

namespace memgate::cli {
namespace {

struct GenOptions {
  std::string scenario;
  std::string out;
  double rate = 100;
  std::optional<double> duration_s;
  std::string payload = "sensors";
  std::uint64_t seed = 1;
  double bad_fraction = 0;
  std::uint64_t pairs = 10000;
  std::uint64_t chunk = 500;
  bool force = false;
};

// The largest trace gen writes without --force (docs/traffic.md).
constexpr double kMaxGenBytes = 10.0 * (1ull << 30);

std::unique_ptr<load::Payload> make_payload(const load::PayloadSpec& spec) {
  if (spec.kind == load::PayloadSpec::Kind::sensors) return std::make_unique<load::SensorPayload>(spec.sensors);
  if (spec.kind == load::PayloadSpec::Kind::od_pairs) return std::make_unique<load::OdPairsPayload>(spec.od_pairs);
  throw Error(ExitCode::usage, "gen: the scenario's payload is \"" + std::string(load::to_string(spec.kind)) +
                                   "\"; gen writes generated payloads (sensors, od_pairs) only");
}

// The trace's size from its first records (up to 2000) times the records planned: the
// disk must hold it, and past kMaxGenBytes it takes --force.
void check_output_size(const GenOptions& o, const load::TrafficConfig& traffic, const load::Schedule& schedule) {
  auto payload = make_payload(traffic.payload);
  load::ScheduledSource source(schedule, *payload);
  std::string line;
  std::uint64_t records = 0;
  double bytes = 0;
  for (std::optional<double> due; records < 2000 && (due = source.next_due()); ++records) {
    line.clear();
    source.emit(line);
    bytes += static_cast<double>(line.size()) + 48;  // {"t":...,"phase":...,"line":...} and escaping, roughly
  }
  if (records == 0)
    throw Error(ExitCode::usage, "gen: the schedule plans no records (rate 0, or too short); nothing to write");
  double planned = static_cast<double>(schedule.total_records());
  if (auto limit = payload->limit()) planned = std::min(planned, static_cast<double>(*limit));
  const double estimate = bytes / static_cast<double>(records) * planned;
  char size[64];
  std::snprintf(size, sizeof size, "%.3g GiB", estimate / (1ull << 30));
  if (o.force) return;
  if (estimate > kMaxGenBytes)
    throw Error(ExitCode::usage,
                "gen: the trace would be about " + std::string(size) + " (" +
                    std::to_string(static_cast<unsigned long long>(planned)) +
                    " records), over the 10 GiB gen writes without --force; shorten the duration or lower the rate");
  std::string dir = std::filesystem::path(o.out).parent_path().string();
  if (dir.empty()) dir = ".";
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    const double available = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
    if (estimate > available) {
      char free_text[64];
      std::snprintf(free_text, sizeof free_text, "%.3g GiB", available / (1ull << 30));
      throw Error(ExitCode::usage, "gen: the trace would be about " + std::string(size) + " but " + dir + " has " +
                                       free_text + " free; free space, write elsewhere, or pass --force");
    }
  }
}

int generate(const GenOptions& o) {
  load::TrafficConfig traffic;
  if (!o.scenario.empty()) {
    auto s = scenario::load_scenario(o.scenario);
    if (!s.traffic) throw Error(ExitCode::usage, o.scenario + ": no \"traffic\" section to generate from");
    traffic = *s.traffic;
  } else {
    load::Stage stage;
    stage.rate = o.rate;
    stage.duration_s = o.duration_s.value_or(60);
    if (!(stage.duration_s > 0) || stage.duration_s > load::kMaxScheduleS)
      throw Error(ExitCode::usage, "gen --duration: expected a duration > 0 and at most 1000 days (86400000 s)");
    if (!(o.rate > 0)) throw Error(ExitCode::usage, "gen --rate: expected a rate > 0 records/s (at most 1e9)");
    traffic.stages = {stage};
    if (o.payload == "od_pairs") {
      traffic.payload.kind = load::PayloadSpec::Kind::od_pairs;
      traffic.payload.od_pairs = {o.seed, o.pairs, o.chunk};
    } else {
      traffic.payload.sensors.seed = o.seed;
      traffic.payload.sensors.bad_fraction = o.bad_fraction;
    }
  }
  std::unique_ptr<load::Payload> payload = make_payload(traffic.payload);
  const load::Schedule schedule(traffic.stages, traffic.bursts);
  check_output_size(o, traffic, schedule);
  load::ScheduledSource source(schedule, *payload);
  load::TraceWriter writer(o.out);
  std::string line;
  std::string phase;
  while (auto due = source.next_due()) {
    phase = source.phase();  // of the record about to be emitted
    line.clear();
    source.emit(line);
    writer.write(*due, line, phase);
  }
  writer.close();
  std::fprintf(stderr, "memgate gen: wrote %llu records over %.3f s of scenario time to %s\n",
               static_cast<unsigned long long>(writer.lines()), schedule.duration_s(), o.out.c_str());
  return 0;
}

}  // namespace

void add_gen_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GenOptions>();
  auto* cmd = app.add_subcommand("gen", "Write a trace file (JSON lines with timestamps) of generated traffic");
  cmd->footer(
      "Examples:\n"
      "  memgate gen --out sensors.jsonl --rate 500 --duration 10m --bad-fraction 0.01\n"
      "  memgate gen --out batch.jsonl --payload od_pairs --pairs 12000 --chunk 500 --rate 2\n"
      "  memgate gen --out day.jsonl scenarios/examples/diurnal_soak.json");
  cmd->add_option("scenario", o->scenario, "Take stages, bursts and payload from this scenario file")
      ->type_name("SCENARIO.json");
  cmd->add_option("--out,-o", o->out, "Trace file to write")->required()->type_name("PATH");
  cmd->add_option("--rate", o->rate, "Records per second (without a scenario)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  add_duration_option(*cmd, "--duration", o->duration_s, "Length of the schedule (without a scenario; default 60s)");
  cmd->add_option("--payload", o->payload, "sensors or od_pairs")
      ->check(CLI::IsMember({"sensors", "od_pairs"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed: the same seed gives the same bytes")->capture_default_str();
  cmd->add_option("--bad-fraction", o->bad_fraction, "Share of deliberately bad sensor records")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--pairs", o->pairs, "od_pairs: number of origin-destination pairs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--chunk", o->chunk, "od_pairs: pairs per record")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--force", o->force, "Write a trace over 10 GiB, or larger than the free space");
  cmd->callback([o, &exit_code] { exit_code = generate(*o); });
}

}  // namespace memgate::cli
