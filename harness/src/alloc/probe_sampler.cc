#include "alloc/probe_sampler.h"

#include "memgate/check_json.h"
#include "memgate/check_names.h"
#include "memgate/units.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "memgate_probe.h"
#include "sys/host.h"
#include "sys/pid.h"

namespace memgate::alloc {
namespace {

constexpr std::size_t kMaxListed = 64;  // processes / purges listed one by one in report.json

std::string real_path(const std::string& path) {
  std::error_code ec;
  const auto p = std::filesystem::canonical(path, ec);
  return ec ? path : p.string();
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

double as_double(const std::optional<std::uint64_t>& v) { return v ? static_cast<double>(*v) : nan(); }

}  // namespace

nlohmann::json to_json(const PurgeOutcome& p) {
  return {{"t_s", p.t_s},
          {"trigger", p.trigger},
          {"processes", p.processes},
          {"completed", p.completed},
          {"rss_before_bytes", p.rss_before_bytes},
          {"rss_after_bytes", p.rss_after_bytes},
          {"returned_bytes", p.returned_bytes},
          {"heap_before", to_json(p.heap_before)},
          {"heap_after", to_json(p.heap_after)},
          {"longest_purge_s", p.longest_purge_s}};
}

ProbeSampler::ProbeSampler(ProbeSamplerOptions options) : options_(std::move(options)) {
  if (!options_.expected_library.empty()) expected_real_path_ = real_path(options_.expected_library);
  if (!options_.attribution_dir.empty()) {
    AttribOptions attrib;
    attrib.session = options_.session;
    attrib.dir = options_.attribution_dir;
    attrib.jemalloc_profile = options_.jemalloc_profile;
    attrib.profiler = options_.expected_allocator;
    attrib.jeprof_dir = options_.attribution_dir + "/" + kJeprofDir;
    attrib_ = std::make_unique<AttribRecorder>(std::move(attrib));
  }
}

ProbeSampler::~ProbeSampler() {
  slots_.clear();
  unlink_slots(options_.session);
}

std::vector<std::string> ProbeSampler::columns() const {
  return {"alloc_allocated_bytes", "alloc_active_bytes",    "alloc_resident_bytes", "alloc_mapped_bytes",
          "alloc_retained_bytes",  "alloc_free_held_bytes", "alloc_processes",      "alloc_held_bytes"};
}

void ProbeSampler::start(pid_t root_pid, EventSink&) {
  root_ = root_pid;
  last_purge_s_ = 0;
  discover();
}

void ProbeSampler::discover() {
  for (const pid_t pid : list_slot_pids(options_.session)) {
    if (slots_.count(pid)) continue;
    if (auto slot = ProbeSlot::open(options_.session, pid)) slots_.emplace(pid, std::move(slot));
  }
}

bool ProbeSampler::alive(pid_t pid) const { return sys::process_exists(pid); }

bool ProbeSampler::expected(const SlotReading& r) const {
  if (!expected_real_path_.empty()) return real_path(r.malloc_from) == expected_real_path_;
  return r.allocator == options_.expected_allocator;
}

void ProbeSampler::check_identity(double t_s, const SlotReading& r, EventSink& events) {
  if (checked_[r.pid]) return;
  checked_[r.pid] = true;
  const bool ok = expected(r);
  if (events_emitted_ < kMaxListed) {
    ++events_emitted_;
    events.event(t_s, "allocator",
                 {{"pid", r.pid}, {"allocator", r.allocator}, {"malloc_from", r.malloc_from}, {"expected", ok}});
  }
  if (ok) {
    ++verified_;
    return;
  }
  if (mismatch_) return;
  const std::string wanted = expected_real_path_.empty() ? options_.expected_allocator : expected_real_path_;
  mismatch_ =
      "pid " + std::to_string(r.pid) + " is served by " + r.allocator + " (" + r.malloc_from + "), not " + wanted +
      ": the program brings its own allocator or drops LD_PRELOAD; run it under that allocator or rebuild it without";
  events.event(t_s, "allocator_mismatch",
               {{"pid", r.pid},
                {"allocator", r.allocator},
                {"malloc_from", r.malloc_from},
                {"expected", wanted},
                {"message", *mismatch_}});
}

std::vector<SlotReading> ProbeSampler::refresh() {
  discover();
  std::vector<SlotReading> out;
  for (const auto& [pid, slot] : slots_)
    if (auto r = slot->read()) out.push_back(std::move(*r));
  return out;
}

void ProbeSampler::retire(pid_t pid, const SlotReading& r) {
  ++processes_seen_;
  ++allocators_seen_[r.allocator];
  probe_cpu_s_ += static_cast<double>(r.thread_cpu_ns) * 1e-9;
  publishes_ += r.publishes;
  interval_ms_ = r.interval_ms;
  if (listed_.size() < kMaxListed)
    listed_.push_back({{"pid", pid},
                       {"allocator", r.allocator},
                       {"malloc_from", r.malloc_from},
                       {"publishes", r.publishes},
                       {"probe_cpu_s", static_cast<double>(r.thread_cpu_ns) * 1e-9},
                       {"last_stats_cost_us", static_cast<double>(r.stats_cost_ns) * 1e-3}});
  slots_.erase(pid);
  checked_.erase(pid);
  unlink_slot(options_.session, pid);
}

void ProbeSampler::tick(double t_s, std::span<double> out, EventSink& events) {
  if (attrib_) attrib_->tick(t_s);
  if (slots_.empty() || t_s - last_discovery_s_ >= options_.rediscover_s) {
    discover();
    last_discovery_s_ = t_s;
  }
  std::vector<HeapFigures> heaps;
  std::vector<HeldPart> held;
  std::uint32_t period_ms = 1;  // the longest probe period among them
  std::uint64_t rss = 0;
  std::vector<std::pair<pid_t, SlotReading>> gone;
  for (const auto& [pid, slot] : slots_) {
    const auto r = slot->read();
    if (!r) continue;
    check_identity(t_s, *r, events);
    if (r->state == MEMGATE_PROBE_EXITED || !alive(pid)) {
      gone.emplace_back(pid, *r);
      continue;
    }
    if (r->state != MEMGATE_PROBE_RUNNING || r->publishes == 0) continue;
    const auto process_rss = process_rss_bytes(pid);
    if (!process_rss) continue;
    const double age_s = sys::monotonic_seconds() - static_cast<double>(r->published_ns) * 1e-9;
    heaps.push_back(r->heap);
    held.push_back({*process_rss, r->heap.allocated, age_s});
    period_ms = std::max(period_ms, r->interval_ms);
    rss += *process_rss;
  }
  for (const auto& [pid, r] : gone) retire(pid, r);
  const HeapFigures total = sum_heaps(heaps);
  if (out.size() >= 7) {
    out[0] = as_double(total.allocated);
    out[1] = as_double(total.active);
    out[2] = as_double(total.resident);
    out[3] = as_double(total.mapped);
    out[4] = as_double(total.retained);
    out[5] = as_double(total.free_held);
    out[6] = static_cast<double>(heaps.size());
  }
  if (out.size() >= 8) {
    // One probe period may pass between a publish and this read on an idle machine;
    // older than two (at least 0.2 s) and RSS may have moved past what the heap saw.
    out[7] = held_beyond_heap(held, std::max(2e-3 * period_ms, 0.2)).value_or(nan());
  }
  if (!heaps.empty()) {
    last_point_ = Point{t_s, rss, total};
    if (!first_point_) first_point_ = last_point_;
  }
  if (options_.purge_every_s > 0 && t_s - last_purge_s_ >= options_.purge_every_s && !heaps.empty()) {
    purge_now(t_s, events, "periodic");
  }
}

PurgeOutcome ProbeSampler::purge_now(double t_s, EventSink& events, const std::string& trigger) {
  last_purge_s_ = t_s;
  discover();
  PurgeOutcome p;
  p.t_s = t_s;
  p.trigger = trigger;
  struct Asked {
    ProbeSlot* slot;
    std::uint64_t rss_before;
    std::uint32_t request;
  };
  std::vector<Asked> asked;
  // RSS of every live process first, then all requests at once: processes purge in parallel.
  for (const auto& [pid, slot] : slots_) {
    const auto r = slot->read();
    if (!r || r->state != MEMGATE_PROBE_RUNNING || !alive(pid)) continue;
    if (const auto rss = process_rss_bytes(pid)) asked.push_back({slot.get(), *rss, 0});
  }
  for (auto& a : asked) a.request = a.slot->request_purge();
  std::vector<HeapFigures> before, after;
  p.processes = asked.size();
  for (const auto& a : asked) {
    // A process that did not answer in time (or exited) is left out of both RSS
    // figures, so the difference is what the purges that ran returned.
    if (!a.slot->wait_purge(a.request, options_.purge_timeout_s)) continue;
    const auto rss_after = process_rss_bytes(a.slot->pid());
    if (!rss_after) continue;
    ++p.completed;
    p.rss_before_bytes += a.rss_before;
    p.rss_after_bytes += *rss_after;
    p.longest_purge_s = std::max(p.longest_purge_s, static_cast<double>(a.slot->purge_cost_ns()) * 1e-9);
    before.push_back(a.slot->heap_before_purge());
    if (const auto r = a.slot->read()) after.push_back(r->heap);
  }
  p.heap_before = sum_heaps(before);
  p.heap_after = sum_heaps(after);
  p.returned_bytes = static_cast<double>(p.rss_before_bytes) - static_cast<double>(p.rss_after_bytes);
  // Bounded memory over a 24-hour run: the first purges are listed, the last one
  // overwrites the tail, and the totals count them all.
  if (purges_.size() < kMaxListed) purges_.push_back(p);
  else purges_.back() = p;
  ++purge_count_;
  returned_total_ += p.returned_bytes;
  returned_max_ = purge_count_ == 1 ? p.returned_bytes : std::max(returned_max_, p.returned_bytes);
  auto& kind = by_trigger_[trigger.substr(0, trigger.find(':'))];
  ++kind.count;
  kind.returned_bytes += p.returned_bytes;
  events.event(t_s, "purge", to_json(p));
  return p;
}

void ProbeSampler::on_phase(double t_s, std::string_view from, std::string_view to, EventSink& events) {
  if (attrib_) attrib_->snapshot(t_s, "phase:" + std::string(from) + "->" + std::string(to));
  if (!options_.purge_at_phases.wants(to)) return;
  discover();
  if (!slots_.empty()) purge_now(t_s, events, "phase:" + std::string(from) + "->" + std::string(to));
}

CheckResult ProbeSampler::allocator_check() const {
  CheckResult c;
  c.id = check_id::kAllocator;
  const std::string wanted = expected_real_path_.empty() ? options_.expected_allocator : expected_real_path_;
  c.figures.push_back({"processes_verified", static_cast<double>(verified_), "count"});
  if (mismatch_) {
    c.outcome = Outcome::fail;
    c.summary = *mismatch_;
  } else if (verified_ == 0) {
    c.outcome = Outcome::inconclusive;
    c.summary = "the allocator probe never reported, so " + wanted + " is unverified";
  } else {
    c.outcome = Outcome::pass;
    c.summary = wanted + " serves malloc in " +
                (verified_ == 1 ? std::string("the one process probed")
                                : "all " + count_noun(verified_, "process", "processes") + " probed");
  }
  if (purge_count_ > 0) {
    // Shown with the verdict: a purge's effect is the first thing to read when RSS
    // fails to come back after a burst.
    std::string kinds;
    for (const auto& [kind, totals] : by_trigger_)
      kinds += (kinds.empty() ? "" : ", ") + std::to_string(totals.count) + " " + kind;
    c.summary += "; " + std::to_string(purge_count_) + (purge_count_ == 1 ? " purge (" : " purges (") + kinds +
                 ") returned " + format_bytes(returned_total_) + " (largest " + format_bytes(returned_max_) + ")";
    c.figures.push_back({"purges", static_cast<double>(purge_count_), "count"});
    c.figures.push_back({"purge_returned_bytes", returned_total_, "bytes"});
  }
  return c;
}

SamplerReport ProbeSampler::stop(double t_s, EventSink& events) {
  for (const auto& r : refresh()) {
    check_identity(t_s, r, events);
    retire(r.pid, r);
  }
  if (processes_seen_ == 0 && !mismatch_)
    mismatch_ =
        "no process of the target loaded libmemgate_probe.so, so the allocator is unverified: the target is static, "
        "setuid, or clears LD_PRELOAD; run the program itself rather than a wrapper that does";
  nlohmann::json purge_list = nlohmann::json::array();
  for (const auto& p : purges_) purge_list.push_back(to_json(p));
  nlohmann::json by_trigger = nlohmann::json::object();
  for (const auto& [kind, totals] : by_trigger_)
    by_trigger[kind] = {{"count", totals.count}, {"returned_bytes_total", totals.returned_bytes}};
  nlohmann::json out{
      {"expected", expected_real_path_.empty() ? options_.expected_allocator : expected_real_path_},
      {"verified", !mismatch_.has_value() && verified_ > 0},
      {"mismatch", mismatch_ ? nlohmann::json(*mismatch_) : nlohmann::json(nullptr)},
      {"processes_seen", processes_seen_},
      {"allocators_seen", allocators_seen_},
      {"processes", listed_},
      {"purges",
       {{"count", purge_count_},
        {"returned_bytes_total", returned_total_},
        {"returned_bytes_max", returned_max_},
        {"by_trigger", by_trigger},
        {"list", purge_list}}},
      {"probe",
       {{"interval_ms", interval_ms_},
        {"publishes", publishes_},
        {"thread_cpu_s", probe_cpu_s_},
        {"cpu_share_of_one_core", t_s > 0 ? probe_cpu_s_ / t_s : 0.0}}},
  };
  if (first_point_ && last_point_) {
    out["heap_first"] = to_json(first_point_->heap);
    out["heap_last"] = to_json(last_point_->heap);
    nlohmann::json split =
        to_json(split_rss_growth(static_cast<double>(first_point_->rss), static_cast<double>(last_point_->rss),
                                 first_point_->heap, last_point_->heap));
    split["from_t_s"] = first_point_->t_s;
    split["to_t_s"] = last_point_->t_s;
    out["rss_split"] = split;
  }
  if (attrib_) {
    attrib_->finish(t_s);
    out["attribution"] = attrib_->figures();
  }
  slots_.clear();
  unlink_slots(options_.session);
  return {std::move(out), {allocator_check()}};  // a wrong allocator fails the run
}

}  // namespace memgate::alloc
