// Traffic figures (docs/traffic.md):
//  - BM_SensorRecordsIntoPipe: generation + write of sensor records into a pipe drained
//    by a fast reader thread; items/s is the records/s figure (target >= 1,000,000).
//  - BM_DispatcherFullSpeed: the same through the dispatcher (due times, lag, batching)
//    on a schedule faster than the machine: the real ceiling for traffic.max_rate.
//  - BM_ScheduleLag: a real-clock run at 100,000 records/s; counters lag_p50/p99/max_us.
//    MEMGATE_LAG_SECONDS sets the length (default 10; the figure uses 60).
//  - BM_CompressedSoakRss: a 24-hour diurnal soak played 1440x faster (60 s); counters
//    give the generator's RSS in the first and last tenth of the run (flat = memory-flat).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "load/dispatcher.h"
#include "load/payload.h"
#include "load/schedule.h"
#include "load/transport.h"
#include "sys/thread_latency.h"

namespace memgate::load {
namespace {

// A pipe whose read end a thread drains as fast as it can.
struct DrainedPipe {
  int write_fd = -1;
  std::thread reader;
  std::atomic<std::uint64_t> bytes{0};
  DrainedPipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    write_fd = fds[1];
    reader = std::thread([this, fd = fds[0]] {
      static thread_local char buf[1 << 16];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) bytes += static_cast<std::uint64_t>(n);
      ::close(fd);
    });
  }
  void join() { reader.join(); }
};

// The real clock, with the sender thread's timer slack and scheduler slice taken from
// MEMGATE_SLACK_NS / MEMGATE_SLICE_NS when set (to compare settings; default: the
// product's MonotonicClock::prepare_thread).
class BenchClock final : public Clock {
 public:
  std::int64_t now_ns() override { return clock_.now_ns(); }
  void sleep_until(std::int64_t deadline_ns) override { clock_.sleep_until(deadline_ns); }
  std::string prepare_thread() override {
    const char* slack = std::getenv("MEMGATE_SLACK_NS");
    const char* slice = std::getenv("MEMGATE_SLICE_NS");
    if (!slack && !slice) return clock_.prepare_thread();
    const auto applied = sys::request_thread_latency(slack ? std::atoll(slack) : MonotonicClock::kTimerSlackNs,
                                                     slice ? std::atoll(slice) : MonotonicClock::kSliceNs);
    return "timer slack " + std::to_string(applied.timer_slack_ns / 1000) + " us, scheduler slice " +
           std::to_string(applied.slice_ns / 1000) + " us (from the environment) " + applied.note;
  }

 private:
  MonotonicClock clock_;
};

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 20);
}

