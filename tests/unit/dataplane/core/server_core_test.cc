// Tests for the per-worker pipeline: access list, counters, state refresh and holdover.
#include "dataplane/core/server_core.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>

#include <endian.h>

#include <cstring>
#include <memory>
#include <vector>

#include "tests/unit/dataplane/core/ntp_test_util.h"

namespace chronon::dp {
namespace {

using testing::request;

AccessTable allow_only(const char* subnet) {
  AccessTable t;
  // "all": allow without a subnet, every IPv4 and IPv6 address.
  AccessRuleSpec r = std::string_view(subnet) == "all"
                         ? AccessRuleSpec{true, false, IpPrefix{}, true}
                         : AccessRuleSpec{true, false, *parse_prefix(subnet)};
  EXPECT_TRUE(compile_access_table(&r, 1, &t));
  return t;
}

TEST(ServerCore, AllowedClientGetsReplyDeniedDoesNot) {
  PendingReply pending;
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_access(allow_only("10.0.0.0/8"));
  auto p = request();
  EXPECT_EQ(core.handle(p.data(), p.size(), *parse_ip("10.1.2.3"), 40000, {}, &pending), kNtpHeaderLen);
  auto q = request();
  EXPECT_EQ(core.handle(q.data(), q.size(), *parse_ip("192.168.1.1"), 40000, {}, &pending), 0u);
  EXPECT_EQ(core.counters().drops[static_cast<int>(NtpDrop::kDenied)], 1u);
  EXPECT_EQ(core.counters().replied, 1u);
}

// Every backend drops what the socket backend's receive buffer would truncate, before any
// other check (even from a denied source), as bad_length.
TEST(ServerCore, PayloadsLongerThanTheLongestRequestAreBadLength) {
  PendingReply pending;
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_access(allow_only("10.0.0.0/8"));
  std::vector<uint8_t> big(kMaxRequestLen + 4, 0);
  auto r = request();
  std::memcpy(big.data(), r.data(), r.size());
  EXPECT_EQ(core.handle(big.data(), big.size(), *parse_ip("10.1.2.3"), 40000, {}, &pending), 0u);
  EXPECT_EQ(core.handle(big.data(), big.size(), *parse_ip("192.0.2.1"), 40000, {}, &pending), 0u);
  EXPECT_EQ(core.counters().drops[static_cast<int>(NtpDrop::kBadLength)], 2u);
  EXPECT_EQ(core.counters().drops[static_cast<int>(NtpDrop::kDenied)], 0u);
  // At the limit it is parsed: 1024 - 48 zero bytes are a malformed extension field.
  big.resize(kMaxRequestLen);
  EXPECT_EQ(core.handle(big.data(), big.size(), *parse_ip("10.1.2.3"), 40000, {}, &pending), 0u);
  EXPECT_EQ(core.counters().drops[static_cast<int>(NtpDrop::kBadExtField)], 1u);
}

TEST(ServerCore, CountersAddUp) {
  PendingReply pending;
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_access(allow_only("::/0"));
  const IpAddress a = *parse_ip("::1");
  auto good = request();
  auto m6 = request(2, NtpMode::kControl);
  auto m7 = request(2, NtpMode::kPrivate);
  auto shortp = request();
  core.handle(good.data(), good.size(), a, 1000, {}, &pending);
  core.handle(m6.data(), m6.size(), a, 1000, {}, &pending);
  core.handle(m7.data(), m7.size(), a, 1000, {}, &pending);
  core.handle(shortp.data(), 20, a, 1000, {}, &pending);
  const LocalCounters& c = core.counters();
  uint64_t drops = 0;
  for (uint64_t d : c.drops) drops += d;
  EXPECT_EQ(c.received, 4u);
  EXPECT_EQ(c.replied + drops, c.received);
  EXPECT_EQ(c.drops[static_cast<int>(NtpDrop::kModeControl)], 1u);
  EXPECT_EQ(c.drops[static_cast<int>(NtpDrop::kModePrivate)], 1u);
  EXPECT_EQ(c.drops[static_cast<int>(NtpDrop::kTooShort)], 1u);
}

TEST(ServerCore, NoPolicyMeansNobodyIsServed) {
  PendingReply pending;
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  auto p = request();
  EXPECT_EQ(core.handle(p.data(), p.size(), *parse_ip("127.0.0.1"), 40000, {}, &pending), 0u);
}

TEST(ServerCore, RefreshTakesPublishedStateAndPolicy) {
  PendingReply pending;
  auto seg = std::make_unique<Segment>();
  PublishedState ps{};
  ps.server.stratum = 7;
  ps.server.leap = kLeapNone;
  ps.published_mono_ns = 1000;
  ps.holdover_ns = 1'000'000'000;
  seg->state.write(ps);
  auto policy = std::make_unique<Policy>();
  policy->generation = 1;
  policy->access = allow_only("127.0.0.0/8");
  seg->policy.write(*policy);
  seg->policy_generation.store(1);

  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.refresh(*seg, 2000);
  EXPECT_EQ(core.state().stratum, 7);
  auto p = request();
  EXPECT_EQ(core.handle(p.data(), p.size(), *parse_ip("127.0.0.1"), 40000, {}, &pending), kNtpHeaderLen);
  EXPECT_EQ(p[1], 7);
}

// A stratum-7 state published at monotonic time 0 with a one-second holdover.
PublishedState stratum7_published_at_zero() {
  PublishedState ps{};
  ps.server.stratum = 7;
  ps.server.leap = kLeapNone;
  ps.published_mono_ns = 0;
  ps.holdover_ns = 1'000'000'000;
  return ps;
}

TEST(ServerCore, StaleStateTurnsUnsynchronisedAfterHoldover) {
  auto seg = std::make_unique<Segment>();
  PublishedState ps = stratum7_published_at_zero();
  seg->state.write(ps);
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.refresh(*seg, 999'999'999);
  EXPECT_EQ(core.state().stratum, 7);
  core.refresh(*seg, 1'000'000'001);
  EXPECT_EQ(core.state().leap, kLeapUnsynchronised);
  EXPECT_EQ(core.state().stratum, 0);
}

// chronond killed between the two stores of a publish leaves the seqlock odd: the state can
// no longer be read, yet the holdover still runs out; the next publisher recovers it.
TEST(ServerCore, HoldoverRunsOutAlsoWhenAKilledPublisherLeftTheStateUnreadable) {
  auto seg = std::make_unique<Segment>();
  PublishedState ps = stratum7_published_at_zero();
  seg->state.write(ps);
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.refresh(*seg, 100);
  EXPECT_EQ(core.state().stratum, 7);
  seg->state.seq.fetch_add(1);  // the first store of a write, then SIGKILL
  PublishedState out;
  EXPECT_FALSE(seg->state.read(&out, 10));
  core.refresh(*seg, 500'000'000);
  EXPECT_EQ(core.state().stratum, 7);  // still within the holdover
  core.refresh(*seg, 1'000'000'001);
  EXPECT_EQ(core.state().leap, kLeapUnsynchronised);
  // A new chronond publishes: readable again, with the right parity.
  ps.published_mono_ns = 2'000'000'000;
  seg->state.write(ps);
  EXPECT_EQ(seg->state.version() % 2, 0u);
  ASSERT_TRUE(seg->state.read(&out, 10));
  core.refresh(*seg, 2'000'000'100);
  EXPECT_EQ(core.state().stratum, 7);
}

Policy open_policy(RateLimitParams rl = {}) {
  Policy p{};
  p.rate_limit = rl;
  p.access = allow_only("all");
  return p;
}

ServerState exact_state() {
  ServerState s;
  s.leap = kLeapNone;
  s.stratum = 2;
  s.precision = -32;  // no random bits: timestamps can be compared exactly
  return s;
}

// A client in interleaved mode (draft-ietf-ntp-interleaved-modes): sends our last receive
// timestamp as origin and gets our previous reply's transmit time as transmit.
TEST(ServerCore, InterleavedClientGetsPreviousTransmitTime) {
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_policy(open_policy());
  core.set_state(exact_state());
  const IpAddress c = *parse_ip("192.0.2.9");
  PendingReply pending;

  auto p1 = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(100, 0).raw);
  ASSERT_EQ(core.handle(p1.data(), p1.size(), c, 123, ts::NtpTimestamp::from_parts(100, 1000),
                        &pending), kNtpHeaderLen);
  const uint64_t rx1 = testing::field64(p1.data(), 32);
  const auto tx1 = ts::NtpTimestamp::from_parts(100, 5000);
  core.finish(p1.data(), pending, tx1);
  EXPECT_EQ(testing::field64(p1.data(), 40), tx1.raw);

  // Interleaved request: origin = rx1, receive = when the client got reply 1.
  auto p2 = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(101, 0).raw);
  const uint64_t client_rx1 = ts::NtpTimestamp::from_parts(100, 9000).raw;
  const uint64_t be_rx1 = htobe64(rx1), be_crx = htobe64(client_rx1);
  std::memcpy(p2.data() + 24, &be_rx1, 8);
  std::memcpy(p2.data() + 32, &be_crx, 8);
  ASSERT_EQ(core.handle(p2.data(), p2.size(), c, 123, ts::NtpTimestamp::from_parts(101, 1000),
                        &pending), kNtpHeaderLen);
  core.finish(p2.data(), pending, ts::NtpTimestamp::from_parts(101, 7000));
  EXPECT_EQ(testing::field64(p2.data(), 24), client_rx1);  // origin = client's receive
  // transmit = previous reply's, kept as a nanosecond offset from rx1 (as chronyd keeps it)
  EXPECT_NEAR(static_cast<double>(testing::field64(p2.data(), 40)),
              static_cast<double>(tx1.raw), 8.0);
  EXPECT_EQ(core.counters().interleaved, 1u);
  EXPECT_EQ(core.clients().find(c)->interleaved_hits, 1u);
  EXPECT_EQ(core.clients().find(c)->hits, 2u);

  // The same request again is answered in basic mode: rx1 was already used.
  auto p3 = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(101, 0).raw);
  std::memcpy(p3.data() + 24, &be_rx1, 8);
  std::memcpy(p3.data() + 32, &be_crx, 8);
  core.handle(p3.data(), p3.size(), c, 123, ts::NtpTimestamp::from_parts(102, 0), &pending);
  core.finish(p3.data(), pending, ts::NtpTimestamp::from_parts(102, 64));
  EXPECT_EQ(testing::field64(p3.data(), 24), ts::NtpTimestamp::from_parts(101, 0).raw);
  EXPECT_EQ(core.counters().interleaved, 1u);
}

TEST(ServerCore, OtherClientCannotUseSomeoneElsesReceiveTimestamp) {
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_policy(open_policy());
  core.set_state(exact_state());
  PendingReply pending;
  auto p1 = request();
  core.handle(p1.data(), p1.size(), *parse_ip("192.0.2.1"), 123,
              ts::NtpTimestamp::from_parts(100, 0), &pending);
  core.finish(p1.data(), pending, ts::NtpTimestamp::from_parts(100, 64));
  const uint64_t be_rx1 = htobe64(testing::field64(p1.data(), 32));
  auto p2 = request(4, NtpMode::kClient, 77);
  std::memcpy(p2.data() + 24, &be_rx1, 8);
  core.handle(p2.data(), p2.size(), *parse_ip("192.0.2.2"), 123,
              ts::NtpTimestamp::from_parts(101, 0), &pending);
  EXPECT_EQ(core.counters().interleaved, 0u);
}

TEST(ServerCore, RateLimitedClientGetsNothingOrKissOfDeath) {
  for (uint32_t kod_every : {0u, 1u}) {
    ServerCore core(1, 1 << 16, SipKey{1, 2});
    core.set_policy(open_policy(make_rate_limit(3, 2, 4, kod_every)));
    core.set_state(exact_state());
    PendingReply pending;
    int normal = 0, kod = 0, none = 0;
    for (int i = 0; i < 64; ++i) {
      auto p = request(4, NtpMode::kClient, 1000 + i);
      const size_t n = core.handle(p.data(), p.size(), *parse_ip("192.0.2.3"), 123,
                                   ts::NtpTimestamp::from_parts(100, 0), &pending);
      if (n == 0) {
        ++none;
        continue;
      }
      EXPECT_EQ(n, p.size());  // never longer than the request
      core.finish(p.data(), pending, ts::NtpTimestamp::from_parts(100, 64));
      if (p[1] == 0) {
        EXPECT_EQ(lvm_leap(p[0]), kLeapUnsynchronised);
        EXPECT_EQ(testing::field32(p.data(), 12), kKissRate);
        EXPECT_EQ(testing::field64(p.data(), 24), 1000u + i);  // still a valid reply to it
        ++kod;
      } else {
        ++normal;
      }
    }
    // Burst of 2, then only the leak (1 in 16) gets normal replies.
    EXPECT_GE(normal, 2);
    EXPECT_LT(normal, 14);
    if (kod_every == 0) {
      EXPECT_EQ(kod, 0);
      EXPECT_EQ(static_cast<uint64_t>(none),
                core.counters().drops[static_cast<int>(NtpDrop::kRateLimited)]);
    } else {
      EXPECT_EQ(none, 0);
      EXPECT_EQ(static_cast<uint64_t>(kod), core.counters().kod);
    }
  }
}

TEST(ServerCore, BogusSourcesAreDropped) {
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_policy(open_policy());
  PendingReply pending;
  for (const char* a : {"0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1", "0.1.2.3"}) {
    auto p = request();
    EXPECT_EQ(core.handle(p.data(), p.size(), *parse_ip(a), 123, {}, &pending), 0u) << a;
  }
  EXPECT_EQ(core.counters().drops[static_cast<int>(NtpDrop::kBadSource)], 6u);
  auto p = request();
  EXPECT_EQ(core.handle(p.data(), p.size(), *parse_ip("::ffff:192.0.2.1"), 123, {}, &pending),
            kNtpHeaderLen);
}

TEST(ServerCore, ClientTableNeverGrowsUnderAFlood) {
  ServerCore core(1, 48 * 64, SipKey{1, 2});
  core.set_policy(open_policy(make_rate_limit(3, 8, 2, 0)));
  const size_t cap = core.clients().capacity();
  PendingReply pending;
  for (uint32_t i = 0; i < 100000; ++i) {
    auto p = request();
    core.handle(p.data(), p.size(), IpAddress::from_v4(0x0a000000 + i), 123,
                ts::NtpTimestamp::from_parts(100 + i / 1000, 0), &pending);
  }
  EXPECT_EQ(core.clients().capacity(), cap);
  EXPECT_GE(core.clients().evictions(), 100000u - cap);
}

// [2/7]: 1 M random spoofed sources flood while 100 real clients poll every 16 s; every real
// client gets every reply and keeps its record (so its limiter and interleave state). The
// table holds 8192 records, so the flood turns it over every 8 s: plain LRU loses them all.
TEST(ServerCore, SpoofedFloodDoesNotEvictOrStarveRealClients) {
  ServerCore core(1, 48 * 8192, SipKey{5, 6});
  core.set_policy(open_policy(make_rate_limit(3, 8, 2, 0)));
  std::mt19937 rng(11);
  PendingReply pending;
  int replies = 0, asked = 0;
  // The real clients poll alone for a minute, then the flood starts.
  const int kFlood = 1000000, kQuiet = 64, kSeconds = kQuiet + 1000;
  for (int sec = 0, flood = 0; sec < kSeconds; ++sec) {
    for (; sec >= kQuiet && flood < kFlood / (kSeconds - kQuiet) * (sec - kQuiet + 1); ++flood) {
      auto p = request();
      core.handle(p.data(), p.size(), IpAddress::from_v4(0x0b000000 | (rng() & 0xffffff)), 123,
                  ts::NtpTimestamp::from_parts(1000 + sec, 0), &pending);
    }
    if (sec % 16 != 0) continue;
    for (uint32_t c = 0; c < 100; ++c) {
      auto p = request();
      ++asked;
      replies += core.handle(p.data(), p.size(), IpAddress::from_v4(0xc0a80000 + c), 123,
                             ts::NtpTimestamp::from_parts(1000 + sec, c << 20), &pending) > 0;
    }
  }
  EXPECT_EQ(replies, asked);
  for (uint32_t c = 0; c < 100; ++c) {
    const ClientRecord* r = core.clients().find(IpAddress::from_v4(0xc0a80000 + c));
    ASSERT_NE(r, nullptr) << c;
    EXPECT_EQ(r->hits, static_cast<uint32_t>(asked / 100)) << c;
  }
  EXPECT_GT(core.clients().evictions(), 900000u);
}

// A new client later in the same batch can move an earlier client's record (the cuckoo step
// in client_table.h) before that client's reply is finished; its transmit time must still
// be kept for its next, interleaved, request.
TEST(ServerCore, RecordMovedWithinABatchKeepsItsTransmitTime) {
  ServerCore core(1, 48 * 256, SipKey{1, 9});  // 64 buckets of 4
  core.set_policy(open_policy());
  core.set_state(exact_state());
  // 120 clients whose replies are not finished yet, then new clients until one of the 120
  // has been moved to its other bucket.
  constexpr int kPending = 120;
  std::vector<std::vector<uint8_t>> replies;
  std::vector<PendingReply> pending(kPending);
  auto addr = [](uint32_t i) { return IpAddress::from_v4(0xc0000200 + i); };
  for (uint32_t i = 0; i < kPending; ++i) {
    replies.push_back(request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(100, i).raw));
    ASSERT_EQ(core.handle(replies[i].data(), replies[i].size(), addr(i), 123,
                          ts::NtpTimestamp::from_parts(100, 1000 + i), &pending[i]),
              kNtpHeaderLen);
  }
  int moved = -1;
  PendingReply other;
  for (uint32_t n = 0; n < 100 && moved < 0; ++n) {  // stays under the 90 % of 256
    auto q = request();
    core.handle(q.data(), q.size(), IpAddress::from_v4(0x0b000000 + n), 123,
                ts::NtpTimestamp::from_parts(100, 2000), &other);
    for (int i = 0; i < kPending && moved < 0; ++i)
      if (core.clients().find(addr(static_cast<uint32_t>(i))) != pending[i].record) moved = i;
  }
  ASSERT_GE(moved, 0) << "no record moved: pick another key";
  const auto tx1 = ts::NtpTimestamp::from_parts(100, 5000);
  for (int i = 0; i < kPending; ++i) core.finish(replies[i].data(), pending[i], tx1);
  // The moved client's next request is interleaved (origin = our receive time): it gets tx1.
  const uint64_t rx1 = testing::field64(replies[moved].data(), 32);
  auto p2 = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(101, 0).raw);
  const uint64_t be_rx1 = htobe64(rx1);
  std::memcpy(p2.data() + 24, &be_rx1, 8);
  PendingReply p2_pending;
  ASSERT_EQ(core.handle(p2.data(), p2.size(), addr(static_cast<uint32_t>(moved)), 123,
                        ts::NtpTimestamp::from_parts(101, 1000), &p2_pending),
            kNtpHeaderLen);
  core.finish(p2.data(), p2_pending, ts::NtpTimestamp::from_parts(101, 7000));
  EXPECT_EQ(core.counters().interleaved, 1u);
  EXPECT_NEAR(static_cast<double>(testing::field64(p2.data(), 40)),
              static_cast<double>(tx1.raw), 8.0);
}

