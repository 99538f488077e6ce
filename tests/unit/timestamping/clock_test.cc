// Tests for the clock implementations (the system clock is only read, never set).
#include "timestamping/clock.h"

#include <gtest/gtest.h>

namespace chronon::ts {
namespace {

TEST(SimulatedClock, AdvanceMovesBothClocks) {
  SimulatedClock c(timespec{1000, 0});
  c.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(c.now().tv_sec, 1001);
  EXPECT_EQ(c.now().tv_nsec, 500000000);
  EXPECT_EQ(to_nanos(c.monotonic()) - Nanos(1000000000), std::chrono::milliseconds(1500));
}

TEST(SimulatedClock, StepMovesOnlyRealtime) {
  SimulatedClock c(timespec{1000, 0});
  const timespec mono = c.monotonic();
  c.step_realtime(std::chrono::seconds(-10));
  EXPECT_EQ(c.now().tv_sec, 990);
  EXPECT_EQ(to_nanos(c.monotonic()), to_nanos(mono));
}

TEST(SystemClock, ReadsPlausibleTimeAndPrecision) {
  SystemClock c;
  EXPECT_GT(c.now().tv_sec, 1700000000);  // after 2023
  EXPECT_GE(c.precision_log2(), -30);
  EXPECT_LE(c.precision_log2(), -5);
}

TEST(SystemClock, ReadStateDoesNotFail) {
  SystemClock c;
  const KernelClockState s = c.read_state();
  EXPECT_GE(s.maxerror_us, 0);
}

}  // namespace
}  // namespace chronon::ts