void BM_SensorRecordsIntoPipe(benchmark::State& state) {
  DrainedPipe pipe;
  std::atomic<bool> stop{false};
  std::uint64_t records = 0;
  {
    FdTransport transport(pipe.write_fd, "bench pipe");
    SensorPayload payload({});
    std::string batch;
    batch.reserve(80 * 1024);
    for (auto _ : state) {
      for (int i = 0; i < 1000; ++i) {
        payload.append(records, static_cast<double>(records) * 1e-6, batch);
        ++records;
        if (batch.size() >= 64 * 1024) {
          transport.write(batch, stop);
          batch.clear();
        }
      }
    }
    transport.write(batch, stop);
  }
  pipe.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
  state.SetBytesProcessed(static_cast<std::int64_t>(pipe.bytes.load()));
}
BENCHMARK(BM_SensorRecordsIntoPipe)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DispatcherFullSpeed(benchmark::State& state) {
  for (auto _ : state) {
    DrainedPipe pipe;
    std::atomic<bool> stop{false};
    Stage stage;
    stage.rate = 10'000'000;  // faster than possible: measures the ceiling
    stage.duration_s = 0.2;
    Schedule schedule({stage});
    SensorPayload payload({});
    ScheduledSource source(schedule, payload);
    MonotonicClock clock;
    DispatchStats stats;
    {
      FdTransport transport(pipe.write_fd, "bench pipe");
      Dispatcher dispatcher(source, transport, clock, {});
      dispatcher.run(stop);
      stats = dispatcher.stats();
    }
    pipe.join();
    state.counters["records_per_s"] = static_cast<double>(stats.sent) / stats.elapsed_s;
    state.counters["sent"] = static_cast<double>(stats.sent);
  }
}
BENCHMARK(BM_DispatcherFullSpeed)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_ScheduleLag(benchmark::State& state) {
  const char* env = std::getenv("MEMGATE_LAG_SECONDS");
  const double seconds = env ? std::atof(env) : 10;
  for (auto _ : state) {
    DrainedPipe pipe;
    std::atomic<bool> stop{false};
    Stage stage;
    stage.rate = static_cast<double>(state.range(0));
    stage.duration_s = seconds;
    Schedule schedule({stage});
    SensorPayload payload({});
    ScheduledSource source(schedule, payload);
    BenchClock clock;
    DispatchStats stats;
    {
      FdTransport transport(pipe.write_fd, "bench pipe");
      Dispatcher dispatcher(source, transport, clock, {});
      dispatcher.run(stop);
      stats = dispatcher.stats();
    }
    pipe.join();
    state.counters["sent"] = static_cast<double>(stats.sent);
    state.counters["lag_p50_us"] = static_cast<double>(stats.lag.quantile_ns(0.5)) / 1e3;
    state.counters["lag_p99_us"] = static_cast<double>(stats.lag.quantile_ns(0.99)) / 1e3;
    state.counters["lag_max_us"] = static_cast<double>(stats.lag.max_ns()) / 1e3;
    state.counters["blocked_s"] = stats.blocked_s;
    state.counters["late_over_1ms"] = static_cast<double>(stats.late);
    state.SetLabel(stats.sender_thread);
  }
}
BENCHMARK(BM_ScheduleLag)->Arg(100'000)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

// A 24-hour diurnal soak with hourly 5x bursts, played 1440x faster (a day in 60 s of
// wall time, 5.7 M records): the generator's RSS is read every 100 ms by a thread;
// flat means the first and last tenth of the run hold the same memory.
void BM_CompressedSoakRss(benchmark::State& state) {
  for (auto _ : state) {
    DrainedPipe pipe;
    std::atomic<bool> stop{false};
    Stage day;
    day.kind = Stage::Kind::cosine;
    day.mean = 60;
    day.amplitude = 40;  // 20..100 records/s of scenario time
    day.period_s = 86400;
    day.peak_s = 14 * 3600;
    day.duration_s = 86400;
    day.phase = "soak";
    day.hourly = true;
    Burst burst;
    burst.every_s = 3600;
    burst.start_s = 1800;
    burst.duration_s = 60;
    burst.multiplier = 5;  // peak 100 x 5 x 1440 = 720,000 records/s of wall time
    burst.recovery_s = 300;
    Schedule schedule({day}, {burst});
    SensorOptions options;
    options.bad_fraction = 0.01;
    SensorPayload payload(options);
    ScheduledSource source(schedule, payload);
    MonotonicClock clock;
    DispatchOptions dispatch;
    dispatch.time_scale = 1440;
    std::vector<double> rss;  // one reading per 100 ms: ~600
    std::atomic<bool> done{false};
    std::thread sampler([&] {
      while (!done) {
        rss.push_back(rss_mib());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    DispatchStats stats;
    {
      FdTransport transport(pipe.write_fd, "bench pipe");
      Dispatcher dispatcher(source, transport, clock, dispatch);
      dispatcher.run(stop);
      stats = dispatcher.stats();
    }
    done = true;
    sampler.join();
    pipe.join();
    const std::size_t tenth = std::max<std::size_t>(1, rss.size() / 10);
    auto max_of = [&](std::size_t from, std::size_t to) {
      return *std::max_element(rss.begin() + from, rss.begin() + to);
    };
    state.counters["rss_first_tenth_mib"] = max_of(0, tenth);
    state.counters["rss_last_tenth_mib"] = max_of(rss.size() - tenth, rss.size());
    state.counters["rss_max_mib"] = max_of(0, rss.size());
    state.counters["sent"] = static_cast<double>(stats.sent);
    state.counters["phases"] = static_cast<double>(stats.phases.size());
    state.counters["lag_p99_us"] = static_cast<double>(stats.lag.quantile_ns(0.99)) / 1e3;
  }
}
BENCHMARK(BM_CompressedSoakRss)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace memgate::load
