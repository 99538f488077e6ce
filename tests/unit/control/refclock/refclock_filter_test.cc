// Tests for the reference clock filter: outliers do not move the result, the time is the
// readings' mean time, an empty interval gives nothing.
#include "control/refclock/refclock_filter.h"

#include <gtest/gtest.h>

namespace chronon::ctl {
namespace {

RefclockRaw raw(long sec, double offset) { return RefclockRaw{timespec{sec, 0}, offset, 1e-7}; }

TEST(RefclockFilter, NothingReadGivesNothing) {
  RefclockFilter f(16);
  EXPECT_FALSE(f.take().has_value());
}

TEST(RefclockFilter, OutliersAreTrimmedAndTheMiddleAveraged) {
  RefclockFilter f(16);
  for (int i = 0; i < 8; ++i) f.add(raw(100 + i, 1e-6 * (i % 2 ? 1 : -1)));
  f.add(raw(108, 0.5));   // a delayed readout
  f.add(raw(109, -0.5));
  const auto s = f.take();
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset_s, 0.0, 2e-6);
  EXPECT_LT(s->dispersion_s, 1e-5);
  EXPECT_FALSE(f.take().has_value());  // consumed
}

TEST(RefclockFilter, TimeIsTheMeanTimeOfTheKeptReadings) {
  RefclockFilter f(16);
  for (int i = 0; i < 5; ++i) f.add(raw(100 + i, 0.0));
  const auto s = f.take();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->time.tv_sec, 102);
}

TEST(RefclockFilter, CapacityKeepsTheNewest) {
  RefclockFilter f(3);
  f.add(raw(1, 9.0));
  for (int i = 0; i < 3; ++i) f.add(raw(2 + i, 0.0));
  EXPECT_EQ(f.size(), 3u);
  EXPECT_NEAR(f.take()->offset_s, 0.0, 1e-12);
}

}  // namespace
}  // namespace chronon::ctl
