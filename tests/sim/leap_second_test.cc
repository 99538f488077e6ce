// Simulated-time scenarios of a leap second under each `leapsecmode`, and of a leap smear
// (`smoothtime ... leaponly`): what clients are told before, during and after the leap, the
// clock's error after it and how long the error takes to go (issue 9).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "tests/sim/scenario_helpers.h"
#include "tests/sim/sim_world.h"

namespace chronon::sim {
namespace {

constexpr double kLeapAt = static_cast<double>(kLeapUnix - kLeapEveStartUnix);  // 3600 s

// One hour before the leap with three servers that announce it (`leap` 1 insert, 2 delete)
// and apply it at midnight; the announcement stops once they are past it.
struct LeapRun {
  explicit LeapRun(ctl::Config cfg, uint8_t leap = 1)
      : w(cfg, 0.010, 15.0, 0.0, 1, kLeapEveStartUnix) {
    ServerSpec s;
    s.leap = leap;
    for (int i = 0; i < 3; ++i) w.add_server(s, server_source(true, 4, 5));
    w.add_leap_second(kLeapAt - (leap == 2 ? 1.0 : 0.0), leap == 2 ? -1 : 1);
  }
  // Runs to `until` (true seconds), recording the served leap indicator and the clock's
  // error once a (simulated) second.
  void run(double until) {
    w.run_until(until, [this](World& x) {
      const double t = x.true_time_s();
      if (t > kLeapAt + 5) {
        for (size_t i = 0; i < 3; ++i) x.server(i).leap = 0;
      }
      served_leap[t] = x.state().current().leap;
      dp::ServerState s = x.state().current();
      x.keeper().apply_smoothing(x.clock().now(), &s);
      served_refid[t] = s.refid;
      slewing[t] = x.keeper().discipline().slew_left_s() > 0;
      error[t] = x.clock_error_s();
      served_error[t] = x.served_error_s();
    });
  }
  // The first time at or after `from` when the clock's error stays under `limit` to the end.
  double settled_after(double from, double limit) const {
    double settled = -1;
    for (const auto& [t, e] : error) {
      if (t < from) continue;
      if (std::abs(e) >= limit) {
        settled = -1;
      } else if (settled < 0) {
        settled = t;
      }
    }
    return settled;
  }
  bool logged(const std::string& s) {
    return std::find(w.log().begin(), w.log().end(), s) != w.log().end();
  }
  World w;
  std::map<double, uint8_t> served_leap;
  std::map<double, uint32_t> served_refid;  // as chronond publishes it (smoothtime marks it)
  std::map<double, bool> slewing;
  std::map<double, double> error, served_error;
};

ctl::Config mode(const std::string& m) {
  ctl::Config cfg;
  cfg.leapsecmode = m;
  return cfg;
}

// Before, during and after: the indicator chronyd's replies carry in every mode.
void expect_served_leap_around(const LeapRun& r, uint8_t before) {
  EXPECT_EQ(r.served_leap.at(kLeapAt - 600), before);
  EXPECT_EQ(r.served_leap.at(kLeapAt - 1), before);
  EXPECT_EQ(r.served_leap.at(kLeapAt + 1), dp::kLeapUnsynchronised);  // leap in progress
  EXPECT_EQ(r.served_leap.at(kLeapAt + 4), dp::kLeapNone);
  EXPECT_EQ(r.served_leap.at(kLeapAt + 600), dp::kLeapNone);
}

TEST(SimLeap, StepModeStepsTheClockBackAtMidnight) {
  LeapRun r(mode("step"));
  r.run(kLeapAt + 1800);
  expect_served_leap_around(r, dp::kLeapInsert);
  EXPECT_LT(std::abs(r.error.at(kLeapAt - 10)), 1e-3);
  // Stepped at 00:00:00: no error left a second later, and none after.
  EXPECT_LT(std::abs(r.error.at(kLeapAt - 1)), 1e-3);
  EXPECT_EQ(r.settled_after(kLeapAt + 1, 1e-3), kLeapAt + 1);
  EXPECT_EQ(r.w.clock().steps(), 1);
  EXPECT_TRUE(r.logged("System clock was stepped for leap second"));
}

TEST(SimLeap, StepModeDeletionStepsForwardAt235959) {
  LeapRun r(mode("step"), 2);
  r.run(kLeapAt + 1800);
  EXPECT_EQ(r.served_leap.at(kLeapAt - 600), dp::kLeapDelete);
  EXPECT_EQ(r.served_leap.at(kLeapAt), dp::kLeapUnsynchronised);
  EXPECT_EQ(r.served_leap.at(kLeapAt + 600), dp::kLeapNone);
  EXPECT_LT(std::abs(r.error.at(kLeapAt - 2)), 1e-3);
  EXPECT_EQ(r.settled_after(kLeapAt, 1e-3), kLeapAt);
  EXPECT_EQ(r.w.clock().steps(), 1);
}

TEST(SimLeap, SlewModeSlewsTheSecondOutAtMaxslewrate) {
  LeapRun r(mode("slew"));
  r.run(kLeapAt + 1800);
  expect_served_leap_around(r, dp::kLeapInsert);
  EXPECT_EQ(r.w.clock().steps(), 0);
  EXPECT_TRUE(r.logged("Adjusting system clock for leap second"));
  // The clock is a second ahead at midnight and slews it out at 83333 ppm: 12 s.
  const double e1 = r.error.at(kLeapAt + 1);
  EXPECT_NEAR(e1, 1.0 - 83333e-6, 0.01);
  EXPECT_NEAR(r.error.at(kLeapAt + 6), 1.0 - 6 * 83333e-6, 0.05);
  const double settled = r.settled_after(kLeapAt, 1e-3);
  EXPECT_GE(settled, kLeapAt + 11);
  EXPECT_LE(settled, kLeapAt + 60);
}

TEST(SimLeap, SlewModeWithASlowerMaxslewrateTakesLonger) {
  ctl::Config cfg = mode("slew");
  cfg.maxslewrate_ppm = 10000;  // 100 s for the second
  LeapRun r(cfg);
  r.run(kLeapAt + 3600);
  // At 10000 ppm until the next clock update; the rest is corrected as any offset is (over
  // corrtimeratio update intervals), as chronyd's accumulated offset is.
  EXPECT_NEAR(r.error.at(kLeapAt + 20), 0.8, 0.01);
  const double settled = r.settled_after(kLeapAt, 1e-3);
  EXPECT_GE(settled, kLeapAt + 95);
  EXPECT_LE(settled, kLeapAt + 900);
}

TEST(SimLeap, IgnoreModeLeavesTheErrorToTheDiscipline) {
  LeapRun r(mode("ignore"));
  r.run(kLeapAt + 4 * 3600);
  expect_served_leap_around(r, dp::kLeapInsert);
  EXPECT_TRUE(r.logged("Ignoring leap second"));
  EXPECT_EQ(r.w.clock().steps(), 0);
  // Nothing is done at the leap: a second ahead until the next clock updates see it.
  EXPECT_NEAR(r.error.at(kLeapAt + 2), 1.0, 1e-3);
  const double settled = r.settled_after(kLeapAt, 1e-3);
  EXPECT_GT(settled, kLeapAt + 12);  // not the 12 s of slew mode
  EXPECT_LE(settled, kLeapAt + 3 * 3600) << "error at the end " << r.error.rbegin()->second;
}

TEST(SimLeap, SystemModeLeavesTheClockToTheKernel) {
  LeapRun r(mode("system"));
  r.run(kLeapAt + 700);
  EXPECT_EQ(r.served_leap.at(kLeapAt - 600), dp::kLeapInsert);
  EXPECT_EQ(r.served_leap.at(kLeapAt), dp::kLeapUnsynchronised);  // from 23:59:59.5
  EXPECT_EQ(r.served_leap.at(kLeapAt + 600), dp::kLeapNone);
  // The virtual clock has no kernel: the second is not taken out by chronond.
  EXPECT_NEAR(r.error.at(kLeapAt + 2), 1.0, 1e-3);
  EXPECT_EQ(r.w.clock().steps(), 0);
}

// smoothtime 100 0.1 leaponly with leapsecmode slew: a leap smear. The clock is slewed as in
// slew mode, but clients get time whose frequency ramps at 0.1 ppm/s to at most 100 ppm,
// and the leap is not announced.
TEST(SimLeap, LeapOnlySmoothingSmearsTheSecondWithinTheLimits) {
  ctl::Config cfg = mode("slew");
  cfg.smoothtime = ctl::Config::Smoothtime{true, 100.0, 0.1, true};
  LeapRun r(cfg);
  r.run(kLeapAt + 14000);
  for (const auto& [t, leap] : r.served_leap) {
    if (t >= kLeapAt && t < kLeapAt + 2) continue;  // leap in progress: 3, as chronyd
    EXPECT_NE(leap, dp::kLeapInsert) << "announced at " << t;
  }
  EXPECT_EQ(r.served_leap.at(kLeapAt + 1), dp::kLeapUnsynchronised);
  // Before the leap the smoothing offset is zero: replies keep the real reference ID, also
  // while an ordinary correction is being slewed (it is not smoothing).
  int slewing_before = 0;
  for (const auto& [t, refid] : r.served_refid) {
    if (t < 600 || t >= kLeapAt - 10) continue;
    slewing_before += r.slewing.at(t);
    EXPECT_NE(refid, ctl::kRefidSmooth) << "at " << t;
  }
  EXPECT_GT(slewing_before, 100);
  // During the smear they say it is smoothed.
  EXPECT_EQ(r.served_refid.at(kLeapAt + 5000), ctl::kRefidSmooth);
  // Served time against true time (UTC plus the inserted second): no jump, and its rate
  // within 100 ppm (plus the discipline's own small corrections).
  double max_rate = 0;
  double prev = NAN;
  for (const auto& [t, e] : r.served_error) {
    const double vs_true = e - (t >= kLeapAt ? 1.0 : 0.0);
    if (t > 600 && !std::isnan(prev)) max_rate = std::max(max_rate, std::abs(vs_true - prev));
    prev = vs_true;
  }
  EXPECT_LE(max_rate, 100e-6 + 10e-6);  // clock updates move cooked time by microseconds
  EXPECT_GE(max_rate, 95e-6);  // the limit was reached: the smear is at 100 ppm for a while
  // Halfway the served time is half a second off UTC; at the end it is right again.
  EXPECT_NEAR(r.served_error.at(kLeapAt + 5000), 0.5, 0.1);
  EXPECT_LT(std::abs(r.served_error.at(kLeapAt + 12000)), 1e-3);
  EXPECT_GT(std::abs(r.served_error.at(kLeapAt + 9000)), 0.05);
  // The clock itself was slewed as in slew mode.
  EXPECT_LT(std::abs(r.error.at(kLeapAt + 600)), 1e-3);
}

// smoothtime 400 0.01 (every correction): the upstream's time jumps 50 ms; the clock is
// slewed within seconds, but the time served moves at most 400 ppm off the clock's rate and
// its rate changes by at most 0.01 ppm per second.
TEST(SimSmoothing, AnOffsetCorrectionReachesClientsSmoothly) {
  ctl::Config cfg;
  cfg.smoothtime = ctl::Config::Smoothtime{true, 400.0, 0.01, false};
  World w(cfg, 0.0, 15.0, 0.0, 1, kDefaultStartUnix);
  w.add_server(ServerSpec{}, server_source(true, 4, 5));
  w.run_until(4 * 3600.0);
  ASSERT_TRUE(w.keeper().smoothing()->active());
  w.server(0).offset_s = 0.050;
  std::map<double, double> served, clock;
  w.run_until(4 * 3600.0 + 10000, [&](World& x) {
    served[x.true_time_s()] = x.served_error_s();
    clock[x.true_time_s()] = x.clock_error_s();
  });
  const double t0 = 4 * 3600.0;
  // The clock follows the upstream within minutes...
  EXPECT_NEAR(clock.at(t0 + 600), 0.050, 0.002);
  // ...the served time much later, never faster than 400 ppm, its rate moving slowly.
  EXPECT_NEAR(served.at(t0 + 600), 0.0, 0.015);
  double max_rate = 0, max_wander = 0, prev = NAN, prev_rate = NAN;
  for (const auto& [t, e] : served) {
    if (!std::isnan(prev)) {
      const double rate = e - prev;
      max_rate = std::max(max_rate, std::abs(rate));
      if (!std::isnan(prev_rate)) max_wander = std::max(max_wander, std::abs(rate - prev_rate));
      prev_rate = rate;
    }
    prev = e;
  }
  EXPECT_LE(max_rate, 400e-6);
  EXPECT_LE(max_wander, 0.01e-6 + 2e-6);  // plus the clock updates' microseconds
  // sqrt(0.05 / 1e-8) = 2236 s per ramp: done in about 75 minutes.
  EXPECT_NEAR(served.at(t0 + 9000), 0.050, 0.001);
  EXPECT_GT(std::abs(served.at(t0 + 2000) - 0.050), 0.01);
}

}  // namespace
}  // namespace chronon::sim
