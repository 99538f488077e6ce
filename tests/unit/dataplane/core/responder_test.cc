// Tests for reply construction: field values as chronyd sends them.
#include "dataplane/core/responder.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/core/ntp_test_util.h"

namespace chronon::dp {
namespace {

using testing::field32;
using testing::field64;
using testing::request;

ServerState local_state() {
  ServerState s;
  s.leap = kLeapNone;
  s.stratum = 10;
  s.precision = -23;
  s.min_poll = -128;
  s.refid = kRefidLocal;
  s.root_delay = ts::NtpShort{0x12};
  s.root_dispersion = ts::NtpShort{0x34};
  s.reference_time = ts::NtpTimestamp::from_parts(3000000000u, 0);
  return s;
}

TEST(Responder, ReplyCarriesServerStateAndRequestVersion) {
  for (uint8_t v = 1; v <= 4; ++v) {
    auto p = request(v, NtpMode::kClient, 0xAAAABBBBCCCCDDDDULL, 7);
    const NtpParse parsed = parse_request(p.data(), p.size(), 40000);
    ASSERT_EQ(parsed.drop, NtpDrop::kNone);
    const auto rx = ts::NtpTimestamp::from_parts(3000000100u, 0x40000000u);
    ASSERT_EQ(build_reply(p.data(), parsed.req, local_state(), rx, 0), kNtpHeaderLen);
    set_transmit(p.data(), ts::NtpTimestamp::from_parts(3000000100u, 0x50000000u), -23, 0);
    EXPECT_EQ(lvm_version(p[0]), v);
    EXPECT_EQ(lvm_mode(p[0]), NtpMode::kServer);
    EXPECT_EQ(lvm_leap(p[0]), kLeapNone);
    EXPECT_EQ(p[1], 10);
    EXPECT_EQ(static_cast<int8_t>(p[2]), 7);
    EXPECT_EQ(static_cast<int8_t>(p[3]), -23);
    EXPECT_EQ(field32(p.data(), 4), 0x12u);
    EXPECT_EQ(field32(p.data(), 8), 0x34u);
    EXPECT_EQ(field32(p.data(), 12), kRefidLocal);
    EXPECT_EQ(field64(p.data(), 16), ts::NtpTimestamp::from_parts(3000000000u, 0).raw);
    EXPECT_EQ(field64(p.data(), 24), 0xAAAABBBBCCCCDDDDULL);  // origin = client transmit
    EXPECT_EQ(field64(p.data(), 32) >> 32, 3000000100u);
    EXPECT_EQ(field64(p.data(), 40) >> 32, 3000000100u);
  }
}

TEST(Responder, PollIsRaisedToTheRateLimitInterval) {
  auto p = request(4, NtpMode::kClient, 1, 2);
  ServerState s = local_state();
  s.min_poll = 4;
  build_reply(p.data(), parse_request(p.data(), p.size(), 1).req, s, ts::NtpTimestamp{}, 0);
  EXPECT_EQ(p[2], 4);
}

TEST(Responder, ReceiveOddTransmitEvenLikeChronyd) {
  auto p = request();
  const auto req = parse_request(p.data(), p.size(), 1).req;
  build_reply(p.data(), req, local_state(), ts::NtpTimestamp::from_parts(5, 0x100), 0);
  set_transmit(p.data(), ts::NtpTimestamp::from_parts(5, 0x201), -23, 0);
  EXPECT_EQ(field64(p.data(), 32) & 1, 1u);
  EXPECT_EQ(field64(p.data(), 40) & 1, 0u);
}

TEST(Responder, RandomFuzzStaysBelowPrecision) {
  const uint32_t mask = fuzz_mask(-20);
  EXPECT_EQ(mask, (1u << 12) - 1);
  auto p = request();
  const auto req = parse_request(p.data(), p.size(), 1).req;
  const auto rx = ts::NtpTimestamp::from_parts(7, 0x12345000u);
  ServerState s = local_state();
  s.precision = -20;
  build_reply(p.data(), req, s, rx, ~0ULL);
  EXPECT_EQ(field64(p.data(), 32) & ~uint64_t{mask}, rx.raw);
}

TEST(Responder, TransmitNeverEqualsOrigin) {
  auto p = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(9, 0x1000).raw);
  const auto req = parse_request(p.data(), p.size(), 1).req;
  build_reply(p.data(), req, local_state(), ts::NtpTimestamp::from_parts(8, 0), 0);
  set_transmit(p.data(), ts::NtpTimestamp::from_parts(9, 0x1000), -32, 0);
  EXPECT_NE(field64(p.data(), 40), field64(p.data(), 24));
}

TEST(Responder, UnsynchronisedStateMatchesChronyd) {
  const ServerState s = unsynchronised_state(-24);
  EXPECT_EQ(s.leap, kLeapUnsynchronised);
  EXPECT_EQ(s.stratum, 0);
  EXPECT_EQ(s.refid, 0u);
  EXPECT_EQ(s.root_delay.raw, 0x10000u);
  EXPECT_EQ(s.root_dispersion.raw, 0x10000u);
  EXPECT_TRUE(s.reference_time.is_zero());
}

}  // namespace
}  // namespace chronon::dp
