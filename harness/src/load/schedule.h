// Rate schedules as pure functions of scenario time. A schedule is a list of stages
// (constant, linear ramp, staircase, sine / diurnal cycle) plus burst overlays that
// multiply the rate for a while. It is cut once into segments whose rate has a closed
// form, so the cumulative count C(t) is analytic and record k is due at the exact
// inverse C^-1(k): no accumulated sleeps, hence no drift however long the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace memgate::load {

// Sane ranges (docs/traffic.md): a schedule lasts at most 1000 days in total, and no rate
// exceeds 1e9 records/s. Beyond them a double cannot place records apart (1e308 s) and no
// run delivers them, so they are refused instead of silently sending nothing.
inline constexpr double kMaxScheduleS = 1000.0 * 86400;
inline constexpr double kMaxRate = 1e9;

struct Stage {
  enum class Kind { constant, ramp, steps, cosine };
  Kind kind = Kind::constant;
  double duration_s = 0;
  double rate = 0;          // constant: records per second
  double from = 0, to = 0;  // ramp / steps: first and last rate
  int steps = 1;            // steps: number of equal-length constant levels
  // cosine: rate = mean + amplitude * cos(2 pi (t - peak_s) / period_s), t the
  // absolute scenario time. A diurnal cycle is period 86400 with the peak hour.
  double mean = 0, amplitude = 0, period_s = 86400, peak_s = 0;
  std::string phase = "nominal";  // tag in the sample log
  bool hourly = false;            // tag becomes "<phase> hour N" (N from 1)
};

// Multiplies the rate by `multiplier` during [start, start + duration) for each
// start; the following `recovery_s` are tagged "recovery".
struct Burst {
  std::vector<double> at_s;  // explicit start times
  double every_s = 0;        // or periodic starts: start_s, start_s + every_s, ...
  double start_s = 0;
  double duration_s = 0;
  double multiplier = 10;
  double recovery_s = 0;
};

// A phase tag and the last scenario time (inclusive) up to which it holds.
struct PhaseSpan {
  std::string name;
  double until_s = 0;
};

// A phase and the scenario (or wall) time at which it begins.
struct PhaseStart {
  std::string name;
  double t_s = 0;
};

class Schedule {
 public:
  // Throws memgate::Error(usage) on negative rates, overlapping bursts, a rate or length
  // beyond the limits above, etc.
  Schedule(std::vector<Stage> stages, std::vector<Burst> bursts = {});

  double duration_s() const { return duration_s_; }
  double rate_at(double t_s) const;
  // Records due in [0, t]: the integral of the rate (not rounded).
  double cumulative(double t_s) const;
  // Total records of the whole schedule (rounded down).
  std::uint64_t total_records() const;
  // The earliest scenario time at which cumulative() reaches k (k >= 1): when record
  // k (1-based) is due. Past the end: +infinity.
  double time_of_count(double k) const;
  // "warmup", "burst", "recovery", "soak hour 3"...; "end" after the last stage.
  std::string phase_at(double t_s) const;
  // The phases that begin in (from_s, to_s], in order, each with its start: what a
  // sampler ticking at from_s and then at to_s steps over (from_s < 0: the first phase
  // counts as begun at 0).
  std::vector<PhaseStart> phases_begun(double from_s, double to_s) const;
  double peak_rate() const;

  // Monotone inversion with a remembered segment: O(1) per record when the counts
  // only grow, as they do in the dispatcher.
  class Cursor {
   public:
    explicit Cursor(const Schedule& schedule) : schedule_(&schedule) {}
    double time_of_count(double k);
    // The phase of the record last located by time_of_count (due at t_s). Attributed by
    // count: record k belongs to the segment whose cumulative counts hold k, so a record
    // due exactly at a burst boundary is never filed in the wrong phase by rounding.
    PhaseSpan phase(double t_s) const;
    std::size_t segment() const { return segment_; }

   private:
    const Schedule* schedule_;
    std::size_t segment_ = 0;
  };

 private:
  enum class Shape { constant, linear, cosine };
  enum class Tag { stage, burst, recovery };
  struct Segment {
    double t0 = 0, t1 = 0;
    double c0 = 0, c1 = 0;  // cumulative count at t0 and t1
    Shape shape = Shape::constant;
    double a = 0, b = 0;  // constant: a; linear: a + b (t - t0); cosine: a + b cos(w (t - peak))
    double omega = 0, peak = 0;
    double multiplier = 1;
    std::size_t stage = 0;
    Tag tag = Tag::stage;
    double stage_t0 = 0;
  };
  double segment_rate(const Segment& s, double t) const;
  double segment_integral(const Segment& s, double t) const;  // from s.t0 to t
  double invert(const Segment& s, double k) const;
  std::size_t segment_index(double t) const;
  PhaseSpan record_phase(std::size_t segment, double t_s) const;
  std::string stage_phase(const Segment& s, int hour) const;

  std::vector<Stage> stages_;
  std::vector<Segment> segments_;
  double duration_s_ = 0;
};

}  // namespace memgate::load
