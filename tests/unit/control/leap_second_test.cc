// LeapSecond: when each leapsecmode acts, once, and what it says about the served indicator.
#include "control/leap_second.h"

#include <gtest/gtest.h>

#include <cmath>

namespace chronon::ctl {
namespace {

constexpr time_t kMidnight = 1814400000;  // 2027-07-01 00:00:00 UTC

timespec at(double s_from_midnight) {
  const double whole = std::floor(s_from_midnight);
  return timespec{kMidnight + static_cast<time_t>(whole),
                  static_cast<long>((s_from_midnight - whole) * 1e9)};
}

TEST(LeapSecond, ModesFromConfigNames) {
  EXPECT_EQ(leap_mode_from_config("system"), LeapMode::kSystem);
  EXPECT_EQ(leap_mode_from_config("slew"), LeapMode::kSlew);
  EXPECT_EQ(leap_mode_from_config("step"), LeapMode::kStep);
  EXPECT_EQ(leap_mode_from_config("ignore"), LeapMode::kIgnore);
  EXPECT_STREQ(leap_mode_name(LeapMode::kSlew), "slew");
}

TEST(LeapSecond, InsertionActsOnceAtMidnightEvenThoughTheAnnouncingDayEnded) {
  LeapSecond l(LeapMode::kStep);
  int leap = 0;
  EXPECT_EQ(l.tick(1, at(-3600), &leap), LeapAction::kNone);
  EXPECT_EQ(l.scheduled(), kMidnight);
  EXPECT_NEAR(l.seconds_until_due(at(-3600)), 3600, 1e-6);
  EXPECT_EQ(l.tick(1, at(-0.001), &leap), LeapAction::kNone);
  EXPECT_FALSE(l.in_progress(at(-0.001)));
  // At 00:00:00 the day's vote is already 0 (leap_on_day): the leap still happens.
  EXPECT_EQ(l.tick(0, at(0.0), &leap), LeapAction::kStep);
  EXPECT_EQ(leap, 1);
  EXPECT_TRUE(l.in_progress(at(0.5)));
  EXPECT_TRUE(l.passed());
  l.clock_stepped(-1);  // the clock now reads 23:59:59 again, still the leap day
  EXPECT_TRUE(l.in_progress(at(0.5)));  // two seconds of the clock after the leap
  EXPECT_EQ(l.tick(1, at(-0.5), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(1, at(0.5), &leap), LeapAction::kNone);
  EXPECT_FALSE(l.in_progress(at(1.01)));
  EXPECT_EQ(l.tick(1, at(-0.2), &leap), LeapAction::kNone);  // never twice
  EXPECT_TRUE(l.passed());
  // The next day: no announcement any more.
  EXPECT_EQ(l.tick(0, at(1.01), &leap), LeapAction::kNone);
  EXPECT_FALSE(l.passed());
}

TEST(LeapSecond, AStepBeforeTheLeapLeavesItAtMidnight) {
  LeapSecond l(LeapMode::kStep);
  int leap = 0;
  EXPECT_EQ(l.tick(1, at(-3600), &leap), LeapAction::kNone);
  l.clock_stepped(0.4);  // makestep an hour before: the clock now reads UTC
  EXPECT_NEAR(l.seconds_until_due(at(-3600)), 3600, 1e-6);
  EXPECT_EQ(l.tick(1, at(-0.001), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(0, at(0.0), &leap), LeapAction::kStep);
  EXPECT_EQ(leap, 1);
}

TEST(LeapSecond, DeletionActsAt235959) {
  LeapSecond l(LeapMode::kSlew);
  int leap = 0;
  EXPECT_EQ(l.tick(2, at(-1.001), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(2, at(-1.0), &leap), LeapAction::kSlew);
  EXPECT_EQ(leap, -1);
  // Slewed, not stepped: the clock is a second behind and reads the leap day for a while.
  EXPECT_EQ(l.tick(2, at(1.5), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(2, at(-0.5 + 3), &leap), LeapAction::kNone);
}

TEST(LeapSecond, SystemModeIsInProgressFromHalfASecondBefore) {
  LeapSecond l(LeapMode::kSystem);
  int leap = 0;
  EXPECT_EQ(l.tick(1, at(-10), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(1, at(-0.6), &leap), LeapAction::kNone);
  EXPECT_EQ(l.tick(1, at(-0.5), &leap), LeapAction::kWaitKernel);
  EXPECT_TRUE(l.in_progress(at(1.4)));
  EXPECT_FALSE(l.in_progress(at(1.6)));
}

TEST(LeapSecond, IgnoreModeSaysSoAtTheLeap) {
  LeapSecond l(LeapMode::kIgnore);
  int leap = 0;
  l.tick(1, at(-100), &leap);
  EXPECT_EQ(l.tick(1, at(0.2), &leap), LeapAction::kIgnore);
}

TEST(LeapSecond, AnnouncementWithdrawnBeforeTheLeapCancelsIt) {
  LeapSecond l(LeapMode::kStep);
  int leap = 0;
  l.tick(1, at(-3600), &leap);
  EXPECT_EQ(l.scheduled(), kMidnight);
  l.tick(0, at(-600), &leap);
  EXPECT_EQ(l.scheduled(), 0);
  EXPECT_LT(l.seconds_until_due(at(-600)), 0);
  EXPECT_EQ(l.tick(0, at(0.1), &leap), LeapAction::kNone);
  EXPECT_FALSE(l.passed());
}

TEST(LeapSecond, CloseToTheLeapAWithdrawalNoLongerCounts) {
  LeapSecond l(LeapMode::kStep);
  int leap = 0;
  l.tick(1, at(-3600), &leap);
  l.tick(0, at(-2), &leap);  // within 5 s: as chronyd's REF_IsLeapSecondClose
  EXPECT_EQ(l.tick(0, at(0.0), &leap), LeapAction::kStep);
}

}  // namespace
}  // namespace chronon::ctl
