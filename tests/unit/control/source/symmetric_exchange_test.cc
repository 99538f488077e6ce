// Tests for symmetric mode: two exchanges talking to each other measure each other, the
// packets carry our server state, and replays, spoofs and restarts are handled.
#include "control/source/symmetric_exchange.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/core/ntp_packet.h"

namespace chronon::ctl {
namespace {

timespec at(double s) {
  return ts::from_nanos(ts::Nanos(1800000000LL * 1000000000LL + static_cast<long long>(s * 1e9)));
}

dp::ServerState state(int stratum, uint32_t refid) {
  dp::ServerState s;
  s.leap = 0;
  s.stratum = static_cast<uint8_t>(stratum);
  s.precision = -20;
  s.refid = refid;
  s.root_delay = ts::to_short(std::chrono::microseconds(300));
  s.root_dispersion = ts::to_short(std::chrono::microseconds(200));
  s.reference_time = ts::to_ntp(at(-5));
  return s;
}

// A's clock is `skew` seconds ahead of B's; 1 ms each way.
struct Pair {
  SymmetricExchange a, b;
  double skew = 0.004;
  uint8_t pkt[48];
  ReplyResult a_to_b(double t_true) {  // A sends at true time t, B receives 1 ms later
    a.make_packet(pkt, 4, 4, state(3, 0x0A000001), at(t_true + skew));
    return b.process_packet(pkt, 48, at(t_true + 0.001), -20, {});
  }
  ReplyResult b_to_a(double t_true) {
    b.make_packet(pkt, 4, 4, state(5, 0x0A000002), at(t_true));
    return a.process_packet(pkt, 48, at(t_true + 0.001 + skew), -20, {});
  }
};

TEST(SymmetricExchange, PacketIsMode1AndCarriesOurServerState) {
  SymmetricExchange x;
  uint8_t p[48];
  ASSERT_EQ(x.make_packet(p, 6, 4, state(3, 0x0A000001), at(0)), 48u);
  EXPECT_EQ(dp::lvm_mode(p[0]), dp::NtpMode::kSymmetricActive);
  EXPECT_EQ(p[1], 3);
  EXPECT_EQ(p[2], 6);
  uint32_t refid;
  std::memcpy(&refid, p + 12, 4);
  EXPECT_EQ(be32toh(refid), 0x0A000001u);
  uint64_t org;
  std::memcpy(&org, p + 24, 8);
  EXPECT_EQ(org, 0u);  // nothing received from the peer yet
}

TEST(SymmetricExchange, EachSideMeasuresTheOther) {
  Pair p;
  // The first packet only primes B (its origin is zero: nothing of B's to answer).
  EXPECT_EQ(p.a_to_b(0).verdict, ReplyVerdict::kBogus);
  const ReplyResult at_a = p.b_to_a(0.5);  // answers A's packet: a sample for A
  ASSERT_EQ(at_a.verdict, ReplyVerdict::kOk) << reply_verdict_name(at_a.verdict);
  EXPECT_NEAR(at_a.sample.offset_s, 0.004, 1e-8);  // A is ahead of B by 4 ms
  EXPECT_NEAR(at_a.sample.delay_s, 0.002, 1e-8);
  EXPECT_EQ(at_a.sample.stratum, 5);
  const ReplyResult at_b = p.a_to_b(1.0);
  ASSERT_EQ(at_b.verdict, ReplyVerdict::kOk) << reply_verdict_name(at_b.verdict);
  EXPECT_NEAR(at_b.sample.offset_s, -0.004, 1e-8);
  EXPECT_EQ(at_b.sample.stratum, 3);
}

TEST(SymmetricExchange, ReplayedPacketIsADuplicate) {
  Pair p;
  p.a_to_b(0);
  p.b_to_a(0.5);
  p.a.make_packet(p.pkt, 4, 4, state(3, 1), at(1.0));
  uint8_t copy[48];
  std::memcpy(copy, p.pkt, 48);
  EXPECT_EQ(p.b.process_packet(p.pkt, 48, at(1.001), -20, {}).verdict, ReplyVerdict::kOk);
  EXPECT_EQ(p.b.process_packet(copy, 48, at(1.002), -20, {}).verdict, ReplyVerdict::kDuplicate);
}

TEST(SymmetricExchange, PacketNotAnsweringOurLatestIsBogusButResynchronises) {
  Pair p;
  p.a_to_b(0);
  p.b_to_a(0.5);
  // A restarted: its next packet echoes nothing B sent (origin zero): bogus for B, but B
  // takes its transmit time, so the exchange after that works again.
  SymmetricExchange restarted;
  restarted.make_packet(p.pkt, 4, 4, state(3, 1), at(2.0 + p.skew));
  EXPECT_EQ(p.b.process_packet(p.pkt, 48, at(2.001), -20, {}).verdict, ReplyVerdict::kBogus);
  p.a = restarted;
  EXPECT_EQ(p.b_to_a(2.5).verdict, ReplyVerdict::kOk);
}

TEST(SymmetricExchange, CancelledAfterAStepGivesNoSample) {
  Pair p;
  p.a_to_b(0);
  p.a.cancel();
  EXPECT_EQ(p.b_to_a(0.5).verdict, ReplyVerdict::kBogus);
}

TEST(SymmetricExchange, PeerSynchronisedToUsFailsTestD) {
  Pair p;
  p.a_to_b(0);
  p.b.make_packet(p.pkt, 4, 4, state(4, 0x0A000001), at(0.5));  // B follows A
  ReplyLimits lim;
  lim.own_refids = {0x0A000001};
  const ReplyResult r = p.a.process_packet(p.pkt, 48, at(0.5 + 0.001 + p.skew), -20, lim);
  EXPECT_EQ(r.verdict, ReplyVerdict::kSyncLoop);
  EXPECT_FALSE(r.tests_passed & (1 << 9));
}

TEST(SymmetricExchange, ClientModeAndTruncatedPacketsAreMalformed) {
  SymmetricExchange x;
  uint8_t p[48] = {};
  p[0] = dp::make_lvm(0, 4, dp::NtpMode::kClient);
  p[40] = 1;
  EXPECT_EQ(x.process_packet(p, 48, at(0), -20, {}).verdict, ReplyVerdict::kMalformed);
  p[0] = dp::make_lvm(0, 4, dp::NtpMode::kSymmetricActive);
  EXPECT_EQ(x.process_packet(p, 47, at(0), -20, {}).verdict, ReplyVerdict::kMalformed);
  p[40] = 0;
  EXPECT_EQ(x.process_packet(p, 48, at(0), -20, {}).verdict, ReplyVerdict::kInvalid);
}

}  // namespace
}  // namespace chronon::ctl
