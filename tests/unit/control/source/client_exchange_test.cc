// Tests for the client side of an NTP exchange: offset/delay arithmetic and chrony's tests.
#include "control/source/client_exchange.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "dataplane/core/ntp_packet.h"

namespace chronon::ctl {
namespace {

constexpr timespec kT1{1800000000, 0};  // our transmit time

timespec at(double rel_s) {
  const auto ns = static_cast<long long>(rel_s * 1e9);
  return ts::from_nanos(ts::to_nanos(kT1) + ts::Nanos(ns));
}

struct Reply {
  uint8_t leap = 0, stratum = 2;
  uint32_t refid = 0x0A000001;
  double root_delay_s = 0.001, root_disp_s = 0.002;
  double t2 = 0.0105, t3 = 0.0106;  // server times, relative to kT1
  bool zero_rx = false;
  std::vector<uint8_t> bytes(const uint8_t* req) const {
    std::vector<uint8_t> p(48, 0);
    p[0] = dp::make_lvm(leap, 4, dp::NtpMode::kServer);
    p[1] = stratum;
    p[3] = static_cast<uint8_t>(-20);
    auto put32 = [&](int off, uint32_t v) { v = htobe32(v); std::memcpy(&p[off], &v, 4); };
    auto put_ts = [&](int off, timespec t) {
      const uint64_t w = ts::to_wire(ts::to_ntp(t));
      std::memcpy(&p[off], &w, 8);
    };
    put32(4, ts::to_short(ts::Nanos(static_cast<long long>(root_delay_s * 1e9))).raw);
    put32(8, ts::to_short(ts::Nanos(static_cast<long long>(root_disp_s * 1e9))).raw);
    put32(12, refid);
    put_ts(16, at(-10));
    std::memcpy(&p[24], req + 40, 8);
    put_ts(32, at(t2));
    put_ts(40, at(t3));
    if (zero_rx) std::memset(&p[32], 0, 8);
    return p;
  }
};

TEST(ClientExchange, RequestIsMode3Version4WithTheCookieAsTransmitTimestamp) {
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  ASSERT_EQ(x.make_request(req, 6, 0x1122334455667788ULL, kT1), 48u);
  EXPECT_EQ(dp::lvm_mode(req[0]), dp::NtpMode::kClient);
  EXPECT_EQ(dp::lvm_version(req[0]), 4);
  EXPECT_EQ(req[2], 6);
  uint64_t tx;
  std::memcpy(&tx, req + 40, 8);
  EXPECT_EQ(be64toh(tx), 0x1122334455667788ULL);
  for (int i = 16; i < 40; ++i) EXPECT_EQ(req[i], 0) << i;  // nothing about our clock leaks
  EXPECT_TRUE(x.outstanding());
}

TEST(ClientExchange, OffsetAndDelayFromTheFourTimestamps) {
  // Server 10 ms ahead, 1 ms each way, 100 us in the server: T2 = 0.001 + 0.010,
  // T3 = T2 + 0.0001, T4 = 0.0021 (our clock).
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  Reply r;
  r.t2 = 0.011;
  r.t3 = 0.0111;
  const auto p = r.bytes(req);
  const ReplyResult res = x.process_reply(p.data(), p.size(), at(0.0021), -20, ReplyLimits{});
  ASSERT_EQ(res.verdict, ReplyVerdict::kOk) << reply_verdict_name(res.verdict);
  EXPECT_NEAR(res.sample.offset_s, -0.010, 1e-8);  // we are 10 ms behind
  EXPECT_NEAR(res.sample.delay_s, 0.002, 1e-8);
  EXPECT_NEAR(res.sample.root_delay_s, 0.003, 2e-5);  // NTP short format: 15 us steps
  EXPECT_GT(res.sample.root_dispersion_s, 0.002);
  EXPECT_EQ(res.sample.stratum, 2);
  EXPECT_EQ(res.sample.refid, 0x0A000001u);
  EXPECT_EQ(res.tests_passed, 0x3ff);
  EXPECT_FALSE(x.outstanding());
}

TEST(ClientExchange, DelayIsTheAbsoluteDifferenceAsInChronyd) {
  // The server counts 3.1 ms between receive and transmit while we saw 2.1 ms go by (its
  // clock slewing fast): the delay is 1 ms, not a clamp to the precision that would make
  // this the most trusted sample of all.
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  Reply r;
  r.t2 = 0.0105;
  r.t3 = 0.0136;
  const auto p = r.bytes(req);
  const ReplyResult res = x.process_reply(p.data(), 48, at(0.0021), -20, ReplyLimits{});
  ASSERT_EQ(res.verdict, ReplyVerdict::kOk) << reply_verdict_name(res.verdict);
  EXPECT_NEAR(res.sample.delay_s, 0.001, 1e-8);
}

TEST(ClientExchange, WrongOriginIsBogusAndKeepsWaitingForTheRealReply) {
  ClientExchange x;
  uint8_t req[kNtpRequestLen], other[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  ClientExchange y;
  y.make_request(other, 6, 43, kT1);
  const auto spoofed = Reply{}.bytes(other);
  EXPECT_EQ(x.process_reply(spoofed.data(), 48, at(0.002), -20, {}).verdict,
            ReplyVerdict::kBogus);
  const auto real = Reply{}.bytes(req);
  EXPECT_EQ(x.process_reply(real.data(), 48, at(0.002), -20, {}).verdict, ReplyVerdict::kOk);
}

TEST(ClientExchange, SecondCopyIsNotExpectedAndRepeatedTransmitIsDuplicate) {
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  const auto p = Reply{}.bytes(req);
  EXPECT_EQ(x.process_reply(p.data(), 48, at(0.002), -20, {}).verdict, ReplyVerdict::kOk);
  EXPECT_EQ(x.process_reply(p.data(), 48, at(0.003), -20, {}).verdict,
            ReplyVerdict::kNotExpected);
  // A new request answered with the old server transmit timestamp: test 1.
  x.make_request(req, 6, 44, kT1);
  const auto again = Reply{}.bytes(req);
  EXPECT_EQ(x.process_reply(again.data(), 48, at(0.002), -20, {}).verdict,
            ReplyVerdict::kDuplicate);
}

TEST(ClientExchange, KissCodesAreRecognised) {
  const std::pair<uint32_t, KissCode> cases[] = {{0x52415445, KissCode::kRate},
                                                 {0x44454E59, KissCode::kDeny},
                                                 {0x52535452, KissCode::kRstr},
                                                 {0x494E4954, KissCode::kOther}};
  for (const auto& [code, kiss] : cases) {
    ClientExchange x;
    uint8_t req[kNtpRequestLen];
    x.make_request(req, 6, 42, kT1);
    Reply r;
    r.stratum = 0;
    r.leap = 3;
    r.refid = code;
    const auto p = r.bytes(req);
    const ReplyResult res = x.process_reply(p.data(), 48, at(0.002), -20, {});
    EXPECT_EQ(res.verdict, ReplyVerdict::kKissOfDeath);
    EXPECT_EQ(res.kiss, kiss);
  }
}

TEST(ClientExchange, StratumZeroWithoutLeap3IsUnsynchronisedNotAKiss) {
  // chronyd recognises a kiss code only with leap 3; stratum 0 otherwise fails test 6.
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  Reply r;
  r.stratum = 0;
  r.refid = 0x44454E59;  // "DENY"
  const auto p = r.bytes(req);
  const ReplyResult res = x.process_reply(p.data(), 48, at(0.002), -20, {});
  EXPECT_EQ(res.verdict, ReplyVerdict::kUnsynchronised) << reply_verdict_name(res.verdict);
  EXPECT_EQ(res.kiss, KissCode::kNone);
}

TEST(ClientExchange, KissWithZeroTimestampsIsInvalid) {
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  Reply r;
  r.stratum = 0;
  r.leap = 3;
  r.refid = 0x52415445;  // "RATE"
  r.zero_rx = true;
  const auto p = r.bytes(req);
  EXPECT_EQ(x.process_reply(p.data(), 48, at(0.002), -20, {}).verdict, ReplyVerdict::kInvalid);
}

TEST(ClientExchange, BadRepliesGetTheirTest) {
  struct Case {
    const char* what;
    Reply r;
    ReplyLimits lim;
    ReplyVerdict want;
  };
  Reply unsync;
  unsync.leap = 3;
  Reply s16;
  s16.stratum = 16;
  Reply far;
  far.root_disp_s = 5.0;
  Reply zero_rx;
  zero_rx.zero_rx = true;
  Reply backwards;
  backwards.t3 = backwards.t2 - 0.001;
  ReplyLimits tight;
  tight.max_delay_s = 0.0001;
  ReplyLimits ratio;
  ratio.max_delay_ratio = 2.0;
  ratio.min_delay_seen_s = 0.0005;
  const Case cases[] = {
      {"leap 3", unsync, {}, ReplyVerdict::kUnsynchronised},
      {"stratum 16", s16, {}, ReplyVerdict::kUnsynchronised},
      {"root distance", far, {}, ReplyVerdict::kBadHeader},
      {"zero receive timestamp", zero_rx, {}, ReplyVerdict::kInvalid},
      {"server time backwards", backwards, {}, ReplyVerdict::kInvalid},
      {"maxdelay", Reply{}, tight, ReplyVerdict::kBadDelay},
      {"maxdelayratio", Reply{}, ratio, ReplyVerdict::kBadDelay},
  };
  for (const auto& c : cases) {
    ClientExchange x;
    uint8_t req[kNtpRequestLen];
    x.make_request(req, 6, 42, kT1);
    const auto p = c.r.bytes(req);
    EXPECT_EQ(x.process_reply(p.data(), 48, at(0.0021), -20, c.lim).verdict, c.want) << c.what;
  }
}

// A server that answers interleaved requests as chronyd does: origin = the request's receive
// field, transmit = the exact transmit time of its previous reply to us.
struct InterleavedServer {
  double offset = 0.010;  // the server is 10 ms ahead
  timespec prev_tx{};
  ts::NtpTimestamp prev_rx{};
  std::vector<uint8_t> answer(const uint8_t* req, double t_arrive, double t_send) {
    std::vector<uint8_t> p(48, 0);
    p[0] = dp::make_lvm(0, 4, dp::NtpMode::kServer);
    p[1] = 2;
    p[3] = static_cast<uint8_t>(-20);
    const timespec rx = at(t_arrive + offset), tx = at(t_send + offset);
    uint64_t org;
    std::memcpy(&org, req + 24, 8);
    const bool interleaved = !prev_rx.is_zero() && ts::timestamp_from_wire(org) == prev_rx;
    if (interleaved) {
      std::memcpy(&p[24], req + 32, 8);  // origin = request's receive field
    } else {
      std::memcpy(&p[24], req + 40, 8);  // basic: origin = request's transmit field
    }
    const uint64_t rec = ts::to_wire(ts::to_ntp(rx));
    std::memcpy(&p[32], &rec, 8);
    const uint64_t xmt = ts::to_wire(ts::to_ntp(interleaved ? prev_tx : tx));
    std::memcpy(&p[40], &xmt, 8);
    prev_rx = ts::to_ntp(rx);
    prev_tx = tx;  // its "exact" transmit time, known after sending
    return p;
  }
};

TEST(ClientExchange, XleaveGetsInterleavedRepliesThatFinishThePreviousExchange) {
  ClientExchange x(true);
  InterleavedServer srv;
  uint8_t req[kNtpRequestLen];
  // Exchange 1 is basic (nothing to interleave yet); from exchange 2 on the replies are
  // interleaved and each gives the previous exchange's sample.
  for (int n = 0; n < 4; ++n) {
    const double t = n * 16.0;
    x.make_request(req, 4, 1000 + n, at(t));
    const auto p = srv.answer(req, t + 0.001, t + 0.0012);
    const ReplyResult r = x.process_reply(p.data(), 48, at(t + 0.0022), -20, {});
    ASSERT_EQ(r.verdict, ReplyVerdict::kOk) << n << " " << reply_verdict_name(r.verdict);
    EXPECT_EQ(r.interleaved, n > 0) << n;
    EXPECT_NEAR(r.sample.offset_s, -0.010, 1e-8) << n;
    EXPECT_NEAR(r.sample.delay_s, 0.002, 1e-8) << n;
    if (n > 0) {
      EXPECT_EQ(r.sample.local_time.tv_sec, at((n - 1) * 16.0 + 0.0011).tv_sec);
    }
  }
}

TEST(ClientExchange, WithoutXleaveRequestsCarryNoOriginOrReceive) {
  ClientExchange x(false);
  InterleavedServer srv;
  uint8_t req[kNtpRequestLen];
  for (int n = 0; n < 2; ++n) {
    x.make_request(req, 4, 1000 + n, at(n));
    for (int i = 24; i < 40; ++i) EXPECT_EQ(req[i], 0);
    const auto p = srv.answer(req, n + 0.001, n + 0.0012);
    const ReplyResult r = x.process_reply(p.data(), 48, at(n + 0.0022), -20, {});
    EXPECT_FALSE(r.interleaved);
  }
}

TEST(ClientExchange, TruncatedOrWrongModeIsMalformed) {
  ClientExchange x;
  uint8_t req[kNtpRequestLen];
  x.make_request(req, 6, 42, kT1);
  auto p = Reply{}.bytes(req);
  EXPECT_EQ(x.process_reply(p.data(), 47, at(0.002), -20, {}).verdict, ReplyVerdict::kMalformed);
  p[0] = dp::make_lvm(0, 4, dp::NtpMode::kClient);
  EXPECT_EQ(x.process_reply(p.data(), 48, at(0.002), -20, {}).verdict, ReplyVerdict::kMalformed);
  EXPECT_TRUE(x.outstanding());
}

}  // namespace
}  // namespace chronon::ctl
