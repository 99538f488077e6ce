// Tests for SO_TIMESTAMPING parsing: software and raw hardware stamps, other messages ignored,
// a short message yields nothing instead of reading past its end.
#include "timestamping/so_timestamping.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstring>

namespace chronon::ts {
namespace {

struct Control {
  alignas(cmsghdr) unsigned char buf[CMSG_SPACE(sizeof(scm_timestamping))] = {};
  cmsghdr* header() { return reinterpret_cast<cmsghdr*>(buf); }
};

Control make(int level, int type, const scm_timestamping& t, size_t len = sizeof(scm_timestamping)) {
  Control c;
  c.header()->cmsg_level = level;
  c.header()->cmsg_type = type;
  c.header()->cmsg_len = CMSG_LEN(len);
  std::memcpy(CMSG_DATA(c.header()), &t, sizeof t);
  return c;
}

TEST(SoTimestamping, SoftwareAndHardware) {
  scm_timestamping t{};
  t.ts[0] = {100, 5};
  t.ts[2] = {37, 9};
  Control c = make(SOL_SOCKET, SO_TIMESTAMPING, t);
  RxTimestamps out;
  ASSERT_TRUE(parse_so_timestamping(c.header(), &out));
  EXPECT_TRUE(out.has_software);
  EXPECT_EQ(out.software.tv_sec, 100);
  EXPECT_EQ(out.software.tv_nsec, 5);
  EXPECT_TRUE(out.has_hardware);
  EXPECT_EQ(out.hardware.tv_sec, 37);
}

TEST(SoTimestamping, SoftwareOnly) {
  scm_timestamping t{};
  t.ts[0] = {100, 5};
  Control c = make(SOL_SOCKET, SO_TIMESTAMPING, t);
  RxTimestamps out;
  ASSERT_TRUE(parse_so_timestamping(c.header(), &out));
  EXPECT_TRUE(out.has_software);
  EXPECT_FALSE(out.has_hardware);
}

TEST(SoTimestamping, OtherMessagesAndShortOnesGiveNothing) {
  scm_timestamping t{};
  t.ts[0] = {100, 5};
  RxTimestamps out;
  Control other = make(IPPROTO_IP, IP_PKTINFO, t);
  EXPECT_FALSE(parse_so_timestamping(other.header(), &out));
  Control shorter = make(SOL_SOCKET, SO_TIMESTAMPING, t, sizeof(timespec));
  EXPECT_TRUE(parse_so_timestamping(shorter.header(), &out));
  EXPECT_FALSE(out.has_software);
}

TEST(SoTimestamping, PktinfoGivesTheStampingDevice) {
  alignas(cmsghdr) unsigned char buf[CMSG_SPACE(sizeof(scm_ts_pktinfo))] = {};
  auto* c = reinterpret_cast<cmsghdr*>(buf);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_TIMESTAMPING_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(scm_ts_pktinfo));
  scm_ts_pktinfo info{};
  info.if_index = 7;
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  RxTimestamps out;
  ASSERT_TRUE(parse_so_timestamping(c, &out));
  EXPECT_EQ(out.hw_ifindex, 7);
  EXPECT_FALSE(out.has_hardware);
}

}  // namespace
}  // namespace chronon::ts
