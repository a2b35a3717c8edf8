#include "metrics/metrics_sampler.h"

#include <cmath>

#include "memgate/error.h"

namespace memgate::metrics {

namespace {
constexpr std::size_t kMaxHeapParts = 1024;  // per tick: a flooding writer cannot grow memgate
}  // namespace

MetricsSampler::MetricsSampler(MetricsOptions options)
    : options_(std::move(options)), table_(options_.fields, options_.limits), splitter_(options_.max_line) {
  for (const auto& f : options_.fields)
    if (f.empty() || f == "pid" || f == "accounting")
      throw Error(ExitCode::usage,
                  "metrics field '" + f + "' cannot be a column; name numeric fields such as queue_depth");
  fifo_.emplace(options_.fifo_path, "the metrics FIFO", "choose a writable run directory");
}

MetricsSampler::~MetricsSampler() = default;

std::string MetricsSampler::env_for_target() const { return std::string(kPathEnv) + "=" + options_.fifo_path; }

std::vector<std::string> MetricsSampler::columns() const {
  std::vector<std::string> cols;
  for (const auto& f : options_.fields) cols.push_back("metric_" + f);
  return cols;
}

void MetricsSampler::start(pid_t, EventSink&) {}

std::size_t MetricsSampler::drain(std::size_t budget_bytes) {
  char buf[16384];
  std::size_t total = 0;
  while (total < budget_bytes) {
    const std::size_t n = fifo_->read_available(buf, sizeof buf);
    if (n == 0) break;  // nothing more now
    total += n;
    splitter_.feed(
        std::string_view(buf, n),
        [this](std::string_view line) {
          if (line.find("\"pyheap\"") != std::string_view::npos) {
            nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("pyheap") && j["pyheap"].is_object()) {
              if (heap_parts_.size() < kMaxHeapParts) heap_parts_.push_back(std::move(j));
              else ++heap_parts_dropped_;
              return;
            }
          }
          table_.feed(line);
        },
        [this] { table_.count_oversized(); });
  }
  if (total >= budget_bytes) ++budget_hits_;
  bytes_ += total;
  return total;
}

void MetricsSampler::emit_heap_snapshots(double t_s, EventSink& events) {
  for (auto& part : heap_parts_) {
    nlohmann::json fields = std::move(part["pyheap"]);
    fields["pid"] = part.value("pid", nlohmann::json(nullptr));
    events.event(t_s, "py-heap", std::move(fields));
  }
  heap_parts_.clear();
}

void MetricsSampler::tick(double t_s, std::span<double> out, EventSink& events) {
  drain(options_.max_bytes_per_tick);
  emit_heap_snapshots(t_s, events);
  for (std::size_t i = 0; i < out.size() && i < options_.fields.size(); ++i)
    if (const auto v = table_.declared_value(i)) out[i] = *v;  // latest value: gauges stay until updated
}

SamplerReport MetricsSampler::stop(double t_s, EventSink& events) {
  if (!stopped_) {
    // The target has exited: what is in the FIFO is all there will be (bounded by its 64 KiB).
    for (int round = 0; round < 16 && drain(options_.max_bytes_per_tick) > 0; ++round) {
    }
    emit_heap_snapshots(t_s, events);
    stopped_ = true;
  }
  nlohmann::json f = table_.figures();
  f["path"] = options_.fifo_path;
  f["bytes"] = bytes_;
  f["ticks_at_byte_budget"] = budget_hits_;
  if (heap_parts_dropped_ > 0) f["heap_snapshot_parts_dropped"] = heap_parts_dropped_;
  return {std::move(f), {}};
}

}  // namespace memgate::metrics