// [2/7]: a million clients in interleaved mode at once, with a clientloglimit large enough for
// them (2 x 48 bytes each), and none falls back to basic mode.
TEST(ServerCore, AMillionInterleavedClients) {
  constexpr uint32_t kClients = 1000000;
  ServerCore core(1, size_t{kClients} * sizeof(ClientRecord) * 2, SipKey{7, 8});
  core.set_policy(open_policy());
  core.set_state(exact_state());
  std::vector<uint64_t> rx1(kClients);
  PendingReply pending;
  uint8_t p[kNtpHeaderLen];
  auto fill = [&](uint64_t origin, uint64_t transmit) {
    std::memset(p, 0, sizeof p);
    p[0] = make_lvm(0, 4, NtpMode::kClient);
    const uint64_t o = htobe64(origin), t = htobe64(transmit);
    std::memcpy(p + 24, &o, 8);
    std::memcpy(p + 40, &t, 8);
  };
  // Round 1: basic requests; remember each reply's receive timestamp.
  for (uint32_t c = 0; c < kClients; ++c) {
    fill(0, ts::NtpTimestamp::from_parts(1000, c).raw);
    const auto rx = ts::NtpTimestamp::from_parts(1000, c * 4096);
    ASSERT_EQ(core.handle(p, sizeof p, IpAddress::from_v4(0x0a000000 + c), 123, rx, &pending),
              kNtpHeaderLen);
    core.finish(p, pending, ts::NtpTimestamp::from_parts(1000, c * 4096 + 100));
    rx1[c] = testing::field64(p, 32);
  }
  EXPECT_EQ(core.clients().evictions(), 0u);
  // Round 2, 16 s later: every client asks in interleaved mode (origin = our receive time).
  for (uint32_t c = 0; c < kClients; ++c) {
    fill(rx1[c], ts::NtpTimestamp::from_parts(1016, c).raw);
    core.handle(p, sizeof p, IpAddress::from_v4(0x0a000000 + c), 123,
                ts::NtpTimestamp::from_parts(1016, c * 4096), &pending);
    core.finish(p, pending, ts::NtpTimestamp::from_parts(1016, c * 4096 + 100));
  }
  EXPECT_EQ(core.counters().interleaved, kClients);
}

}  // namespace
}  // namespace chronon::dp

