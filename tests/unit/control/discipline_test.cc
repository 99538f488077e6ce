// Tests for the clock discipline on a virtual clock over a simulated one: stepping, slewing
// within maxslewrate, frequency weighting by skew, and the listener seeing every change.
#include "control/discipline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "control/source/source_stats.h"
#include "timestamping/virtual_clock.h"

namespace chronon::ctl {
namespace {

struct Rig {
  ts::SimulatedClock base{timespec{1800000000, 0}};
  ts::VirtualClock clock{base};
  std::vector<std::pair<double, double>> changes;  // (dfreq, step)
  Discipline make(DisciplineParams p, double freq = 0, double skew = 1000) {
    Discipline d(clock, clock, p, freq, skew);
    d.set_listener([this](timespec, double df, double st) { changes.push_back({df, st}); });
    return d;
  }
  double mono_s() const { return static_cast<double>(ts::to_nanos(base.monotonic()).count()) * 1e-9; }
  // Moves the simulated clocks to monotonic `t`, up to 2 ns after it (never before it, however
  // the nanoseconds round to seconds).
  void advance_to(double t) {
    base.advance(ts::Nanos(static_cast<long long>(std::ceil((t - mono_s()) * 1e9)) + 1));
  }
  double offset_from_start() const {
    return static_cast<double>((ts::to_nanos(clock.now()) - ts::to_nanos(base.now())).count()) * 1e-9;
  }
};

TEST(Discipline, MakestepStepsWithinTheLimitThenSlews) {
  Rig r;
  DisciplineParams p;
  p.makestep = true;
  p.makestep_threshold_s = 1.0;
  p.makestep_limit = 1;
  Discipline d = r.make(p);
  const DisciplineOutcome o = d.update(5.0, 0.001, 0.0, 1e-3);  // 5 s ahead
  EXPECT_TRUE(o.stepped);
  EXPECT_DOUBLE_EQ(o.step_s, -5.0);
  EXPECT_NEAR(r.offset_from_start(), -5.0, 1e-9);
  ASSERT_FALSE(r.changes.empty());
  EXPECT_DOUBLE_EQ(r.changes.back().second, -5.0);
  // The second update is over the limit: slewed, not stepped.
  EXPECT_FALSE(d.update(3.0, 0.001, 0.0, 1e-3).stepped);
  EXPECT_EQ(r.clock.steps(), 1);
}

TEST(Discipline, SlewCorrectsTheOffsetAndEndsAtItsDeadline) {
  Rig r;
  DisciplineParams p;
  Discipline d = r.make(p);
  EXPECT_FALSE(d.next_deadline_mono_s());
  const DisciplineOutcome o = d.update(0.002, 1e-5, 0.0, 1e-3);  // 2 ms ahead: slow down
  EXPECT_FALSE(o.stepped);
  EXPECT_DOUBLE_EQ(o.slew_s, -0.002);
  EXPECT_LT(r.clock.frequency_ppm(), 0.0);
  EXPECT_NEAR(d.remaining_correction_s(), 0.002, 1e-9);
  ASSERT_TRUE(d.next_deadline_mono_s());
  EXPECT_NEAR(*d.next_deadline_mono_s() - r.mono_s(), o.slew_duration_s, 1e-9);
  // Before the deadline a tick only says when to come back.
  r.advance_to(*d.next_deadline_mono_s() - 0.5);
  EXPECT_EQ(d.tick(), d.next_deadline_mono_s());
  // Ticked at the deadline: the whole 2 ms was taken out, exactly, and the slew is over.
  r.advance_to(*d.next_deadline_mono_s());
  EXPECT_FALSE(d.tick());
  EXPECT_NEAR(r.offset_from_start(), -0.002, 1e-9);
  EXPECT_DOUBLE_EQ(r.clock.frequency_ppm(), d.frequency_ppm());
  EXPECT_EQ(d.remaining_correction_s(), 0.0);
  EXPECT_FALSE(d.next_deadline_mono_s());
}

// The reported case: 28.5 ms behind, slewed over the minimum second, and a tick that comes
// late (chronond asleep in poll, the simulator between its seconds). The clock ran past the
// target for as long as the tick was late; that overshoot is slewed back, so when that slew
// ends the offset has been corrected once, exactly, not up to twice.
TEST(Discipline, LateTickSlewsBackTheOvershootSoTheOffsetIsCorrectedOnce) {
  for (const double late_s : {1e-3, 0.25, 0.5, 0.999}) {
    SCOPED_TRACE(late_s);
    Rig r;
    Discipline d = r.make(DisciplineParams{});
    const DisciplineOutcome o = d.update(-0.0285, 1e-5, 0.0, 1e-3);
    ASSERT_NEAR(o.slew_duration_s, 1.0, 1e-12);
    r.advance_to(*d.next_deadline_mono_s() + late_s);
    // Not yet ticked: the clock is ahead by what it slewed too much.
    EXPECT_NEAR(r.offset_from_start(), 0.0285 * (1 + late_s), 1e-9);
    EXPECT_NEAR(d.remaining_correction_s(), 0.0285 * late_s, 1e-9);
    const std::optional<double> back = d.tick();
    ASSERT_TRUE(back);
    EXPECT_NEAR(*back - r.mono_s(), 1.0, 1e-9);  // slewed back over the minimum second
    EXPECT_LT(r.clock.frequency_ppm(), d.frequency_ppm());
    r.advance_to(*back);
    EXPECT_FALSE(d.tick());
    EXPECT_NEAR(r.offset_from_start(), 0.0285, 1e-9);
    EXPECT_DOUBLE_EQ(r.clock.frequency_ppm(), d.frequency_ppm());
    EXPECT_FALSE(d.next_deadline_mono_s());
  }
}

TEST(Discipline, SlewBackTickedLateTooStillEndsCorrectedOnce) {
  Rig r;
  Discipline d = r.make(DisciplineParams{});
  d.update(0.01, 1e-5, 0.0, 1e-3);  // 10 ms ahead
  r.advance_to(*d.next_deadline_mono_s() + 0.8);
  ASSERT_TRUE(d.tick());  // 8 ms too far: slewed back
  r.advance_to(*d.next_deadline_mono_s() + 0.6);
  ASSERT_TRUE(d.tick());  // that slew 4.8 ms too far in turn
  EXPECT_NEAR(d.remaining_correction_s(), 0.0048, 1e-9);
  r.advance_to(*d.next_deadline_mono_s());
  EXPECT_FALSE(d.tick());
  EXPECT_NEAR(r.offset_from_start(), -0.01, 1e-9);
}

// With a base frequency, the slew is what the clock gains on top of it.
TEST(Discipline, SlewIsAccountedOnTopOfTheBaseFrequency) {
  Rig r;
  Discipline d = r.make(DisciplineParams{}, 300.0);
  const double start = r.mono_s();
  d.update(-0.005, 1e-5, 0.0, 1e-3);
  r.advance_to(*d.next_deadline_mono_s() + 0.3);
  ASSERT_TRUE(d.tick());
  r.advance_to(*d.next_deadline_mono_s());
  EXPECT_FALSE(d.tick());
  EXPECT_NEAR(r.offset_from_start(), 0.005 + 300e-6 * (r.mono_s() - start), 1e-9);
}

TEST(Discipline, MakestepCommandStepsWhatIsLeftOfTheSlew) {
  Rig r;
  DisciplineParams p;
  Discipline d = r.make(p);
  ASSERT_EQ(d.make_step(), std::optional<double>(0.0));  // nothing to correct: no step
  EXPECT_TRUE(r.changes.empty());
  const DisciplineOutcome o = d.update(0.004, 1e-5, 0.0, 1e-3);  // 4 ms ahead
  r.base.advance(std::chrono::milliseconds(static_cast<long>(o.slew_duration_s * 250)));
  const double left = d.remaining_correction_s();
  ASSERT_GT(left, 0.002);
  const auto step = d.make_step();
  ASSERT_TRUE(step);
  EXPECT_NEAR(*step, -left, 1e-9);
  // The whole 4 ms is gone (a quarter slewed, the rest stepped), and the slew with it.
  EXPECT_NEAR(r.offset_from_start(), -0.004, 1e-6);
  EXPECT_EQ(d.remaining_correction_s(), 0.0);
  EXPECT_DOUBLE_EQ(r.clock.frequency_ppm(), d.frequency_ppm());
  EXPECT_NEAR(r.changes.back().second, -left, 1e-9);
}

TEST(Discipline, MakestepSettingsChangedAtRunTimeCountFromNow) {
  Rig r;
  DisciplineParams p;  // no makestep configured
  Discipline d = r.make(p);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(d.update(0.0001, 1e-6, 0.0, 1e-3).stepped);
  d.set_makestep(1.0, 1);  // the next update may step, no later one
  EXPECT_FALSE(d.update(0.5, 1e-6, 0.0, 1e-3).stepped);  // under the threshold
  EXPECT_FALSE(d.update(5.0, 1e-6, 0.0, 1e-3).stepped);  // the one allowed update is gone
  d.set_makestep(1.0, -1);  // every update
  EXPECT_TRUE(d.update(5.0, 1e-6, 0.0, 1e-3).stepped);
  EXPECT_TRUE(d.update(-3.0, 1e-6, 0.0, 1e-3).stepped);
}

TEST(Discipline, SlewRateIsBoundedByMaxslewrate) {
  Rig r;
  DisciplineParams p;
  p.maxslewrate_ppm = 500;
  Discipline d = r.make(p);
  const DisciplineOutcome o = d.update(-1.0, 1e-3, 0.0, 1e-3);  // 1 s behind
  EXPECT_NEAR(r.clock.frequency_ppm(), 500.0, 1e-6);
  EXPECT_NEAR(o.slew_duration_s, 2000.0, 1e-6);
}

TEST(Discipline, FrequencyMovesByTheSkewWeightedShare) {
  Rig r;
  DisciplineParams p;
  Discipline d = r.make(p, /*freq*/ 10.0, /*skew ppm*/ 1.0);
  // New estimate: we gain 4 ppm, with the same 1 ppm skew: half of it is taken.
  d.update(0.0, 1e-6, 4e-6, 1e-6);
  EXPECT_NEAR(d.frequency_ppm(), 8.0, 1e-9);
  // A precise estimate (skew 0.01 ppm) against an uncertain frequency: almost all is taken.
  Rig r2;
  Discipline d2 = r2.make(p, 10.0, 100.0);
  d2.update(0.0, 1e-6, 4e-6, 0.01e-6);
  EXPECT_NEAR(d2.frequency_ppm(), 6.0, 1e-3);
}

TEST(Discipline, EstimatesWithSkewOverMaxupdateskewLeaveTheFrequency) {
  Rig r;
  DisciplineParams p;
  p.maxupdateskew_ppm = 100;
  Discipline d = r.make(p, 3.0, 1000);
  EXPECT_FALSE(d.update(0.0, 1e-6, 50e-6, 500e-6).frequency_updated);
  EXPECT_DOUBLE_EQ(d.frequency_ppm(), 3.0);
}

TEST(Discipline, ListenerSeesTheRateChangeOfEveryFrequencyChange) {
  Rig r;
  DisciplineParams p;
  Discipline d = r.make(p, 0.0, 1.0);
  r.changes.clear();
  d.update(0.001, 1e-6, 0.0, 1e-6);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_NEAR(r.changes[0].first * 1e6, r.clock.frequency_ppm(), 1e-9);
  d.end_slew();
  ASSERT_EQ(r.changes.size(), 2u);
  // Rate changes relative to the rate before them: back to the start means their product.
  EXPECT_NEAR((1 + r.changes[0].first) * (1 + r.changes[1].first), 1.0, 1e-15);
}

// A slew's re-expression must cancel to exactly what it moved the clock even at
// maxslewrate: relative changes make (1 + a)(1 + b) = 1, where the plain differences would
// leave a^2 behind (7e-3 at 83333 ppm).
TEST(Discipline, ListenerRateChangesAreRelativeToTheRateBefore) {
  Rig r;
  DisciplineParams p;
  Discipline d = r.make(p, 0.0, 1.0);
  r.changes.clear();
  d.update(10.0, 1e-6, 0.0, 1e-6);  // 10 s: slewed at maxslewrate
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_NEAR(r.changes[0].first, -p.maxslewrate_ppm * 1e-6, 1e-12);
  d.end_slew();
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_NEAR(r.changes[1].first, p.maxslewrate_ppm * 1e-6 / (1 - p.maxslewrate_ppm * 1e-6),
              1e-12);
}

// The sources' side of a slew, end to end: samples taken before, during and after a slew
// that moves the clock 28.8 ms in a second (2.88 %: the first update after the upstream
// returned) and re-expressed by the listener's rate changes must read, when it is over, as
// the clock running at its rate now would have measured them: every offset what that line
// says at the sample's true time. With plain rate differences the start and end left
// r^2 * (age + duration) behind, 27 ms on a sample 32 s old: a false frequency of 830 ppm
// that the next estimate from four samples turned into a -3.7 ms offset and the clock
// drifted to +15 ms (the sim scenario SlewAfterTheUpstreamReturns...).
TEST(Discipline, SamplesReexpressedAcrossASlewAgreeWithTheTrueClock) {
  Rig r;
  DisciplineParams p;
  Discipline d(r.clock, r.clock, p, 5.0, 1000.0);  // the clock gains 5 ppm on true time
  SourceStats stats(1, 64);
  d.set_listener([&](timespec when, double dfreq, double step_s) {
    stats.correct(when, dfreq, step_s);
  });
  // The base clock is true time; the clock starts 28.8 ms behind it.
  r.clock.step(ts::Nanos(-28800000));
  // Seconds since the start (small doubles, so they resolve nanoseconds).
  const ts::Nanos start = ts::to_nanos(r.base.now());
  auto rel_s = [&](timespec t) {
    return static_cast<double>((ts::to_nanos(t) - start).count()) * 1e-9;
  };
  auto true_s = [&] { return rel_s(r.base.now()); };
  auto clock_s = [&] { return rel_s(r.clock.now()); };
  std::vector<double> taken_true;  // the true time of each sample
  auto take_sample = [&] {
    StatsSample s;
    s.time = r.clock.now();
    s.offset_s = clock_s() - true_s();
    s.peer_delay_s = 1e-3;
    s.peer_dispersion_s = 1e-6;
    stats.add(s);
    taken_true.push_back(true_s());
  };
  for (int i = 0; i < 3; ++i) {
    if (i > 0) r.base.advance(std::chrono::seconds(16));
    take_sample();
  }
  const DisciplineOutcome o = d.update(stats.estimate().offset_s, 1e-6, 0.0, 1.0);
  ASSERT_NEAR(o.slew_s, 0.0288, 2e-4);  // less what 5 ppm gained in 32 s
  ASSERT_NEAR(o.slew_duration_s, 1.0, 1e-6);
  r.advance_to(r.mono_s() + 0.5);
  take_sample();  // half way through the slew
  r.advance_to(*d.next_deadline_mono_s());
  ASSERT_FALSE(d.tick());
  r.base.advance(std::chrono::seconds(15));
  take_sample();
  ASSERT_EQ(stats.size(), 5);
  // The clock's line now: its reading and its rate against true time (5 ppm).
  const double now_true = true_s(), now_clock = clock_s();
  const double rate = 1.0 + r.clock.frequency_ppm() * 1e-6;
  ASSERT_NEAR(now_clock - now_true, 0.0, 1e-4);  // corrected, then 15 s at 5 ppm
  for (int i = 0; i < stats.size(); ++i) {
    const StatsSample& s = stats.samples()[static_cast<size_t>(i)];
    const double line_clock = now_clock - (now_true - taken_true[static_cast<size_t>(i)]) * rate;
    const double sample_clock = rel_s(s.time);
    EXPECT_NEAR(sample_clock, line_clock, 5e-9) << "sample " << i;
    EXPECT_NEAR(s.offset_s, line_clock - taken_true[static_cast<size_t>(i)], 5e-9)
        << "sample " << i;
  }
  // So the next estimate sees what is true: the offset now and the 5 ppm the clock gains.
  EXPECT_NEAR(stats.estimate().offset_s, now_clock - now_true, 1e-8);
  EXPECT_NEAR(stats.estimate().frequency, 5e-6, 1e-9);
}

}  // namespace
}  // namespace chronon::ctl
