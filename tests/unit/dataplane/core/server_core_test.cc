// Tests for the per-worker pipeline: access list, counters, state refresh and holdover.
#include "dataplane/core/server_core.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/dataplane/core/ntp_test_util.h"

namespace chronon::dp {
namespace {

using testing::request;

AccessTable allow_only(const char* subnet) {
  AccessTable t;
  AccessRuleSpec r{true, false, *parse_prefix(subnet)};
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

TEST(ServerCore, StaleStateTurnsUnsynchronisedAfterHoldover) {
  auto seg = std::make_unique<Segment>();
  PublishedState ps{};
  ps.server.stratum = 7;
  ps.server.leap = kLeapNone;
  ps.published_mono_ns = 0;
  ps.holdover_ns = 1'000'000'000;
  seg->state.write(ps);
  ServerCore core(1, 1 << 16, SipKey{1, 2});
  core.refresh(*seg, 999'999'999);
  EXPECT_EQ(core.state().stratum, 7);
  core.refresh(*seg, 1'000'000'001);
  EXPECT_EQ(core.state().leap, kLeapUnsynchronised);
  EXPECT_EQ(core.state().stratum, 0);
}

}  // namespace
}  // namespace chronon::dp