namespace chronon::dp {
namespace {

// smoothtime: receive and transmit timestamps carry the published smoothing offset,
// evaluated once per batch (refresh) and extrapolated at its rate within the batch.
TEST(ServerCore, SmoothingOffsetIsAddedToReceiveAndTransmit) {
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.set_policy(open_policy());
  PublishedState ps{};
  ps.server = exact_state();
  ps.holdover_ns = 0;
  // Anchored at NTP 100.0 s (Unix: 100 - 2208988800): 0.25 s, shrinking at 100 ppm.
  constexpr int64_t kNtpToUnixS = 2208988800;
  ps.smoothing.enabled = 1;
  ps.smoothing.anchor_ns = (100 - kNtpToUnixS) * 1000000000LL;
  ps.smoothing.offset_s = 0.25;
  ps.smoothing.freq = 100e-6;
  auto seg = std::make_unique<Segment>();
  seg->state.write(ps);
  core.refresh(*seg, 0);
  core.set_policy(open_policy());  // the segment's policy (generation 0) has no access rules
  const IpAddress c = *parse_ip("192.0.2.9");
  PendingReply pending;
  auto p = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(109, 0).raw);
  // 10 s after the anchor: 0.25 - 10 * 100e-6 = 0.249.
  ASSERT_EQ(core.handle(p.data(), p.size(), c, 123, ts::NtpTimestamp::from_parts(110, 0),
                        &pending), kNtpHeaderLen);
  const double rx = static_cast<double>(testing::field64(p.data(), 32)) / 4294967296.0;
  EXPECT_NEAR(rx, 110.249, 1e-8);
  // 1 s later in the same batch: extrapolated, 0.2489.
  core.finish(p.data(), pending, ts::NtpTimestamp::from_parts(111, 0));
  const double tx = static_cast<double>(testing::field64(p.data(), 40)) / 4294967296.0;
  EXPECT_NEAR(tx, 111.2489, 1e-8);
  // Without smoothing the timestamps are the clock's.
  ps.smoothing = SmoothingModel{};
  seg->state.write(ps);
  core.refresh(*seg, 0);
  auto q = request(4, NtpMode::kClient, ts::NtpTimestamp::from_parts(119, 0).raw);
  core.handle(q.data(), q.size(), c, 124, ts::NtpTimestamp::from_parts(120, 0), &pending);
  // (the lowest bit marks our receive timestamps for interleaved mode)
  EXPECT_EQ(testing::field64(q.data(), 32) >> 1, ts::NtpTimestamp::from_parts(120, 0).raw >> 1);
}

}  // namespace
}  // namespace chronon::dp
