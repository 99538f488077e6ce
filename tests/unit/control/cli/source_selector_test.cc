// Tests for chronyc's source selector argument: every form, and what is refused.
#include "control/cli/source_selector.h"

#include <gtest/gtest.h>

namespace chronon::ctl {
namespace {

TEST(SourceSelector, NoneSelectsEverySource) {
  candm::SourceSelector s;
  ASSERT_TRUE(parse_selector("", &s));
  EXPECT_EQ(s.mask.family, ReportAddress::Family::kUnspec);
  EXPECT_EQ(s.address.family, ReportAddress::Family::kUnspec);
}

TEST(SourceSelector, AddressSubnetAndMaskForms) {
  candm::SourceSelector s;
  ASSERT_TRUE(parse_selector("192.0.2.7", &s));
  EXPECT_EQ(s.address.text(), "192.0.2.7");
  EXPECT_EQ(s.mask.text(), "255.255.255.255");
  ASSERT_TRUE(parse_selector("10.1.0.0/20", &s));
  EXPECT_EQ(s.address.text(), "10.1.0.0");
  EXPECT_EQ(s.mask.text(), "255.255.240.0");
  ASSERT_TRUE(parse_selector("255.255.0.0/10.1.0.0", &s));
  EXPECT_EQ(s.mask.text(), "255.255.0.0");
  EXPECT_EQ(s.address.text(), "10.1.0.0");
  ASSERT_TRUE(parse_selector("fd00::/16", &s));
  EXPECT_EQ(s.mask.text(), "ffff::");
  ASSERT_TRUE(parse_selector("fd00::1", &s));
  EXPECT_EQ(s.mask.text(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(SourceSelector, RefusesHostNamesBadBitsAndMixedFamilies) {
  candm::SourceSelector s;
  for (const char* bad : {"ntp.example.net", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x",
                          "fd00::/129", "255.255.0.0/fd00::", "/8"}) {
    EXPECT_FALSE(parse_selector(bad, &s)) << bad;
  }
}

}  // namespace
}  // namespace chronon::ctl
