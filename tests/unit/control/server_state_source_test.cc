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

// leapsecmode's say on the indicator (leap_second.h): 3 during the leap while synchronised,
// and an insertion not served once it passed or while it is smeared.
TEST(ServerStateSource, LeapStatusOverridesTheAnnouncedLeap) {
  const time_t june30_noon = 1814313600 + 43200;
  ts::SimulatedClock clock(utc(june30_noon));
  ServerStateSource src(clock, LocalReference{}, -128);
  ReferenceUpdate ref;
  ref.ref_time = clock.now();
  ref.stratum = 2;
  ref.leap = dp::kLeapInsert;
  src.set_synchronised(ref);
  EXPECT_EQ(src.announced_leap(), dp::kLeapInsert);
  EXPECT_EQ(src.current().leap, dp::kLeapInsert);
  src.set_leap_status(ServerStateSource::LeapStatus::kInProgress);
  EXPECT_EQ(src.current().leap, dp::kLeapUnsynchronised);
  src.set_leap_status(ServerStateSource::LeapStatus::kSuppressed);
  EXPECT_EQ(src.current().leap, dp::kLeapNone);
  EXPECT_EQ(src.announced_leap(), dp::kLeapInsert);  // what leapsecmode acts on
  src.set_leap_status(ServerStateSource::LeapStatus::kNormal);
  EXPECT_EQ(src.current().leap, dp::kLeapInsert);
  // With a table and the local reference: suppressed too, but never "in progress" (3).
  ServerStateSource local(clock, LocalReference{true, 10, 1.0}, -128);
  local.set_table_leap(dp::kLeapDelete);
  EXPECT_EQ(local.current().leap, dp::kLeapDelete);
  local.set_leap_status(ServerStateSource::LeapStatus::kSuppressed);
  EXPECT_EQ(local.current().leap, dp::kLeapNone);
  local.set_leap_status(ServerStateSource::LeapStatus::kInProgress);
  EXPECT_EQ(local.current().leap, dp::kLeapDelete);
}

}  // namespace
}  // namespace chronon::ctl
