// Tests for the served state's leap rule: the sources' leap second only on its possible days.
#include "control/server_state_source.h"

#include <gtest/gtest.h>

#include "dataplane/shared/server_state.h"

namespace chronon::ctl {
namespace {

timespec utc(time_t unix_s) { return timespec{unix_s, 0}; }

TEST(LeapOnDay, InsertOrDeleteOnlyOnTheLastDayOfJuneOrDecember) {
  const time_t june30 = 1814313600;      // 2027-06-30 00:00:00 UTC
  const time_t december31 = 1830211200;  // 2027-12-31 00:00:00 UTC
  for (const uint8_t leap : {dp::kLeapInsert, dp::kLeapDelete}) {
    EXPECT_EQ(leap_on_day(leap, utc(june30)), leap);
    EXPECT_EQ(leap_on_day(leap, utc(june30 + 86399)), leap);  // 23:59:59
    EXPECT_EQ(leap_on_day(leap, utc(december31 + 43200)), leap);
    EXPECT_EQ(leap_on_day(leap, utc(june30 - 1)), dp::kLeapNone);      // June 29
    EXPECT_EQ(leap_on_day(leap, utc(june30 + 86400)), dp::kLeapNone);  // July 1, after it
    EXPECT_EQ(leap_on_day(leap, utc(1800000000)), dp::kLeapNone);      // January 15
    EXPECT_EQ(leap_on_day(leap, utc(1811808000)), dp::kLeapNone);      // 2027-06-01
  }
}

TEST(LeapOnDay, NoneAndUnsynchronisedPassUnchanged) {
  EXPECT_EQ(leap_on_day(dp::kLeapNone, utc(1800000000)), dp::kLeapNone);
  EXPECT_EQ(leap_on_day(dp::kLeapUnsynchronised, utc(1800000000)), dp::kLeapUnsynchronised);
}

}  // namespace
}  // namespace chronon::ctl
