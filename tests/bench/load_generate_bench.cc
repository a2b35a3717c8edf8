// Traffic figures (docs/traffic.md):
//  - BM_SensorRecordsIntoPipe: generation + write of sensor records into a pipe drained
//    by a fast reader thread; items/s is the records/s figure (target >= 1,000,000).
//  - BM_DispatcherFullSpeed: the same through the dispatcher (due times, lag, batching)
//    on a schedule faster than the machine: the real ceiling for traffic.max_rate.
//  - BM_ScheduleLag: a real-clock run at 100,000 records/s; counters lag_p50/p99/max_us.
//    MEMGATE_LAG_SECONDS sets the length (default 10; the figure uses 60).
//  - BM_CompressedSoakRss: a 1-hour diurnal schedule played 360x faster; counters give
//    the generator's RSS at start and end (flat = memory-flat).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "load/dispatcher.h"
#include "load/payload.h"
#include "load/schedule.h"
#include "load/transport.h"

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
    MonotonicClock clock;
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
  }
}
BENCHMARK(BM_ScheduleLag)->Arg(100'000)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

void BM_CompressedSoakRss(benchmark::State& state) {
  for (auto _ : state) {
    DrainedPipe pipe;
    std::atomic<bool> stop{false};
    Stage hour;
    hour.kind = Stage::Kind::cosine;
    hour.mean = 50;
    hour.amplitude = 40;
    hour.period_s = 3600;
    hour.duration_s = 3600;
    Burst burst;
    burst.every_s = 600;
    burst.start_s = 300;
    burst.duration_s = 60;
    burst.multiplier = 5;  // peak 90 x 5 x 360 = 162,000 records/s of wall time
    Schedule schedule({hour}, {burst});
    SensorOptions options;
    options.bad_fraction = 0.01;
    SensorPayload payload(options);
    ScheduledSource source(schedule, payload);
    MonotonicClock clock;
    DispatchOptions dispatch;
    dispatch.time_scale = 360;  // an hour in 10 s
    const double before = rss_mib();
    DispatchStats stats;
    {
      FdTransport transport(pipe.write_fd, "bench pipe");
      Dispatcher dispatcher(source, transport, clock, dispatch);
      dispatcher.run(stop);
      stats = dispatcher.stats();
    }
    pipe.join();
    state.counters["rss_start_mib"] = before;
    state.counters["rss_end_mib"] = rss_mib();
    state.counters["sent"] = static_cast<double>(stats.sent);
    state.counters["lag_p99_us"] = static_cast<double>(stats.lag.quantile_ns(0.99)) / 1e3;
  }
}
BENCHMARK(BM_CompressedSoakRss)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace memgate::load
