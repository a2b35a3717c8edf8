#include "sample/cgroup_sampler.h"

#include <algorithm>

#include "memgate/error.h"
#include "sys/clock.h"

namespace memgate::sample {

namespace {

const char* version_name(sys::CgroupVersion v) { return v == sys::CgroupVersion::v1 ? "v1" : "v2"; }

nlohmann::json optional_bytes(const std::optional<std::uint64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json finite_or_null(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }
nlohmann::json count_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(static_cast<std::uint64_t>(v));
}

}  // namespace

CgroupSampler::CgroupSampler(std::shared_ptr<sys::MemoryCgroup> cgroup) : cgroup_(std::move(cgroup)) {
  oom_lines_.set_max(kMaxVictims);
  oom_lines_.set_memcg_filter("/memgate/" + cgroup_->name());
}

std::vector<std::string> CgroupSampler::columns() const {
  return {"cgroup_usage_bytes", "cgroup_peak_bytes",          "cgroup_oom_kills",          "cgroup_high_events",
          "cgroup_max_events",  "cgroup_pressure_some_avg10", "cgroup_pressure_full_avg10"};
}

nlohmann::json CgroupSampler::initial_figures() const {
  const auto& l = cgroup_->limits();
  return {{"version", version_name(cgroup_->version())},
          {"path", cgroup_->path()},
          {"memory_max_bytes", optional_bytes(l.max)},
          {"memory_high_bytes", optional_bytes(l.high)},
          {"swap_max_bytes", optional_bytes(l.swap_max)}};
}

void CgroupSampler::start(pid_t, EventSink&) {
  // Without the kernel log the kills are still counted; only the victims stay unnamed.
  kernel_log_.open();
}

bool CgroupSampler::read(double t_s, EventSink& events) {
  const std::int64_t t0 = sys::monotonic_ns();
  try {
    last_ = cgroup_->read();
  } catch (const Error& e) {
    if (read_error_.empty()) {
      read_error_ = e.what();
      events.event(t_s, "cgroup-read-error", {{"error", read_error_}});
    }
    return false;
  }
  const std::int64_t spent = sys::monotonic_ns() - t0;
  read_ns_total_ += spent;
  read_ns_max_ = std::max(read_ns_max_, spent);
  ++reads_;
  peak_ = std::max({peak_, std::isnan(last_.peak_bytes) ? 0.0 : last_.peak_bytes,
                    std::isnan(last_.usage_bytes) ? 0.0 : last_.usage_bytes});
  if (last_.pressure) {
    pressure_some_max_ =
        std::max(std::isnan(pressure_some_max_) ? 0.0 : pressure_some_max_, last_.pressure->some.avg10);
    pressure_full_max_ =
        std::max(std::isnan(pressure_full_max_) ? 0.0 : pressure_full_max_, last_.pressure->full.avg10);
  }
  if (last_.oom_kill > 0) {
    if (std::isnan(first_oom_kill_at_s_)) first_oom_kill_at_s_ = t_s;
    take_victims(t_s, events);
  }
  return true;
}

// The kernel logs the victim as it kills it: the records since the last tick name it.
void CgroupSampler::take_victims(double t_s, EventSink& events) {
  kernel_log_.read_new([this](std::string_view record) { oom_lines_.line(record); });
  const auto& kills = oom_lines_.kills();
  for (; victims_taken_ < kills.size(); ++victims_taken_) {
    const auto& k = kills[victims_taken_];
    if (!cgroup_->names_this(k.oom_memcg) || victims_.size() >= kMaxVictims) continue;
    CgroupOomVictim v{t_s, k.pid, k.comm, k.has_rss ? std::optional<std::uint64_t>(k.rss_bytes) : std::nullopt};
    nlohmann::json fields = {{"pid", v.pid}, {"comm", v.comm}, {"limit_bytes", optional_bytes(cgroup_->limits().max)}};
    if (v.rss_bytes) fields["rss_bytes"] = *v.rss_bytes;
    events.event(t_s, "cgroup-oom-kill", std::move(fields));
    victims_.push_back(std::move(v));
  }
}

void CgroupSampler::tick(double t_s, std::span<double> out, EventSink& events) {
  if (!read(t_s, events)) return;
  const double pressure_some = last_.pressure ? last_.pressure->some.avg10 : NAN;
  const double pressure_full = last_.pressure ? last_.pressure->full.avg10 : NAN;
  const double values[] = {last_.usage_bytes, std::isnan(last_.peak_bytes) ? peak_ : last_.peak_bytes,
                           last_.oom_kill,    last_.high,
                           last_.max,         pressure_some,
                           pressure_full};
  std::copy(std::begin(values), std::end(values), out.begin());
}

SamplerReport CgroupSampler::stop(double t_s, EventSink& events) {
  read(t_s, events);  // the last counts, once every process of the cgroup is gone
  const auto& l = cgroup_->limits();
  nlohmann::json f = initial_figures();
  f["peak_bytes"] = static_cast<std::uint64_t>(peak_);
  f["usage_bytes"] = count_or_null(last_.usage_bytes);
  f["oom_kills"] = count_or_null(last_.oom_kill);
  f["oom_events"] = count_or_null(last_.oom);
  f["high_events"] = count_or_null(last_.high);
  f["max_events"] = count_or_null(last_.max);
  f["first_oom_kill_at_s"] = finite_or_null(first_oom_kill_at_s_);
  if (last_.pressure)
    f["pressure"] = {{"some_avg10_max", pressure_some_max_},
                     {"full_avg10_max", pressure_full_max_},
                     {"some_total_us", last_.pressure->some.total_us},
                     {"full_total_us", last_.pressure->full.total_us}};
  nlohmann::json victims = nlohmann::json::array();
  for (const auto& v : victims_)
    victims.push_back({{"t_s", v.t_s}, {"pid", v.pid}, {"comm", v.comm}, {"rss_bytes", optional_bytes(v.rss_bytes)}});
  f["oom_victims"] = victims;
  f["reads"] = reads_;
  f["read_cost_us_mean"] = reads_ ? static_cast<double>(read_ns_total_) / static_cast<double>(reads_) / 1e3 : 0.0;
  f["read_cost_us_max"] = static_cast<double>(read_ns_max_) / 1e3;
  if (!read_error_.empty()) f["error"] = read_error_;

  CgroupOomInput in;
  in.limits = l;
  in.version = version_name(cgroup_->version());
  in.oom_kills = std::isnan(last_.oom_kill) ? 0 : last_.oom_kill;
  in.peak_bytes = peak_;
  in.high_events = last_.high;
  in.pressure_some_max = pressure_some_max_;
  in.victims = victims_;
  in.victims_unknown =
      kernel_log_.is_open() ? "the kernel log did not name it" : "/dev/kmsg is not readable: run as root";
  return {std::move(f), {cgroup_oom_check(in)}};
}

}  // namespace memgate::sample
