#include "sample/cgroup_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::sample {

std::string max_file(const std::string& version) { return version == "v1" ? "memory.limit_in_bytes" : "memory.max"; }

namespace {

std::string high_file(const std::string& version) {
  return version == "v1" ? "memory.soft_limit_in_bytes" : "memory.high";
}

std::string limit_text(const CgroupOomInput& in) {
  if (in.limits.max)
    return "the " + format_bytes(static_cast<double>(*in.limits.max)) + " limit (" + max_file(in.version) + ")";
  return "memgate's cgroup (no memory.max)";
}

std::string victim_text(const CgroupOomVictim& v) {
  std::string text = "pid " + std::to_string(v.pid) + " (" + (v.comm.empty() ? "?" : v.comm);
  if (v.rss_bytes) text += ", " + format_bytes(static_cast<double>(*v.rss_bytes)) + " RSS";
  return text + ") at t=" + format_duration(v.t_s);
}

}  // namespace

CheckResult cgroup_oom_check(const CgroupOomInput& in) {
  CheckResult c;
  c.id = check_id::kCgroupOom;
  c.figures = {{"oom_kills", in.oom_kills, "count"}, {"peak", in.peak_bytes, "bytes"}};
  if (in.limits.max) c.figures.push_back({"limit", static_cast<double>(*in.limits.max), "bytes"});
  if (in.limits.high) c.figures.push_back({"high", static_cast<double>(*in.limits.high), "bytes"});
  if (!std::isnan(in.high_events)) c.figures.push_back({"high_events", in.high_events, "count"});
  if (!std::isnan(in.pressure_some_max)) c.figures.push_back({"pressure_some_avg10_max", in.pressure_some_max, "%"});
  if (in.oom_kills > 0) {
    c.outcome = Outcome::fail;
    const auto n = static_cast<long long>(in.oom_kills);
    c.summary = "the OOM killer killed " + std::to_string(n) + (n == 1 ? " process" : " processes") + " at " +
                limit_text(in) + ": ";
    if (in.victims.empty()) {
      c.summary += "victim not known (" + in.victims_unknown + ")";
    } else {
      for (std::size_t i = 0; i < in.victims.size() && i < 3; ++i)
        c.summary += (i ? ", " : "") + victim_text(in.victims[i]);
      if (in.victims.size() > 3) c.summary += " and " + std::to_string(in.victims.size() - 3) + " more";
      if (in.victims.front().rss_bytes)
        c.figures.push_back({"victim_rss", static_cast<double>(*in.victims.front().rss_bytes), "bytes"});
    }
    c.summary += "; raise the limit or lower what the target holds";
    return c;
  }
  c.outcome = Outcome::pass;
  c.summary = "no OOM kill in " + limit_text(in) + "; peak " + format_bytes(in.peak_bytes);
  if (in.limits.high && in.high_events > 0)
    c.summary += "; warning: " + std::to_string(static_cast<long long>(in.high_events)) + " reclaim events at the " +
                 format_bytes(static_cast<double>(*in.limits.high)) + " " + high_file(in.version);
  if (in.pressure_some_max > 0) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", in.pressure_some_max);
    c.summary += std::string("; memory pressure (some, avg10) up to ") + text;
  }
  return c;
}

void defer_oom_kills_at_limit(std::vector<CheckResult>& sampler_checks, const nlohmann::json& samplers) {
  if (!samplers.is_object() || !samplers.contains("cgroup") || !samplers.contains("ebpf")) return;
  const nlohmann::json& cg = samplers["cgroup"];
  const nlohmann::json& ebpf = samplers["ebpf"];
  const double at_limit = cg.value("oom_kills", nlohmann::json(0)).is_number() ? cg["oom_kills"].get<double>() : 0;
  if (!(at_limit > 0) || !ebpf.contains("oom_victims") || !ebpf["oom_victims"].is_array()) return;
  std::vector<long long> cgroup_pids;
  if (cg.contains("oom_victims") && cg["oom_victims"].is_array())
    for (const auto& v : cg["oom_victims"]) cgroup_pids.push_back(v.value("pid", 0LL));
  std::size_t outside = 0;
  for (const auto& v : ebpf["oom_victims"]) {
    const long long pid = v.value("pid", 0LL);
    // Without the kernel log the cgroup names no victim: its count covers as many.
    const bool counted =
        cgroup_pids.empty() ? true : std::find(cgroup_pids.begin(), cgroup_pids.end(), pid) != cgroup_pids.end();
    if (!counted) ++outside;
  }
  if (cgroup_pids.empty() && static_cast<double>(ebpf["oom_victims"].size()) > at_limit) return;
  if (outside > 0) return;
  for (auto& c : sampler_checks) {
    if (c.id != check_id::kOomKills || c.outcome != Outcome::fail) continue;
    c.outcome = Outcome::pass;
    c.summary = "no OOM kill outside memgate's memory limit (the " + std::to_string(static_cast<long long>(at_limit)) +
                " at the limit: see cgroup-oom)";
  }
}

}  // namespace memgate::sample
