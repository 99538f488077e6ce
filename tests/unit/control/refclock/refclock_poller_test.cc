// Tests for a reference clock's schedule and samples, and the PHC device parameter.
#include "control/refclock/refclock_poller.h"

#include <gtest/gtest.h>

#include "control/refclock/phc_refclock.h"

namespace chronon::ctl {
namespace {

RefclockConfig phc(int poll = 2, int dpoll = 0) {
  RefclockConfig c;
  c.driver = "PHC";
  c.parameter = "/dev/ptp1";
  c.poll = poll;
  c.dpoll = dpoll;
  c.where = {"t.conf", 7};
  return c;
}

TEST(RefclockPoller, ReadsEveryDpollAndPollsEveryPoll) {
  RefclockPoller p(phc(2, 0), -20, 100.0);
  EXPECT_TRUE(p.reading_due(100.0));
  std::optional<NtpSample> s;
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE(p.reading_due(100.0 + t));
    // The reference is 3 us ahead of us.
    p.add_reading(timespec{1800000000 + t, 0}, 3e-6, 1e-7, 100.0 + t);
    EXPECT_FALSE(p.reading_due(100.0 + t));
    EXPECT_FALSE(p.poll_due(100.0 + t, &s));
  }
  ASSERT_TRUE(p.poll_due(104.0, &s));
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->offset_s, -3e-6, 1e-12);  // our clock minus the reference
  EXPECT_EQ(s->stratum, 0);
  EXPECT_EQ(s->refid, 0x50484331u);  // "PHC1"
  EXPECT_DOUBLE_EQ(s->root_delay_s, 1e-9);
  // Nothing read during the next poll: a poll without a sample.
  EXPECT_TRUE(p.poll_due(108.0, &s));
  EXPECT_FALSE(s);
}

TEST(RefclockPoller, RefidOptionWins) {
  RefclockConfig c = phc();
  c.refid = "GPS";
  EXPECT_EQ(RefclockPoller::refid_of(c), 0x47505300u);
}

TEST(RefclockPoller, SourceConfigCarriesTheSelectionOptions) {
  RefclockConfig c = phc(3);
  c.prefer = c.trust = true;
  c.offset_s = 1e-6;
  const SourceConfig s = refclock_source_config(c);
  EXPECT_EQ(s.minpoll, 3);
  EXPECT_EQ(s.maxpoll, 3);
  EXPECT_TRUE(s.prefer);
  EXPECT_TRUE(s.trust);
  EXPECT_DOUBLE_EQ(s.offset, 1e-6);
}

TEST(PhcRefclock, DeviceParameterIsChecked) {
  EXPECT_EQ(phc_index_of(phc()), 1);
  RefclockConfig c = phc();
  c.parameter = "/dev/ptp0:extpps:pin=1";
  try {
    phc_index_of(c);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "t.conf:7: refclock PHC options after ':' (extpps:pin=1) are not implemented");
  }
  c.parameter = "/dev/pps0";
  EXPECT_THROW(phc_index_of(c), ConfigError);
  c.parameter = "/dev/ptp";
  EXPECT_THROW(phc_index_of(c), ConfigError);
}

TEST(PhcRefclock, MissingDeviceNamesTheLineAndDevice) {
  RefclockConfig c = phc();
  c.parameter = "/dev/ptp97";
  try {
    PhcRefclock r(c, 0, -20, 0.0);
    FAIL() << "opened /dev/ptp97";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t.conf:7: refclock PHC: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/dev/ptp97"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace chronon::ctl
