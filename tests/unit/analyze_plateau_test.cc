// Plateau, fd and burst-recovery verdicts on synthetic series with known answers.
#include "analyze/plateau.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "memgate/error.h"
#include "check_figure.h"

namespace memgate::analyze {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct Trace {
  std::vector<double> t, v;
};

// 10 Hz samples: baseline + shape(t) + AR(1) noise with stationary sd `noise`.
template <class Shape>
Trace sample(double seconds, Shape shape, double noise = 0.5 * kMiB, std::uint64_t seed = 1, double phi = 0.9) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Trace r;
  double state = 0;
  for (int i = 0; i < static_cast<int>(seconds * 10); ++i) {
    const double t = i / 10.0;
    state = phi * state + noise * std::sqrt(1 - phi * phi) * normal(rng);
    r.t.push_back(t);
    r.v.push_back(200 * kMiB + shape(t) + state);
  }
  return r;
}

bool has_figure(const CheckResult& r, const std::string& name) {
  for (const auto& f : r.figures)
    if (f.name == name) return true;
  return false;
}

TEST(PlateauCheck, FlatSeriesPasses) {
  const Trace r = sample(1800, [](double) { return 0.0; });
  const CheckResult c = plateau_check("rss-plateau", "RSS", r.t, r.v, "bytes", PlateauSettings{});
  EXPECT_EQ(c.outcome, Outcome::pass) << c.summary;
  EXPECT_EQ(c.id, "rss-plateau");
  EXPECT_NE(c.summary.find("plateaus"), std::string::npos) << c.summary;
  EXPECT_NEAR(figure(c, "steady"), 200 * kMiB, kMiB);
  EXPECT_LE(figure(c, "slope_ci_high_per_h"), figure(c, "tolerance_per_h"));
  EXPECT_FALSE(has_figure(c, "run_length_needed_s"));
}

