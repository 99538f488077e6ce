// Tests for the leap indicator from a leap table and the kernel arming that follows it.
#include "control/leap_source.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "control/server_state_source.h"
#include "timestamping/virtual_clock.h"

namespace chronon::ctl {
namespace {

constexpr const char* kRightUtc = "/usr/share/zoneinfo/right/UTC";

TEST(LeapSource, NoTableConfiguredIsInactive) {
  std::string error;
  LeapSource l(Config{}, &error);
  EXPECT_FALSE(l.active());
  EXPECT_TRUE(error.empty());
}

TEST(LeapSource, UnreadableTableIsAnErrorNamingItAndInactive) {
  Config cfg;
  cfg.leapseclist = "/nonexistent/leap-seconds.list";
  std::string error;
  LeapSource l(cfg, &error);
  EXPECT_FALSE(l.active());
  EXPECT_NE(error.find("/nonexistent/leap-seconds.list"), std::string::npos) << error;
  EXPECT_NE(error.find("from the sources instead"), std::string::npos) << error;
}

TEST(LeapSource, RightUtcAnnouncesTheLeapDuringItsLastDay) {
  if (!std::filesystem::exists(kRightUtc)) GTEST_SKIP() << "tzdata's right/UTC not installed";
  Config cfg;
  cfg.leapsectz = "right/UTC";
  std::string error;
  LeapSource l(cfg, &error);
  ASSERT_TRUE(l.active()) << error;
  EXPECT_EQ(l.leap_at(timespec{1483185600, 0}), 1);  // 2016-12-31 12:00 UTC
  EXPECT_EQ(l.leap_at(timespec{1483142400 - 1, 0}), 0);  // 2016-12-30 23:59:59
  EXPECT_EQ(l.leap_at(timespec{1483228800 + 60, 0}), 0);  // 2017-01-01
}

TEST(LeapSource, KernelIsArmedOnceAndDisarmedInSystemMode) {
  ts::SimulatedClock base(timespec{1483185600, 0});
  ts::VirtualClock vc(base);
  Config cfg;
  std::string error;
  LeapSource l(cfg, &error);
  EXPECT_NE(l.arm_kernel(vc, 1), "");
  EXPECT_EQ(vc.leap(), ts::KernelLeap::kInsert);
  EXPECT_EQ(l.arm_kernel(vc, 1), "");  // no change, nothing said
  EXPECT_NE(l.arm_kernel(vc, 0), "");
  EXPECT_EQ(vc.leap(), ts::KernelLeap::kNone);
  cfg.leapsecmode = "ignore";
  LeapSource ignore(cfg, &error);
  EXPECT_EQ(ignore.arm_kernel(vc, 2), "");
  EXPECT_EQ(vc.leap(), ts::KernelLeap::kNone);
}

TEST(ServerStateSource, TableLeapOverridesTheSourcesAndIsServedWithLocal) {
  ts::SimulatedClock clock(timespec{1483185600, 0});
  ServerStateSource synced(clock, LocalReference{}, 0);
  ReferenceUpdate ref;
  ref.ref_time = clock.now();
  ref.stratum = 2;
  ref.leap = 0;
  synced.set_synchronised(ref);
  EXPECT_EQ(synced.current().leap, 0);
  synced.set_table_leap(1);
  EXPECT_EQ(synced.current().leap, 1);
  ServerStateSource local(clock, LocalReference{true, 8, 1.0}, 0);
  local.set_table_leap(2);
  EXPECT_EQ(local.current().leap, 2);
  EXPECT_EQ(local.current().stratum, 8);
}

TEST(ServerStateSource, LocalTakesOverWhenTheRootDistanceGrowsPastDistance) {
  ts::SimulatedClock clock(timespec{1800000000, 0});
  ServerStateSource s(clock, LocalReference{true, 9, 0.01}, 0, 1.0);
  ReferenceUpdate ref;
  ref.ref_time = clock.now();
  ref.stratum = 3;
  ref.refid = 0x0A000001;
  ref.root_delay_s = 0.002;
  ref.root_dispersion_s = 0.001;
  ref.skew_ppm = 9.0;
  s.set_synchronised(ref);
  EXPECT_EQ(s.current().stratum, 3);
  // Dispersion grows by 10 ppm: 0.001 + 0.001 + t * 1e-5 > 0.01 after 800 s.
  clock.advance(std::chrono::seconds(700));
  EXPECT_EQ(s.current().stratum, 3);
  EXPECT_NEAR(s.root_dispersion_now_s(), 0.008, 1e-9);
  clock.advance(std::chrono::seconds(200));
  EXPECT_EQ(s.current().stratum, 9);
  EXPECT_TRUE(s.serving_local());
}

}  // namespace
}  // namespace chronon::ctl
