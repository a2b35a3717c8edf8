#include "report/run_events.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "record/sample_log.h"

namespace memgate::report {

std::vector<analyze::FdSnapshot> read_fd_snapshots(const std::string& dir, std::size_t max) {
  std::vector<analyze::FdSnapshot> out;
  record::read_events(dir + "/" + record::kEventsFile, "fd-snapshot", [&](const nlohmann::json& e) {
    const auto t = e.find("t_s"), total = e.find("fds"), groups = e.find("groups"), procs = e.find("processes");
    if (t == e.end() || !t->is_number() || total == e.end() || !total->is_number() || groups == e.end()) return;
    analyze::FdSnapshot s;
    s.t_s = t->get<double>();
    s.total = total->get<double>();
    s.groups = analyze::groups_from_json(*groups);
    if (procs != e.end() && procs->is_array() && !procs->empty() && (*procs)[0].is_object()) {
      const auto& top = (*procs)[0];
      if (top.contains("fds") && top["fds"].is_number()) s.top_fds = top["fds"].get<double>();
      if (top.contains("nofile_soft") && top["nofile_soft"].is_number())
        s.top_nofile = top["nofile_soft"].get<double>();
    }
    if (!out.empty() && s.t_s < out.back().t_s) return;  // not in time order: not ours
    out.push_back(std::move(s));
    if (out.size() > max) thin_to(out, max / 2);
  });
  return out;
}

namespace {

struct Snapshot {
  std::string seq;
  double t_s = 0, traced = 0;
  std::set<double> pids_counted;
  std::map<std::pair<std::string, int>, double> bytes;
};

std::string frame_text(const nlohmann::json& f) {
  if (!f.is_array() || f.size() != 2 || !f[0].is_string() || !f[1].is_number_integer()) return "";
  return f[0].get<std::string>() + ":" + std::to_string(f[1].get<int>());
}

}  // namespace

PyHeapRecord read_py_heap(const std::string& dir, std::size_t max_snapshots, std::size_t max_sites) {
  PyHeapRecord out;
  std::vector<Snapshot> snaps;
  std::map<std::pair<std::string, int>, analyze::HeapSite> sites;
  record::read_events(dir + "/" + record::kEventsFile, "py-heap", [&](const nlohmann::json& e) {
    if (!e.value("t_s", nlohmann::json()).is_number() || !e.value("seq", nlohmann::json()).is_string() ||
        !e.value("chunk", nlohmann::json()).is_array())
      return;
    const std::string seq = e["seq"].get<std::string>();
    if (snaps.empty() || snaps.back().seq != seq) {
      if (snaps.size() >= max_snapshots) return;  // bounded: later requests are not kept
      snaps.emplace_back();
      snaps.back().seq = seq;
    }
    Snapshot& s = snaps.back();
    s.t_s = std::max(s.t_s, e["t_s"].get<double>());
    const double pid = e.value("pid", nlohmann::json(0)).is_number() ? e["pid"].get<double>() : 0;
    if (s.pids_counted.insert(pid).second && e.value("traced", nlohmann::json()).is_number())
      s.traced += e["traced"].get<double>();
    if (e.value("frames", nlohmann::json()).is_number_unsigned()) out.frames = e["frames"].get<std::size_t>();
    for (const auto& c : e["chunk"]) {
      if (!c.is_object() || !c.value("file", nlohmann::json()).is_string() ||
          !c.value("line", nlohmann::json()).is_number_integer() || !c.value("bytes", nlohmann::json()).is_number())
        continue;
      const std::pair key{c["file"].get<std::string>(), c["line"].get<int>()};
      auto it = sites.find(key);
      if (it == sites.end()) {
        if (sites.size() >= max_sites) continue;
        analyze::HeapSite site;
        site.file = key.first;
        site.line = key.second;
        it = sites.emplace(key, std::move(site)).first;
        it->second.bytes_before =
            c.value("first_bytes", nlohmann::json(0)).is_number() ? c["first_bytes"].get<double>() : 0;
      }
      auto& site = it->second;
      if (site.function.empty() && c.value("function", nlohmann::json()).is_string())
        site.function = c["function"].get<std::string>();
      if (site.traceback.empty() && c.value("traceback", nlohmann::json()).is_array())
        for (const auto& f : c["traceback"])
          if (auto text = frame_text(f); !text.empty()) site.traceback.push_back(std::move(text));
      s.bytes[key] += c["bytes"].get<double>();
    }
  });
  for (const auto& s : snaps) {
    out.totals.push_back({s.t_s, s.traced});
    for (const auto& [key, bytes] : s.bytes) sites[key].bytes.push_back({s.t_s, bytes});
  }
  for (auto& [key, site] : sites) out.sites.push_back(std::move(site));
  return out;
}

}  // namespace memgate::report
