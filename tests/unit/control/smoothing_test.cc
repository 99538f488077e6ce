// Smoothing: the offset taken out within the frequency and wander limits, as chrony's
// smooth.c plans it, and the published model evaluated the same way.
#include "control/smoothing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace chronon::ctl {
namespace {

ts::Nanos s(double sec) { return ts::Nanos(static_cast<int64_t>(std::llround(sec * 1e9))); }

// Samples the offset every second; returns the largest rate (s per s) and rate change.
struct Trace {
  double max_rate = 0, max_wander = 0, end_offset = 0;
};
Trace trace(const Smoothing& sm, double from, double to) {
  Trace t;
  double prev = sm.offset_s(s(from)), prev_rate = NAN;
  for (double x = from + 1; x <= to; x += 1) {
    const double o = sm.offset_s(s(x));
    const double rate = o - prev;
    t.max_rate = std::max(t.max_rate, std::abs(rate));
    if (!std::isnan(prev_rate)) t.max_wander = std::max(t.max_wander, std::abs(rate - prev_rate));
    prev = o;
    prev_rate = rate;
  }
  t.end_offset = prev;
  return t;
}

TEST(Smoothing, LeapOnlySmearsTheSecondAtTheFrequencyLimit) {
  Smoothing sm({100.0, 0.1, true});
  sm.reset(s(0));
  EXPECT_FALSE(sm.active());
  sm.on_leap(s(1000), 1);
  EXPECT_TRUE(sm.active());
  EXPECT_NEAR(sm.offset_s(s(1000)), 1.0, 1e-12);
  // Ramps of 1000 s (0.1 ppm/s up to 100 ppm, 0.05 s each) and 9000 s at 100 ppm between.
  EXPECT_NEAR(sm.remaining_s(s(1000)), 11000, 1e-6);
  const Trace t = trace(sm, 1000, 13000);
  EXPECT_LE(t.max_rate, 100e-6 * (1 + 1e-9));
  EXPECT_GE(t.max_rate, 99.9e-6);
  EXPECT_LE(t.max_wander, 0.1e-6 * (1 + 1e-6));
  EXPECT_NEAR(t.end_offset, 0.0, 1e-9);
  EXPECT_NEAR(sm.offset_s(s(1000 + 11000 / 2.0)), 0.5, 1e-9);
}

TEST(Smoothing, SmallOffsetNeverReachesTheLimit) {
  Smoothing sm({400.0, 0.001, true});
  sm.reset(s(0));
  sm.on_leap(s(0), -1);  // a deletion: served time runs ahead of the clock, then catches up
  EXPECT_NEAR(sm.offset_s(s(0)), -1.0, 1e-12);
  // No limit: two ramps of sqrt(1 / 1e-9) = 31623 s each, peaking at 31.6 ppm.
  EXPECT_NEAR(sm.remaining_s(s(0)), 2 * std::sqrt(1e9), 2);
  const Trace t = trace(sm, 0, 64000);
  EXPECT_NEAR(t.max_rate, 31.62e-6, 0.05e-6);
  EXPECT_NEAR(t.end_offset, 0.0, 1e-9);
}

TEST(Smoothing, LeapOnlyIgnoresOrdinaryAdjustments) {
  Smoothing sm({400.0, 0.001, true});
  sm.reset(s(0));
  sm.on_adjust(s(10), 0.5, 1e-6, 1e-9);
  sm.on_adjust(s(20), 0.5, 1e-6, 1e-9);
  EXPECT_EQ(sm.offset_s(s(30)), 0.0);
}

TEST(Smoothing, OrdinaryAdjustmentsWaitForASmallSkewThenAreSmoothed) {
  Smoothing sm({400.0, 0.01, false});
  sm.reset(s(0));
  sm.on_adjust(s(10), 0.5, 0.0, 1e-3);  // skew 1000 ppm: still locked
  EXPECT_FALSE(sm.active());
  EXPECT_EQ(sm.offset_s(s(20)), 0.0);
  sm.on_adjust(s(20), 0.0, 0.0, 1e-9);  // unlocks; nothing to smooth yet
  EXPECT_TRUE(sm.active());
  sm.on_adjust(s(30), 0.1, 0.0, 1e-9);
  EXPECT_NEAR(sm.offset_s(s(30)), 0.1, 1e-12);
  // A frequency change of the clock (10 ppm slower) is taken out gradually too.
  sm.on_adjust(s(40), 0.0, 10e-6, 1e-9);
  const Trace t = trace(sm, 40, 200000);
  EXPECT_LE(t.max_wander, 0.01e-6 * (1 + 1e-6));
  EXPECT_LE(t.max_rate, 400e-6);
  EXPECT_LT(sm.remaining_s(s(200000)), 1e-9);
}

TEST(Smoothing, ResetStartsFromZero) {
  Smoothing sm({400.0, 0.001, true});
  sm.reset(s(0));
  sm.on_leap(s(0), 1);
  sm.reset(s(5));
  EXPECT_EQ(sm.offset_s(s(6)), 0.0);
  EXPECT_EQ(sm.remaining_s(s(6)), 0.0);
}

TEST(Smoothing, ActivateUnlocksWithoutWaitingForTheSkew) {
  Smoothing sm({400.0, 0.01, false});
  sm.reset(s(0));
  sm.on_adjust(s(10), 0.5, 0.0, 1e-3);  // skew 1000 ppm: locked
  EXPECT_FALSE(sm.active());
  EXPECT_TRUE(sm.activate(s(20)));
  EXPECT_TRUE(sm.active());
  EXPECT_FALSE(sm.activate(s(21)));  // already active: nothing to do (SMT_Activate)
  // The next adjustment is smoothed although the skew is still large.
  sm.on_adjust(s(30), 0.1, 0.0, 1e-3);
  EXPECT_NEAR(sm.offset_s(s(30)), 0.1, 1e-12);
}

TEST(Smoothing, ReportFollowsTheStagesAsChronysGetSmoothing) {
  Smoothing sm({100.0, 0.1, true});
  sm.reset(s(0));
  Smoothing::Report r = sm.report(s(500));
  EXPECT_FALSE(r.active);  // locked: no times, as SMT_GetSmoothingReport
  EXPECT_TRUE(r.leap_only);
  EXPECT_EQ(r.last_update_ago_s, 0.0);
  EXPECT_EQ(r.remaining_s, 0.0);
  sm.on_leap(s(1000), 1);  // ramps of 1000 s at 0.1 ppm/s, 9000 s at 100 ppm
  r = sm.report(s(1500));  // in the first ramp: served time slows down by 50 ppm
  EXPECT_TRUE(r.active);
  EXPECT_NEAR(r.offset_s, 1.0 - 0.5 * 0.1e-6 * 500 * 500, 1e-9);
  EXPECT_NEAR(r.freq, -50e-6, 1e-12);
  EXPECT_NEAR(r.wander, -0.1e-6, 1e-15);
  EXPECT_NEAR(r.last_update_ago_s, 500, 1e-9);
  EXPECT_NEAR(r.remaining_s, 10500, 1e-6);
  r = sm.report(s(5000));  // at the limit: no wander
  EXPECT_NEAR(r.freq, -100e-6, 1e-12);
  EXPECT_EQ(r.wander, 0.0);
  r = sm.report(s(11500));  // ramping back
  EXPECT_NEAR(r.freq, -50e-6, 1e-12);
  EXPECT_NEAR(r.wander, 0.1e-6, 1e-15);
  r = sm.report(s(20000));  // done
  EXPECT_NEAR(r.offset_s, 0.0, 1e-9);
  EXPECT_NEAR(r.freq, 0.0, 1e-15);
  EXPECT_EQ(r.wander, 0.0);
  EXPECT_EQ(r.remaining_s, 0.0);
  EXPECT_NEAR(r.last_update_ago_s, 19000, 1e-9);
  // smoothtime reset: from zero, the update time now; still active.
  sm.on_leap(s(20000), 1);
  sm.reset(s(20100));
  r = sm.report(s(20110));
  EXPECT_TRUE(r.active);
  EXPECT_EQ(r.offset_s, 0.0);
  EXPECT_NEAR(r.last_update_ago_s, 10, 1e-9);
  EXPECT_EQ(r.remaining_s, 0.0);
}

TEST(Smoothing, PublishedModelMatchesAndAddsTheSlewLeft) {
  Smoothing sm({100.0, 0.1, true});
  sm.reset(s(0));
  sm.on_leap(s(0), 1);
  // Re-anchored half way through the first ramp, with a slew of -0.01 s/s for 20 s.
  const dp::SmoothingModel m = sm.model(s(500), -0.01, 20);
  for (double x : {500.0, 777.0, 1500.0, 6000.0, 11000.0, 20000.0}) {
    EXPECT_NEAR(m.offset_at(s(x).count()) - (x < 520 ? -0.01 * (520 - x) : 0.0),
                sm.offset_s(s(x)), 1e-9)
        << x;
  }
  double rate = 0;
  m.offset_at(s(510).count(), &rate);
  double rate_sm = 0;
  const dp::SmoothingModel m0 = sm.model(s(510), 0, 0);
  m0.offset_at(s(510).count(), &rate_sm);
  EXPECT_NEAR(rate, rate_sm + 0.01, 1e-12);
  EXPECT_EQ(dp::SmoothingModel{}.offset_at(s(1).count()), 0.0);  // disabled: nothing
}

}  // namespace
}  // namespace chronon::ctl

namespace chronon::ctl {
namespace {

TEST(Smoothing, RepliesSayTheTimeIsSmoothedOnlyBeyondThePrecision) {
  dp::ServerState s;
  s.leap = dp::kLeapNone;
  s.precision = -20;  // ~1 us
  s.refid = 0x0A000001;
  s.reference_time = ts::NtpTimestamp::from_parts(1000, 0);
  dp::ServerState a = s;
  mark_smoothed(&a, 0.5e-6);
  EXPECT_EQ(a.refid, 0x0A000001u);
  EXPECT_EQ(a.reference_time, s.reference_time);
  mark_smoothed(&a, 0.25);
  EXPECT_EQ(a.refid, kRefidSmooth);
  EXPECT_EQ(a.reference_time, ts::NtpTimestamp::from_parts(1000, 0x40000000));
  dp::ServerState u = s;
  u.leap = dp::kLeapUnsynchronised;
  mark_smoothed(&u, 0.25);
  EXPECT_EQ(u.refid, 0x0A000001u);
}

}  // namespace
}  // namespace chronon::ctl