TEST(PlateauCheck, LeakFailsWithItsSlopeProjectionAndTimeToLimit) {
  const double per_h = 40 * kMiB;  // 20 %/h of 200 MiB
  const Trace r = sample(1800, [&](double t) { return per_h * t / 3600; });
  PlateauSettings settings;
  settings.limit = 1024 * kMiB;
  const CheckResult c = plateau_check("rss-plateau", "RSS", r.t, r.v, "bytes", settings);
  ASSERT_EQ(c.outcome, Outcome::fail) << c.summary;
  EXPECT_NEAR(figure(c, "slope_per_h"), per_h, 0.05 * per_h);
  EXPECT_LT(figure(c, "slope_ci_low_per_h"), figure(c, "slope_per_h"));
  EXPECT_GT(figure(c, "slope_ci_low_per_h"), figure(c, "tolerance_per_h"));
  EXPECT_NEAR(figure(c, "projected_at_horizon"), 200 * kMiB + 24 * per_h, 0.05 * 24 * per_h);
  // At the end of the run RSS is ~220 MiB: 804 MiB to go at 40 MiB/h is ~20.1 h.
  EXPECT_NEAR(figure(c, "time_to_limit_s"), 804.0 / 40 * 3600, 0.06 * 20 * 3600);
  EXPECT_EQ(figure(c, "horizon_s"), 86400);
  EXPECT_LT(figure(c, "p_value"), 0.005);
  EXPECT_NE(c.summary.find("grows"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("limit"), std::string::npos) << c.summary;
}

TEST(PlateauCheck, LeakTooShortToResolveIsInconclusiveWithARunLength) {
  // 5 %/h for 5 minutes is 0.4 % of growth under 1.5 % noise: not a PASS.
  const Trace r = sample(
      300, [](double t) { return 10 * kMiB * t / 3600; }, 3 * kMiB, 4, 0.95);
  const CheckResult c = plateau_check("rss-plateau", "RSS", r.t, r.v, "bytes", PlateauSettings{});
  ASSERT_EQ(c.outcome, Outcome::inconclusive) << c.summary;
  EXPECT_GT(figure(c, "run_length_needed_s"), 300);
  EXPECT_NE(c.summary.find("run about"), std::string::npos) << c.summary;
}

TEST(PlateauCheck, TooFewPointsIsInconclusiveWithAReason) {
  const std::vector<double> t = {0, 1, 2, 3, 4}, v = {1, 2, 3, 4, 5};
  const CheckResult c = plateau_check("rss-plateau", "RSS", t, v, "bytes", PlateauSettings{});
  EXPECT_EQ(c.outcome, Outcome::inconclusive);
  EXPECT_NE(c.summary.find("cannot be judged"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("5 usable points"), std::string::npos) << c.summary;
  EXPECT_FALSE(has_figure(c, "slope_per_h"));
}

// Noise correlated over most of the window (AR(1) with a ~3-minute correlation time in a
// 5-minute run): the 256 points hold fewer than 4 effective ones, where the Student-t
// interval means nothing. INCONCLUSIVE with that reason, whatever the slope, and a
// longer run named.
TEST(PlateauCheck, TooFewEffectivePointsIsInconclusiveWithAReason) {
  const Trace r = sample(
      300, [](double t) { return 20 * kMiB * t / 3600; }, 4 * kMiB, 7, 0.9995);
  PlateauSettings settings;
  settings.warmup = {Warmup::Kind::seconds, 0};
  const PlateauAnalysis a = analyze_plateau(r.t, r.v, settings);
  EXPECT_LT(a.effective_n, kMinEffectiveN) << "the series is no longer correlated enough: the test proves nothing";
  EXPECT_GT(a.effective_n, 0);
  EXPECT_EQ(a.outcome, Outcome::inconclusive);
  const CheckResult c = plateau_check("rss-plateau", "RSS", r.t, r.v, "bytes", settings);
  EXPECT_EQ(c.outcome, Outcome::inconclusive) << c.summary;
  EXPECT_NE(c.summary.find("so strongly correlated"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("needs at least 4"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("run at least"), std::string::npos) << c.summary;
  EXPECT_GT(figure(c, "run_length_needed_s"), 300);
  EXPECT_NEAR(figure(c, "effective_n"), a.effective_n, 1e-9);
  EXPECT_FALSE(has_figure(c, "slope_per_h"));
}

TEST(PlateauCheck, AllNaNIsInconclusive) {
  const std::vector<double> t = {0, 1, 2}, v = {NAN, NAN, NAN};
  const PlateauAnalysis a = analyze_plateau(t, v, PlateauSettings{});
  EXPECT_EQ(a.outcome, Outcome::inconclusive);
  EXPECT_EQ(a.dropped_points, 3u);
  EXPECT_NE(a.reason.find("NaN"), std::string::npos);
  EXPECT_EQ(analyze_plateau({}, {}, PlateauSettings{}).reason, "no samples were recorded");
}

TEST(PlateauCheck, ConstantSeriesPassesEvenWithZeroTolerance) {
  Trace r;
  for (int i = 0; i < 600; ++i) r.t.push_back(i), r.v.push_back(12);
  PlateauSettings settings = PlateauSettings::for_counts();
  settings.tolerance_abs_per_h = 0;
  const PlateauAnalysis a = analyze_plateau(r.t, r.v, settings);
  EXPECT_EQ(a.outcome, Outcome::pass);
  EXPECT_EQ(a.slope_per_h, 0);
}

TEST(PlateauCheck, NaNsAndAGapDoNotHideALeak) {
  Trace r = sample(3600, [](double t) { return 40 * kMiB * t / 3600; });
  Trace holed;
  for (std::size_t i = 0; i < r.t.size(); ++i) {
    if (r.t[i] > 1200 && r.t[i] < 1800) continue;  // the sampler stalled for 10 minutes
    holed.t.push_back(r.t[i]);
    holed.v.push_back(i % 97 == 0 ? NAN : r.v[i]);
  }
  const PlateauAnalysis a = analyze_plateau(holed.t, holed.v, PlateauSettings{});
  EXPECT_EQ(a.outcome, Outcome::fail) << a.reason;
  EXPECT_NEAR(a.slope_per_h, 40 * kMiB, 2 * kMiB);
  EXPECT_GT(a.dropped_points, 300u);
  EXPECT_NEAR(a.largest_gap_s, 600, 1);
}

TEST(PlateauCheck, WarmupStepIsExcludedExplicitlyOrAutomatically) {
  const Trace r = sample(1800, [](double t) { return t < 600 ? 0.0 : 50 * kMiB; });
  PlateauSettings explicit_warmup;
  explicit_warmup.warmup = {Warmup::Kind::seconds, 700};
  const PlateauAnalysis given = analyze_plateau(r.t, r.v, explicit_warmup);
  EXPECT_EQ(given.outcome, Outcome::pass);
  EXPECT_DOUBLE_EQ(given.warmup_s, 700);
  const PlateauAnalysis detected = analyze_plateau(r.t, r.v, PlateauSettings{});
  EXPECT_EQ(detected.outcome, Outcome::pass);
  EXPECT_NEAR(detected.warmup_s, 600, 15);
  PlateauSettings none;
  none.warmup = {Warmup::Kind::seconds, 0};
  EXPECT_NE(analyze_plateau(r.t, r.v, none).outcome, Outcome::pass);  // the step looks like growth
}

TEST(PlateauCheck, ASaturationLeftInTheWindowIsNotALeak) {
  // Cache fill that is full after ~15 min, judged from the first sample (no warm-up cut):
  // the window grows significantly, but its later half is significantly flatter than the
  // 2 MiB/h tolerance (60 MiB x e^-6 over 15 min). White noise and no autocorrelation
  // correction, so that the window's own test passes and only the later half decides (the
  // default correction already widens the interval of such a curve past the tolerance).
  const Trace r = sample(
      1800, [](double t) { return 60 * kMiB * (1 - std::exp(-t / 150)); }, 0.5 * kMiB, 1, 0);
  PlateauSettings settings;
  settings.warmup = {Warmup::Kind::seconds, 0};
  settings.correction = AutocorrelationCorrection::none;
  const PlateauAnalysis a = analyze_plateau(r.t, r.v, settings);
  EXPECT_GT(a.slope_low_per_h, a.tolerance_per_h);
  EXPECT_LT(a.late_slope_high_per_h, a.tolerance_per_h);
  EXPECT_NE(a.outcome, Outcome::fail);
  settings.require_late_growth = false;
  EXPECT_EQ(analyze_plateau(r.t, r.v, settings).outcome, Outcome::fail);
}

TEST(PlateauCheck, ANoisyLaterHalfDoesNotVetoALeak) {
  // 15 MiB/h in slow noise over 5 minutes: the later half's own slope is below the 2 MiB/h
  // tolerance by chance (noise), but its interval does not rule growth above it out.
  const Trace r = sample(
      300, [](double t) { return 15 * kMiB / 3600 * t; }, 1.0 * kMiB, 34, 0.95);
  PlateauSettings settings;
  settings.warmup = {Warmup::Kind::seconds, 0};
  const PlateauAnalysis a = analyze_plateau(r.t, r.v, settings);
  EXPECT_LT(a.late_slope_per_h, a.tolerance_per_h);
  EXPECT_GT(a.late_slope_high_per_h, a.tolerance_per_h);
  EXPECT_EQ(a.outcome, Outcome::fail);
}

TEST(PlateauCheck, EveryValidCorrectionPassesAPlateauAndFailsALeak) {
  // The corrections the study finds valid (not none, not TFPW) agree on clear cases.
  const Trace flat = sample(
      1800, [](double) { return 0.0; }, 0.5 * kMiB, 7);
  const Trace leak = sample(
      1800, [](double t) { return 40 * kMiB * t / 3600; }, 0.5 * kMiB, 8);
  for (auto mode : {AutocorrelationCorrection::lag1, AutocorrelationCorrection::multi_lag,
                    AutocorrelationCorrection::batch_means, AutocorrelationCorrection::adaptive,
                    AutocorrelationCorrection::block_bootstrap, AutocorrelationCorrection::prewhitening}) {
    PlateauSettings settings;
    settings.correction = mode;
    const PlateauAnalysis f = analyze_plateau(flat.t, flat.v, settings);
    EXPECT_EQ(f.outcome, Outcome::pass) << static_cast<int>(mode);
    const PlateauAnalysis l = analyze_plateau(leak.t, leak.v, settings);
    EXPECT_EQ(l.outcome, Outcome::fail) << static_cast<int>(mode);
    EXPECT_NEAR(l.slope_per_h, 40 * kMiB, 4 * kMiB) << static_cast<int>(mode);
    EXPECT_LE(l.slope_low_per_h, l.slope_per_h);
    EXPECT_GE(l.slope_high_per_h, l.slope_per_h);
  }
}

TEST(PlateauCheck, MillionRawPointsAreReducedNotRejected) {
  Trace r;
  r.t.resize(1'000'000);
  r.v.resize(1'000'000);
  for (std::size_t i = 0; i < r.t.size(); ++i) {
    r.t[i] = static_cast<double>(i) / 10;
    r.v[i] = 100 * kMiB + (i % 2 ? 4096 : 0) + 20 * kMiB * r.t[i] / 3600;
  }
  const PlateauAnalysis a = analyze_plateau(r.t, r.v, PlateauSettings{});
  EXPECT_EQ(a.points, PlateauSettings{}.analysis_points);
  EXPECT_EQ(a.outcome, Outcome::fail);
  EXPECT_NEAR(a.slope_per_h, 20 * kMiB, 0.01 * kMiB);
}

TEST(PlateauCheck, MismatchedSpansAreAnInternalError) {
  const std::vector<double> t = {0, 1}, v = {1};
  EXPECT_THROW(analyze_plateau(t, v, PlateauSettings{}), Error);
}

TEST(ParseWarmup, AcceptsTheDocumentedForms) {
  EXPECT_EQ(parse_warmup("auto").kind, Warmup::Kind::automatic);
  EXPECT_EQ(parse_warmup("90").value, 90);
  EXPECT_EQ(parse_warmup("90s").value, 90);
  EXPECT_EQ(parse_warmup("15m").value, 900);
  const Warmup share = parse_warmup("10%");
  EXPECT_EQ(share.kind, Warmup::Kind::fraction);
  EXPECT_DOUBLE_EQ(share.value, 0.1);
  for (const char* bad : {"", "ten", "-5", "5x", "100%"}) {
    try {
      parse_warmup(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_NE(std::string(e.what()).find("auto"), std::string::npos);
    }
  }
}

TEST(ParseTolerance, AcceptsAbsoluteRelativeOrBoth) {
  PlateauSettings s;
  parse_tolerance("1MiB/h,2%/h", s);
  EXPECT_EQ(s.tolerance_abs_per_h, kMiB);
  EXPECT_EQ(s.tolerance_pct_per_h, 2);
  parse_tolerance("3%/h", s);
  EXPECT_EQ(s.tolerance_abs_per_h, 0);
  EXPECT_EQ(s.tolerance_pct_per_h, 3);
  parse_tolerance("5/h", s);
  EXPECT_EQ(s.tolerance_abs_per_h, 5);
  for (const char* bad : {"", "2%", "1MiB/h,", "1XB/h", "1%/h,2%/h", "/h", "1MiB/week", "1MiB/", "1%/h,2%/min"})
    EXPECT_THROW(parse_tolerance(bad, s), Error) << bad;
}

TEST(ParseTolerance, RatesPerMinuteSecondOrDayAreStoredPerHour) {
  PlateauSettings s;
  parse_tolerance("2MiB/min,0.5%/d", s);
  EXPECT_EQ(s.tolerance_abs_per_h, 120 * kMiB);
  EXPECT_DOUBLE_EQ(s.tolerance_pct_per_h, 0.5 / 24);
  parse_tolerance("1KiB/s", s);
  EXPECT_EQ(s.tolerance_abs_per_h, 3600 * 1024.0);
  EXPECT_THROW(parse_tolerance("1e307%/s", s), Error);  // finite as written, infinite per hour
}

TEST(FdPlateau, SteadyCountPassesAndAnFdLeakFailsWithItsNetGrowth) {
  std::vector<double> t, flat, leak;
  for (int i = 0; i < 18000; ++i) {
    t.push_back(i / 10.0);
    flat.push_back(12 + (i / 50) % 3);  // connections come and go
    leak.push_back(12 + i / 300);       // one more fd every 30 s
  }
  const CheckResult ok = fd_plateau_check(t, flat);
  EXPECT_EQ(ok.outcome, Outcome::pass) << ok.summary;
  EXPECT_EQ(ok.id, "fd-plateau");
  const CheckResult bad = fd_plateau_check(t, leak);
  ASSERT_EQ(bad.outcome, Outcome::fail) << bad.summary;
  EXPECT_NEAR(figure(bad, "slope_per_h"), 120, 5);
  EXPECT_NEAR(figure(bad, "net_growth"), 54, 6);  // first to last 10 % of the window
  for (const auto& f : bad.figures)
    if (f.name == "slope_per_h") {
      EXPECT_EQ(f.unit, "count/h");
    }
}

TEST(FdPlateau, SignificantButTinyGrowthIsNotAFailure) {
  std::vector<double> t, v;
  for (int i = 0; i < 18000; ++i) t.push_back(i / 10.0), v.push_back(i < 9000 ? 12 : 13);
  PlateauSettings settings = PlateauSettings::for_counts();
  settings.warmup = {Warmup::Kind::seconds, 0};
  settings.require_late_growth = false;
  const CheckResult c = count_plateau_check("thread-plateau", "Threads", t, v, settings, 2);
  EXPECT_EQ(c.outcome, Outcome::inconclusive) << c.summary;
  EXPECT_EQ(figure(c, "net_growth"), 1);
}

std::vector<PhaseSpan> burst_phases() { return {{"warmup", 0, 600}, {"burst", 600, 900}, {"soak", 900, 1800}}; }

Trace burst_run(double retained, double decay_s) {
  return sample(1800, [=](double t) {
    if (t < 600) return 0.0;
    if (t < 900) return 300 * kMiB;
    return retained + (300 * kMiB - retained) * std::exp(-(t - 900) / decay_s);
  });
}

TEST(BurstRecovery, FullRecoveryPassesWithTheTimeItTook) {
  const Trace r = burst_run(0, 20);
  const auto phases = burst_phases();
  const CheckResult c = burst_recovery_check("burst-recovery", "RSS", r.t, r.v, phases, "bytes");
  EXPECT_EQ(c.outcome, Outcome::pass) << c.summary;
  // Back within max(1 MiB, 5 % of 200 MiB) = 10 MiB of baseline: 20 s * ln(300 / 10) = 68 s.
  EXPECT_NEAR(figure(c, "time_to_recover_s"), 68, 4);
  EXPECT_NEAR(figure(c, "retained"), 0, kMiB);
  EXPECT_NEAR(figure(c, "burst_peak"), 500 * kMiB, 3 * kMiB);
  EXPECT_NEAR(figure(c, "recovery_window_s"), 900, 0.2);
}

TEST(BurstRecovery, PartialRetentionFails) {
  const Trace r = burst_run(60 * kMiB, 20);
  const auto phases = burst_phases();
  const CheckResult c = burst_recovery_check("burst-recovery", "RSS", r.t, r.v, phases, "bytes");
  EXPECT_EQ(c.outcome, Outcome::fail) << c.summary;
  EXPECT_NEAR(figure(c, "retained"), 60 * kMiB, kMiB);
  EXPECT_NEAR(figure(c, "retained_pct"), 30, 0.5);
  EXPECT_FALSE(has_figure(c, "time_to_recover_s"));
}

TEST(BurstRecovery, StillFallingIsInconclusive) {
  const Trace r = burst_run(0, 600);  // slow release: still 66 MiB above after 15 min
  const auto phases = burst_phases();
  const CheckResult c = burst_recovery_check("burst-recovery", "RSS", r.t, r.v, phases, "bytes");
  EXPECT_EQ(c.outcome, Outcome::inconclusive) << c.summary;
  EXPECT_NE(c.summary.find("still falling"), std::string::npos) << c.summary;
}

TEST(BurstRecovery, FallingTooSlowlyToRecoverFails) {
  // 60 MiB kept, plus 20 MiB released over ~50 min: still falling at the end of the
  // 15-minute window, but at that rate another 15 minutes would leave ~70 MiB retained.
  Trace r = burst_run(60 * kMiB, 20);
  for (std::size_t i = 0; i < r.t.size(); ++i)
    if (r.t[i] >= 900) r.v[i] += 20 * kMiB * std::exp(-(r.t[i] - 900) / 3000);
  const auto phases = burst_phases();
  const CheckResult c = burst_recovery_check("burst-recovery", "RSS", r.t, r.v, phases, "bytes");
  EXPECT_EQ(c.outcome, Outcome::fail) << c.summary;
  EXPECT_NE(c.summary.find("falls too slowly"), std::string::npos) << c.summary;
  EXPECT_NEAR(figure(c, "retained"), 75 * kMiB, kMiB);
}

TEST(BurstRecovery, MissingPhaseOrDataIsInconclusive) {
  const Trace r = burst_run(0, 20);
  const std::vector<PhaseSpan> no_burst = {{"soak", 0, 1800}};
  const CheckResult none = burst_recovery_check("burst-recovery", "RSS", r.t, r.v, no_burst, "bytes");
  EXPECT_EQ(none.outcome, Outcome::inconclusive);
  EXPECT_NE(none.summary.find("no phase named 'burst'"), std::string::npos) << none.summary;
  const std::vector<PhaseSpan> at_end = {{"burst", 1790, 1799}};
  EXPECT_EQ(burst_recovery_check("burst-recovery", "RSS", r.t, r.v, at_end, "bytes").outcome, Outcome::inconclusive);
}

TEST(FormatAmount, PicksReadableUnits) {
  EXPECT_EQ(format_amount(1.5 * kMiB, "bytes"), "1.5 MiB");
  EXPECT_EQ(format_amount(3.0 * 1024 * kMiB, "bytes"), "3.00 GiB");
  EXPECT_EQ(format_amount(512, "bytes"), "512 B");
  EXPECT_EQ(format_amount(17, "count"), "17");
}

// Blatant leaks in short runs (docs/plateau.md, "Blatant leaks in short runs").

// A Python loop keeping 1 MiB every 0.2 s (~18 GiB/h) on a 12 MiB interpreter, sampled at
// 10 Hz: RSS climbs in 1 MiB steps, with page-sized jitter, rounded to pages.
Trace python_loop(double seconds, std::uint64_t seed = 3) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0, 64 * 1024.0);
  Trace r;
  for (int i = 0; i < static_cast<int>(seconds * 10); ++i) {
    const double t = i / 10.0;
    r.t.push_back(t);
    r.v.push_back(std::round((12 * kMiB + kMiB * std::floor(t / 0.2) + jitter(rng)) / 4096) * 4096);
  }
  return r;
}

TEST(BlatantLeak, AFortySecondPythonLoopLeakingEighteenGiBPerHourFails) {
  const Trace r = python_loop(40);
  const CheckResult c = plateau_check("rss-plateau", "RSS", r.t, r.v, "bytes", PlateauSettings{});
  ASSERT_EQ(c.outcome, Outcome::fail) << c.summary;
  EXPECT_NEAR(figure(c, "slope_per_h") / (18000 * kMiB), 1, 0.05);
  EXPECT_NE(c.summary.find("unless the leak is blatant"), std::string::npos) << c.summary;
  EXPECT_LT(figure(c, "steady_s"), 60);
  EXPECT_TRUE(analyze_plateau(r.t, r.v, PlateauSettings{}).blatant);
}

TEST(BlatantLeak, AnEightySecondRunGrowingThirtyPercentAfterA25sWarmupFails) {
  // The interpreter starts (a 5 s ramp from 50 to 200 MiB), then keeps 60 MiB (30 %) by
  // the end; 1 MiB of AR(1) noise. The warm-up cut leaves 55 s, under the usual 60 s.
  const Trace r = sample(
      80, [](double t) { return t < 5 ? -150 * kMiB * (1 - t / 5) : 60 * kMiB * (t - 5) / 75; }, kMiB, 7);
  PlateauSettings explicit_cut;
  explicit_cut.warmup = {Warmup::Kind::seconds, 25};
  for (const PlateauSettings& s : {explicit_cut, PlateauSettings{}}) {
    const PlateauAnalysis a = analyze_plateau(r.t, r.v, s);
    EXPECT_EQ(a.outcome, Outcome::fail) << a.reason << " warm-up " << a.warmup_s;
    EXPECT_NEAR(a.slope_per_h / (60 * kMiB / 75 * 3600), 1, 0.2);
  }
}

TEST(BlatantLeak, AShortWindowNeverPassesAndOnlyABlatantLeakFails) {
  const PlateauSettings s;
  // Flat noise, a leak of 20 %/h (0.4 MiB in 40 s under 0.5 MiB of noise), a warm-up still
  // saturating (a 60 MiB cache filling with an 8 s time constant): none is blatant.
  const Trace flat = sample(40, [](double) { return 0.0; });
  const Trace slow = sample(40, [](double t) { return 40 * kMiB * t / 3600; });
  const Trace saturating = sample(40, [](double t) { return 60 * kMiB * (1 - std::exp(-t / 8)); });
  for (const Trace* r : {&flat, &slow, &saturating}) {
    const CheckResult c = plateau_check("rss-plateau", "RSS", r->t, r->v, "bytes", s);
    EXPECT_EQ(c.outcome, Outcome::inconclusive) << c.summary;
    EXPECT_NE(c.summary.find("run at least"), std::string::npos) << c.summary;
    EXPECT_FALSE(has_figure(c, "slope_per_h"));
  }
  // Under blatant_min_steady_s (20 s) even the Python loop is not judged.
  const Trace brief = python_loop(15);
  EXPECT_EQ(plateau_check("rss-plateau", "RSS", brief.t, brief.v, "bytes", s).outcome, Outcome::inconclusive);
  // Growth below blatant_growth_pct of the level over the window is not blatant either:
  // 18 GiB/h on a 16 GiB process adds 1.25 % in 40 s.
  Trace big = python_loop(40);
  for (double& v : big.v) v += 16384 * kMiB;
  EXPECT_EQ(plateau_check("rss-plateau", "RSS", big.t, big.v, "bytes", s).outcome, Outcome::inconclusive);
}

}  // namespace
}  // namespace memgate::analyze
