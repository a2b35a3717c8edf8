#include "scenario/scenario.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "memgate/error.h"
#include "memgate/units.h"
#include "load/cycles.h"
#include "load/transport.h"
#include "record/json_file.h"
#include "scenario/pipeline_target.h"
#include "sys/file_access.h"
#include "sys/read_file.h"

namespace memgate::scenario {
namespace {

using nlohmann::json;

std::string describe(const json& value) {
  std::string text = record::dump_json(value);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// One JSON object being read, with its path ("traffic.stages[2]") for messages.
class Fields {
 public:
  Fields(const json& object, std::string path, const std::string& file)
      : object_(object), path_(std::move(path)), file_(file) {
    if (!object_.is_object()) fail(path_, "expected a JSON object", &object_);
  }

  [[noreturn]] void fail(const std::string& field, const std::string& expected, const json* got = nullptr) const {
    std::string message = file_ + ": " + field + ": " + expected;
    if (got) message += ", got " + describe(*got);
    throw Error(ExitCode::usage, message);
  }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const json* find(const std::string& key) const {
    seen_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  const json& require(const std::string& key, const std::string& expected) const {
    const json* v = find(key);
    if (!v) fail(at(key), "missing; expected " + expected);
    return *v;
  }
  double number(const std::string& key, double fallback, double min, double max, const std::string& unit = "") const {
    const json* v = find(key);
    if (!v) return fallback;
    return number_value(*v, key, min, max, unit);
  }
  double required_number(const std::string& key, double min, double max, const std::string& unit = "") const {
    return number_value(require(key, range_text(min, max, unit)), key, min, max, unit);
  }
  // Durations (fields ending in _s): seconds as a number, or a string in the CLI's
  // form ("30s", "5m", "2h", "250ms", "1d"), parsed by memgate::parse_duration.
  double duration(const std::string& key, double fallback, double min, double max) const {
    const json* v = find(key);
    if (!v) return fallback;
    return duration_value(*v, at(key), min, max);
  }
  double required_duration(const std::string& key, double min, double max) const {
    return duration_value(require(key, duration_text(min, max)), at(key), min, max);
  }
  double duration_value(const json& v, const std::string& field, double min, double max) const {
    std::optional<double> seconds;
    if (v.is_number()) seconds = v.get<double>();
    else if (v.is_string()) seconds = parse_duration(v.get<std::string>());
    if (!seconds || *seconds < min || *seconds > max) fail(field, "expected " + duration_text(min, max), &v);
    return *seconds;
  }
  std::string string(const std::string& key, const std::string& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(at(key), "expected a string", v);
    return v->get<std::string>();
  }
  bool boolean(const std::string& key, bool fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(at(key), "expected true or false", v);
    return v->get<bool>();
  }
  std::vector<std::string> strings(const std::string& key, bool required) const {
    const json* v = required ? &require(key, "an array of strings") : find(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) fail(at(key), "expected an array of strings", v);
    for (const json& item : *v) {
      if (!item.is_string()) fail(at(key), "expected an array of strings", &item);
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::vector<std::string> env(const std::string& key) const {
    const json* v = find(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_object()) fail(at(key), "expected an object of \"NAME\": \"value\" strings", v);
    for (const auto& [name, value] : v->items()) {
      if (!value.is_string()) fail(at(key) + "." + name, "expected a string value", &value);
      out.push_back(name + "=" + value.get<std::string>());
    }
    return out;
  }
  // Typos must not pass silently: every key has to be one the reader asked for.
  void no_unknown_fields() const {
    for (const auto& [key, value] : object_.items())
      if (!seen_.count(key)) {
        std::string known;
        for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
        fail(at(key), "unknown field; expected one of: " + known);
      }
  }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

 private:
  static std::string range_text(double min, double max, const std::string& unit) {
    auto fmt = [](double x) {
      std::string s = std::to_string(x);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    };
    std::string text = "a number";
    if (std::isfinite(min) && std::isfinite(max)) text += " between " + fmt(min) + " and " + fmt(max);
    else if (std::isfinite(min)) text += min > 0 && min < 1e-3 ? std::string(" > 0") : " >= " + fmt(min);
    return unit.empty() ? text : text + " (" + unit + ")";
  }
  static std::string duration_text(double min, double max) {
    const bool longest = max == load::kMaxScheduleS;
    std::string text = min == -max && longest ? std::string("a number between -1000 days and 1000 days")
                                              : range_text(min, longest ? kInfinity : max, "");
    text.replace(0, std::string("a number").size(), "a duration");
    if (longest && min != -max) text += ", at most 1000 days";
    return text + ": seconds as a number, or a string like \"30s\", \"5m\", \"2h\"";
  }
  static constexpr double kInfinity = std::numeric_limits<double>::infinity();
  double number_value(const json& v, const std::string& key, double min, double max, const std::string& unit) const {
    if (!v.is_number() || v.get<double>() < min || v.get<double>() > max)
      fail(at(key), "expected " + range_text(min, max, unit), &v);
    return v.get<double>();
  }
  const json& object_;
  std::string path_;
  const std::string& file_;
  mutable std::set<std::string> seen_;
};

// Every duration a scenario gives is at most the longest schedule (1000 days): larger
// ones (1e308) would overflow the clocks they are added to and send nothing.
constexpr double kMaxS = load::kMaxScheduleS;

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  std::string joined = (std::filesystem::path(base_dir) / path).lexically_normal().string();
  if (joined.size() > 1 && joined.back() == '/') joined.pop_back();  // "dir/." -> "dir"
  return joined;
}

// `kind` or a bare string ("stdin") selects a variant.
std::string kind_of(const json& value, const std::string& path, const std::string& file, const std::string& expected) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("kind") && value["kind"].is_string()) return value["kind"].get<std::string>();
  throw Error(ExitCode::usage, file + ": " + path + ": expected " + expected + ", got " + describe(value));
}

load::TransportSpec parse_transport(const json& value, const std::string& file, const std::string& base_dir) {
  const std::string path = "traffic.transport";
  const std::string expected = "\"stdin\", or an object with \"kind\": \"stdin\", \"unix\", \"tcp\" or \"command\"";
  const std::string kind = kind_of(value, path, file, expected);
  load::TransportSpec spec;
  if (value.is_string() && kind != "stdin")
    throw Error(ExitCode::usage, file + ": " + path + ": \"" + kind +
                                     "\" needs an object with its settings, e.g. {\"kind\": \"" + kind + "\", ...}");
  if (value.is_string()) return spec;
  Fields f(value, path, file);
  f.find("kind");
  if (kind == "stdin") {
    spec.kind = load::TransportSpec::Kind::stdin_pipe;
  } else if (kind == "unix") {
    spec.kind = load::TransportSpec::Kind::unix_socket;
    const json& p = f.require("path", "the socket path the target listens on");
    if (!p.is_string() || p.get<std::string>().empty()) f.fail(f.at("path"), "expected a socket path", &p);
    spec.path = resolve(p.get<std::string>(), base_dir);
    if (const std::string problem = load::unix_path_problem(spec.path); !problem.empty())
      f.fail(f.at("path"), problem + " (resolved: " + spec.path + ")");
    spec.connect_timeout_s = f.duration("connect_timeout_s", 10, 0, 3600);
  } else if (kind == "tcp") {
    spec.kind = load::TransportSpec::Kind::tcp;
    spec.port = static_cast<int>(f.required_number("port", 1, 65535));
    spec.host = f.string("host", "127.0.0.1");
    spec.connect_timeout_s = f.duration("connect_timeout_s", 10, 0, 3600);
  } else if (kind == "command") {
    spec.kind = load::TransportSpec::Kind::command;
    spec.argv = f.strings("command", true);
    if (spec.argv.empty())
      f.fail(f.at("command"), "expected the load command's argv, e.g. [\"wrk\", \"-t2\", \"http://127.0.0.1:8080/\"]");
    spec.env_set = f.env("env");
    spec.phases = f.strings("phases", false);
    spec.stop_grace_s = f.duration("stop_grace_s", 5, 0, 3600);
  } else {
    f.fail(path + ".kind", "expected \"stdin\", \"unix\", \"tcp\" or \"command\"", &value["kind"]);
  }
  f.no_unknown_fields();
  return spec;
}

load::PayloadSpec parse_payload(const json& value, const std::string& file, const std::string& base_dir) {
  const std::string path = "traffic.payload";
  const std::string kind =
      kind_of(value, path, file, "an object with \"kind\": \"sensors\", \"od_pairs\", \"trace\" or \"none\"");
  load::PayloadSpec spec;
  if (value.is_string()) {
    if (kind == "sensors") return spec;
    if (kind == "none") {
      spec.kind = load::PayloadSpec::Kind::none;
      return spec;
    }
    throw Error(ExitCode::usage, file + ": " + path + ": \"" + kind + "\" needs an object with its settings");
  }
  Fields f(value, path, file);
  f.find("kind");
  auto seed = [&] { return static_cast<std::uint64_t>(f.number("seed", 1, 0, 9007199254740991.0)); };
  if (kind == "sensors") {
    spec.kind = load::PayloadSpec::Kind::sensors;
    auto& s = spec.sensors;
    s.seed = seed();
    if (const json* sensors = f.find("sensors")) {
      Fields counts(*sensors, f.at("sensors"), file);
      s.sensors.clear();
      for (const auto& type : load::sensor_types()) {
        const std::string name(type.name);
        if (counts.find(name)) s.sensors[name] = static_cast<int>(counts.number(name, 0, 0, 1e6, "sensors"));
      }
      counts.no_unknown_fields();
    }
    s.bad_fraction = f.number("bad_fraction", 0, 0, 1, "share of records");
    s.oversized_bytes = static_cast<std::size_t>(f.number("oversized_bytes", 65536, 64, 1 << 30, "bytes"));
    if (const json* start = f.find("start_utc")) {
      auto t = start->is_string() ? load::parse_utc_seconds(start->get<std::string>()) : std::nullopt;
      if (!t) f.fail(f.at("start_utc"), "expected an ISO-8601 UTC time like \"2024-01-01T00:00:00Z\"", start);
      s.start_epoch_s = static_cast<std::int64_t>(*t);
    }
  } else if (kind == "od_pairs") {
    spec.kind = load::PayloadSpec::Kind::od_pairs;
    auto& o = spec.od_pairs;
    o.seed = seed();
    o.pairs = static_cast<std::uint64_t>(f.number("pairs", 10000, 1, 1e9, "pairs"));
    o.chunk = static_cast<std::uint64_t>(f.number("chunk", static_cast<double>(o.pairs), 1, 1e9, "pairs per record"));
  } else if (kind == "trace") {
    spec.kind = load::PayloadSpec::Kind::trace;
    const json& p = f.require("path", "the trace file (JSON lines)");
    if (!p.is_string()) f.fail(f.at("path"), "expected a file path", &p);
    spec.trace_path = resolve(p.get<std::string>(), base_dir);
    auto& r = spec.replay;
    r.multiplier = f.number("multiplier", 1, 1e-6, 1e6, "x the recorded rate");
    if (f.find("multiplier") && !(r.multiplier > 0)) f.fail(f.at("multiplier"), "expected a number > 0");
    r.loops = static_cast<std::uint64_t>(f.number("loops", 1, 0, 1e12, "0 = until stopped"));
    r.reorder_window = static_cast<std::size_t>(f.number("reorder_window", 0, 0, 1e6, "lines"));
    r.max_gap_s = f.duration("max_gap_s", 0, 0, kMaxS);  // 0: no cap
    r.read.skip_malformed = f.boolean("skip_malformed", false);
    r.read.time_field = f.string("time_field", "t");
    r.read.line_field = f.string("line_field", "line");
    r.read.phase_field = f.string("phase_field", "phase");
  } else if (kind == "none") {
    spec.kind = load::PayloadSpec::Kind::none;
  } else {
    f.fail(path + ".kind", "expected \"sensors\", \"od_pairs\", \"trace\" or \"none\"", &value["kind"]);
  }
  f.no_unknown_fields();
  return spec;
}

load::Stage parse_stage(const json& value, const std::string& path, const std::string& file, double fleet_rate) {
  Fields f(value, path, file);
  load::Stage s;
  const std::string kind = f.string("kind", "constant");
  s.duration_s = f.required_duration("duration_s", 1e-9, kMaxS);
  s.phase = f.string("phase", "nominal");
  s.hourly = f.boolean("hourly", false);
  auto rate = [&](const std::string& key) -> double {
    const json* v = f.find(key);
    if (v && v->is_string() && v->get<std::string>() == "fleet") {
      if (fleet_rate <= 0) f.fail(f.at(key), "\"fleet\" needs a sensors payload (the fleet's summed rates)");
      return fleet_rate;
    }
    if (!v) f.fail(f.at(key), "missing; expected a rate >= 0 (records/s) or \"fleet\"");
    if (!v->is_number() || v->get<double>() < 0 || v->get<double>() > load::kMaxRate)
      f.fail(f.at(key), "expected a rate between 0 and 1e9 (records/s) or \"fleet\"", v);
    return v->get<double>();
  };
  if (kind == "constant") {
    s.kind = load::Stage::Kind::constant;
    s.rate = rate("rate");
  } else if (kind == "ramp" || kind == "steps") {
    s.kind = kind == "ramp" ? load::Stage::Kind::ramp : load::Stage::Kind::steps;
    s.from = rate("from");
    s.to = rate("to");
    if (kind == "steps") s.steps = static_cast<int>(f.required_number("steps", 1, 1e6));
  } else if (kind == "sine") {
    s.kind = load::Stage::Kind::cosine;
    s.mean = rate("mean");
    s.amplitude = f.required_number("amplitude", 0, s.mean, "records/s, at most mean");
    s.period_s = f.required_duration("period_s", 1e-6, kMaxS);
    s.peak_s = f.duration("peak_s", 0, -kMaxS, kMaxS);  // scenario time of a peak
  } else if (kind == "diurnal") {
    // A day-long cosine between min and max with its peak at peak_hour (scenario t=0 is midnight).
    s.kind = load::Stage::Kind::cosine;
    const double lo = rate("min"), hi = rate("max");
    if (hi < lo) f.fail(f.at("max"), "expected max >= min");
    s.mean = (lo + hi) / 2;
    s.amplitude = (hi - lo) / 2;
    s.period_s = 86400;
    s.peak_s = f.number("peak_hour", 14, 0, 24, "hour of the day") * 3600;
  } else {
    f.fail(f.at("kind"), "expected \"constant\", \"ramp\", \"steps\", \"sine\" or \"diurnal\"", &value["kind"]);
  }
  f.no_unknown_fields();
  return s;
}

load::Burst parse_burst(const json& value, const std::string& path, const std::string& file) {
  Fields f(value, path, file);
  load::Burst b;
  if (const json* at = f.find("at_s")) {
    if (!at->is_array()) f.fail(f.at("at_s"), "expected an array of start times, e.g. [300, \"15m\"]", at);
    for (std::size_t i = 0; i < at->size(); ++i)
      b.at_s.push_back(f.duration_value((*at)[i], f.at("at_s") + "[" + std::to_string(i) + "]", 0, kMaxS));
  }
  b.every_s = f.duration("every_s", 0, 0, kMaxS);
  b.start_s = f.duration("start_s", 0, 0, kMaxS);
  if (b.at_s.empty() && b.every_s <= 0) f.fail(path, "expected \"at_s\": [start times] or \"every_s\": a period");
  b.duration_s = f.required_duration("duration_s", 1e-9, kMaxS);
  b.multiplier = f.number("multiplier", 10, 0, 1e6, "x the stage rate");
  b.recovery_s = f.duration("recovery_s", 0, 0, kMaxS);  // tagged "recovery" after each burst
  f.no_unknown_fields();
  return b;
}

load::TrafficConfig parse_traffic(const json& value, const std::string& file, const std::string& base_dir) {
  Fields f(value, "traffic", file);
  load::TrafficConfig config;
  if (const json* t = f.find("transport")) config.transport = parse_transport(*t, file, base_dir);
  if (const json* p = f.find("payload")) config.payload = parse_payload(*p, file, base_dir);
  double fleet_rate = 0;
  if (config.payload.kind == load::PayloadSpec::Kind::sensors) {
    try {
      fleet_rate = load::SensorPayload(config.payload.sensors).fleet_rate();
    } catch (const Error& e) {
      throw Error(ExitCode::usage, file + ": traffic." + e.what());
    }
  }
  if (const json* stages = f.find("stages")) {
    if (!stages->is_array()) f.fail("traffic.stages", "expected an array of stages", stages);
    for (std::size_t i = 0; i < stages->size(); ++i)
      config.stages.push_back(parse_stage((*stages)[i], "traffic.stages[" + std::to_string(i) + "]", file, fleet_rate));
  }
  if (const json* bursts = f.find("bursts")) {
    if (!bursts->is_array()) f.fail("traffic.bursts", "expected an array of bursts", bursts);
    for (std::size_t i = 0; i < bursts->size(); ++i)
      config.bursts.push_back(parse_burst((*bursts)[i], "traffic.bursts[" + std::to_string(i) + "]", file));
  }
  if (const json* cycles = f.find("cycles")) {
    Fields c(*cycles, "traffic.cycles", file);
    config.cycles.count = static_cast<std::size_t>(
        c.required_number("count", 1, static_cast<double>(load::kMaxCycles), "identical cycles"));
    config.cycles.drain_s = c.duration("drain_s", config.cycles.drain_s, 0, kMaxS);
    config.cycles.quiet_s = c.duration("quiet_s", config.cycles.quiet_s, 1e-3, kMaxS);
    config.cycles.purge = c.boolean("purge", false);
    c.no_unknown_fields();
    try {
      load::cycle_stages(config.stages, config.bursts.size(), config.cycles);
    } catch (const Error& e) {
      throw Error(ExitCode::usage, file + ": traffic." + e.what());
    }
  }
  config.time_scale = f.number("time_scale", 1, 1e-6, 1e6, "scenario seconds per wall second");
  if (const json* late = f.find("late_policy")) {
    const std::string kind = kind_of(*late, "traffic.late_policy", file, "\"queue\", \"drop\" or \"catch_up\"");
    try {
      config.late_policy = load::late_policy_from_string(kind);
    } catch (const Error& e) {
      throw Error(ExitCode::usage, file + ": traffic.late_policy: " + e.what());
    }
    if (late->is_object()) {
      Fields lf(*late, "traffic.late_policy", file);
      lf.find("kind");
      config.max_lag_s = lf.duration("max_lag_s", 0, 0, kMaxS);
      lf.no_unknown_fields();
    }
  }
  config.max_rate = f.number("max_rate", config.max_rate, 1, 1e9, "records/s this machine can deliver");
  f.no_unknown_fields();

  const bool generated = config.payload.kind == load::PayloadSpec::Kind::sensors ||
                         config.payload.kind == load::PayloadSpec::Kind::od_pairs;
  if (generated && config.stages.empty())
    f.fail("traffic.stages",
           "missing; a generated payload needs at least one stage, e.g. [{\"rate\": 1000, \"duration_s\": 60}]");
  if (config.transport.kind != load::TransportSpec::Kind::command &&
      config.payload.kind == load::PayloadSpec::Kind::none)
    f.fail("traffic.payload", "\"none\" only makes sense with a \"command\" transport");
  if (!config.stages.empty()) {
    // Schedule errors ("stages[1].rate: ...") and refusal of an undeliverable rate, up front.
    try {
      load::Schedule schedule(config.stages, config.bursts);
      load::check_deliverable(config, schedule);
    } catch (const Error& e) {
      const std::string what = e.what();
      throw Error(ExitCode::usage, file + ": " + (what.rfind("traffic", 0) == 0 ? what : "traffic." + what));
    }
  }
  return config;
}

// Either "command": [argv...], or "pipeline": "NAME" with optional "args" and
// "antipattern" (kept apart from args so that a profile selecting the anti-pattern
// composes with one that changes the args: merge patches replace arrays whole).
void parse_target_program(const Fields& t, Target& target) {
  const bool has_command = t.find("command") != nullptr;
  const json* pipeline = t.find("pipeline");
  if (has_command == (pipeline != nullptr))
    t.fail("target", "expected exactly one of \"command\": [argv...] or \"pipeline\": \"NAME\" (a reference pipeline)");
  if (has_command) {
    target.command = t.strings("command", true);
    if (target.command.empty())
      t.fail("target.command", "expected a non-empty argv, e.g. [\"python3\", \"pipeline.py\"]");
    if (t.find("args") || t.find("antipattern"))
      t.fail("target",
             "\"args\" and \"antipattern\" go with \"pipeline\"; with \"command\", put arguments in the argv");
    return;
  }
  if (!pipeline->is_string()) t.fail("target.pipeline", "expected a pipeline name such as \"sensor_ingest\"", pipeline);
  target.pipeline = pipeline->get<std::string>();
  const std::string path =
      pipeline_path(target.pipeline, pipelines_dir(std::getenv(kPipelinesEnv)), t.file() + ": target.pipeline");
  if (!sys::is_executable(path))
    throw Error(ExitCode::usage, t.file() + ": " + missing_pipeline_message(target.pipeline, path));
  target.command = {path};
  for (auto& arg : t.strings("args", false)) target.command.push_back(std::move(arg));
  const std::string antipattern = t.string("antipattern", "none");
  if (antipattern != "none") target.command.insert(target.command.end(), {"--antipattern", antipattern});
}

// target.limits: sizes as the flags take them ("512M") or bytes as a number.
void parse_limits(const Fields& f, MemoryLimits& limits) {
  for (auto [key, field] : {std::pair{"memory_max", &limits.max}, std::pair{"memory_high", &limits.high},
                            std::pair{"swap_max", &limits.swap_max}}) {
    const json* v = f.find(key);
    if (!v) continue;
    std::optional<std::uint64_t> bytes;
    if (v->is_string()) bytes = parse_bytes(v->get<std::string>());
    else if (v->is_number_unsigned()) bytes = v->get<std::uint64_t>();
    else if (v->is_number_integer() && v->get<std::int64_t>() > 0)
      bytes = static_cast<std::uint64_t>(v->get<std::int64_t>());
    else if (v->is_number_float() && v->get<double>() >= 0 && v->get<double>() < 1.8e19)
      bytes = static_cast<std::uint64_t>(v->get<double>());
    if (!bytes || *bytes == 0) f.fail(f.at(key), "expected a size such as \"512M\" or a number of bytes > 0", v);
    *field = bytes;
  }
  f.no_unknown_fields();
}

}  // namespace

Scenario parse_scenario(const json& original, const std::string& file, const std::string& base_dir,
                        const Overrides& overrides) {
  const json doc = apply_overrides(original, overrides, file);
  Scenario s;
  s.file = file;
  s.profiles = overrides.profiles;
  s.time_scale_override = overrides.time_scale;
  if (overrides.time_scale) {
    Overrides written = overrides;
    written.time_scale.reset();
    const json as_written = apply_overrides(original, written, file);
    const json* traffic = as_written.is_object() && as_written.contains("traffic") ? &as_written["traffic"] : nullptr;
    if (traffic && traffic->is_object() && traffic->contains("time_scale") && (*traffic)["time_scale"].is_number() &&
        (*traffic)["time_scale"].get<double>() > 0)
      s.written_time_scale = (*traffic)["time_scale"].get<double>();
  }
  Fields top(doc, "", file);
  s.name = top.string("name", std::filesystem::path(file).stem().string());
  s.description = top.string("description", "");
  top.find("$schema");
  top.find("sizes");
  s.sizes = parse_sizes(doc, file);
  s.size = overrides.size;
  {
    Fields t(top.require("target", "an object with \"command\": [argv...] or \"pipeline\": \"NAME\""), "target", file);
    parse_target_program(t, s.target);
    s.target.env_set = t.env("env");
    s.target.allocator = t.string("allocator", "");
    s.target.cwd = resolve(t.string("cwd", "."), base_dir);
    if (const json* purge = t.find("purge_at_phases")) {
      if (purge->is_boolean()) s.target.purge_at_phases.every = purge->get<bool>();
      else if (purge->is_array()) s.target.purge_at_phases.entering = t.strings("purge_at_phases", false);
      else t.fail("target.purge_at_phases", "expected true (every phase change) or an array of phase names", purge);
    }
    if (const json* attribute = t.find("attribute")) {
      if (!attribute->is_boolean()) t.fail("target.attribute", "expected true or false", attribute);
      s.target.attribute = attribute->get<bool>();
    }
    if (const json* limits = t.find("limits")) parse_limits(Fields(*limits, "target.limits", file), s.target.limits);
    t.no_unknown_fields();
  }
  if (const json* traffic = top.find("traffic")) s.traffic = parse_traffic(*traffic, file, base_dir);
  if (const json* sampling = top.find("sampling")) {
    Fields f(*sampling, "sampling", file);
    s.sampling.hz = f.number("hz", 10, 0.001, 1000, "samples/s");
    s.sampling.pss_hz = f.number("pss_hz", 1, 0, 1000, "reads/s, 0 = never");
    s.sampling.process_hz = f.number("process_hz", 1, 0, 1000, "rows/s");
    if (f.find("duration_s")) s.sampling.duration_s = f.duration("duration_s", 0, 1e-3, kMaxS);
    if (f.find("report_every")) s.sampling.report_every_s = f.duration("report_every", 0, 0, kMaxS);
    if (const json* segment = f.find("log_segment")) {
      const auto bytes = segment->is_string()
                             ? (segment->get<std::string>() == "off" ? std::optional<std::uint64_t>(0)
                                                                     : parse_bytes(segment->get<std::string>()))
                             : std::nullopt;
      if (!bytes) f.fail(f.at("log_segment"), "expected a size such as \"64M\" or \"off\"", segment);
      s.sampling.log_segment_bytes = bytes;
    }
    s.sampling.metrics = f.strings("metrics", false);
    s.sampling.until_decided = f.boolean("until_decided", false);
    if (f.find("max_duration_s")) s.sampling.max_duration_s = f.duration("max_duration_s", 0, 1, kMaxS);
    if (s.sampling.until_decided && !s.sampling.max_duration_s)
      f.fail(f.at("until_decided"), "needs sampling.max_duration_s (the longest the run may last, e.g. \"24h\")",
             f.find("until_decided"));
    if (const json* abort_on = f.find("abort_on")) {
      const std::string mode = f.string("abort_on", "none");
      if (mode != "none" && mode != "budget" && mode != "fail")
        f.fail(f.at("abort_on"), "expected \"none\", \"budget\" or \"fail\"", abort_on);
      s.sampling.abort_on = mode;
    }
    f.no_unknown_fields();
  }
  if (!s.sampling.duration_s && s.traffic && !s.traffic->stages.empty()) {
    s.sampling.duration_s = load::stages_length_s(s.traffic->stages, s.traffic->cycles) / s.traffic->time_scale;
  }
  if (const json* checks = top.find("checks")) {
    if (!checks->is_object()) top.fail("checks", "expected an object of check settings", checks);
    s.checks = *checks;
  }
  top.no_unknown_fields();
  return s;
}

nlohmann::json describe_for_meta(const Scenario& s) {
  json j = {{"file", s.file}, {"name", s.name}, {"profiles", s.profiles}};
  if (!s.target.pipeline.empty()) j["pipeline"] = s.target.pipeline;
  if (s.time_scale_override) j["time_scale_override"] = *s.time_scale_override;
  if (s.traffic) j["time_scale"] = s.traffic->time_scale;
  return j;
}

Scenario load_scenario(const std::string& path, const Overrides& overrides) {
  const json doc = record::read_json_file(path, {kMaxScenarioBytes, /*ignore_comments=*/true, "scenario file"});
  const std::string base = std::filesystem::absolute(path).parent_path().string();
  Scenario s = parse_scenario(doc, path, base, overrides);
  check_paths(s);
  return s;
}

void check_paths(const Scenario& s) {
  const auto fail = [&](const std::string& field, const std::string& problem) {
    throw Error(ExitCode::usage, s.file + ": " + field + ": " + problem);
  };
  if (!s.target.cwd.empty()) {
    const auto st = sys::file_status(s.target.cwd);
    if (!st) fail("target.cwd", errno_message(s.target.cwd, errno) + "; expected an existing directory");
    if (!st->directory) fail("target.cwd", s.target.cwd + " is not a directory");
  }
  if (s.traffic && s.traffic->payload.kind == load::PayloadSpec::Kind::trace) {
    const std::string& trace = s.traffic->payload.trace_path;
    const auto st = sys::file_status(trace);
    if (!st) fail("traffic.payload.path", errno_message(trace, errno) + "; expected a trace file (JSON lines)");
    if (st->directory) fail("traffic.payload.path", trace + " is a directory; expected a trace file (JSON lines)");
    if (!sys::is_readable(trace))
      fail("traffic.payload.path", errno_message(trace, errno) + "; the trace file must be readable");
  }
}

}  // namespace memgate::scenario
