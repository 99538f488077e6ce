// Tests for the state-changing commands: which sources an address, subnet or mask/address
// selects; offline sources stop polling until set online; a burst polls an offline source
// and returns it to offline; the server refuses them to senders without the right.
#include "control/cmdmon/source_commands.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "control/cmdmon/cmdmon_server.h"
#include "tests/unit/control/cmdmon/cmdmon_rig.h"

namespace chronon::ctl {
namespace {

ReportAddress addr(const char* text) {
  ReportAddress a;
  if (inet_pton(AF_INET, text, a.bytes) == 1) {
    a.family = ReportAddress::Family::kInet4;
  } else {
    inet_pton(AF_INET6, text, a.bytes);
    a.family = ReportAddress::Family::kInet6;
  }
  return a;
}

struct Rig : CmdmonRig {
  SourceCommands commands{keeper, reports, clock};
  explicit Rig(Config c = {}) : CmdmonRig(std::move(c)) {
    for (const char* a : {"10.0.0.1", "10.0.1.1", "fd00::1"}) add(a);
    add("PHC0", 0x50484330).set_refclock();
  }
};

Config with_smoothtime() {
  Config c;
  c.smoothtime.enabled = true;
  c.smoothtime.max_freq_ppm = 400;
  c.smoothtime.max_wander_ppm_per_s = 0.001;
  return c;
}

// A command's reply status from `server`, asked from `o`; `len` cuts the request short.
uint16_t status_from(CmdmonServer& server, const Rig& r, uint16_t cmd,
                     const std::vector<uint8_t>& fields, CmdmonServer::Origin o,
                     size_t len = 0) {
  auto req = candm::make_request(cmd, 7, fields);
  if (len) req.resize(len);
  const auto rep = server.handle(req.data(), req.size(), r.reports, 0, o);
  candm::ReplyHeader h;
  EXPECT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  return h.status;
}

TEST(SourceCommands, SelectorsMatchAsChronyDoes) {
  Rig r;
  const candm::SourceSelector all{};
  EXPECT_EQ(r.commands.set_offline(all, true), 3);  // every NTP source, not the refclock
  candm::SourceSelector one{addr("255.255.255.255"), addr("10.0.1.1")};
  EXPECT_TRUE(r.commands.selects(one, 1));
  EXPECT_FALSE(r.commands.selects(one, 0));
  candm::SourceSelector subnet{addr("255.255.0.0"), addr("10.0.0.0")};
  EXPECT_EQ(r.commands.set_offline(subnet, false), 2);
  candm::SourceSelector v6{addr("ffff::"), addr("fd00::")};
  EXPECT_TRUE(r.commands.selects(v6, 2));
  EXPECT_FALSE(r.commands.selects(v6, 0));
  candm::SourceSelector none{addr("255.255.255.255"), addr("192.0.2.1")};
  EXPECT_EQ(r.commands.set_offline(none, true), 0);
}

TEST(SourceCommands, OfflineStopsPollingOnlineResumesAtOnce) {
  Rig r;
  NtpSource& s = r.keeper.source(0);
  const candm::SourceSelector first{addr("255.255.255.255"), addr("10.0.0.1")};
  r.commands.set_offline(first, true);
  EXPECT_FALSE(s.polling());
  EXPECT_EQ(r.reports.activity(0).offline, 1);
  EXPECT_EQ(r.reports.activity(0).online, 3);  // two NTP sources and the refclock
  r.commands.set_offline(first, false);
  EXPECT_TRUE(s.polling());
  EXPECT_LE(s.next_poll_mono_s(), 0.0 + 1e-9 + r.clock.monotonic().tv_sec);
}

TEST(SourceCommands, BurstPollsAnOfflineSourceThenReturnsToOffline) {
  Rig r;
  NtpSource& s = r.keeper.source(0);
  const candm::SourceSelector first{addr("255.255.255.255"), addr("10.0.0.1")};
  r.commands.set_offline(first, true);
  EXPECT_EQ(r.commands.burst(first, 1, 2), 1);
  EXPECT_TRUE(s.polling());
  EXPECT_EQ(r.reports.activity(0).burst_offline, 1);
  uint8_t buf[128];
  for (int i = 0; i < 2; ++i) s.make_request(buf, 1, r.clock.now(), 0.0, dp::ServerState{});
  EXPECT_FALSE(s.polling());  // two requests sent, no reply: back to offline
  EXPECT_EQ(r.reports.activity(0).offline, 1);
}

TEST(SourceCommands, ServerRefusesStateChangesWithoutTheRight) {
  Rig r;
  CmdmonServer server{testing::TempDir() + "/source_commands_test.sock"};
  auto status = [&](uint16_t cmd, const std::vector<uint8_t>& fields, CmdmonServer::Origin o) {
    auto req = candm::make_request(cmd, 3, fields);
    const auto rep = server.handle(req.data(), req.size(), r.reports, 0, o);
    candm::ReplyHeader h;
    EXPECT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
    return h.status;
  };
  const auto offline_all = candm::selector_fields(candm::SourceSelector{});
  using O = CmdmonServer::Origin;
  EXPECT_EQ(status(candm::kOffline, offline_all, O::kUnixSocket), candm::kInvalid);  // no actions
  server.set_source_commands(&r.commands);
  EXPECT_EQ(status(candm::kOffline, offline_all, O::kUnixReadOnly), candm::kUnauth);
  EXPECT_EQ(status(candm::kOffline, offline_all, O::kNetwork), candm::kUnauth);
  EXPECT_TRUE(r.keeper.source(0).polling());
  EXPECT_EQ(status(candm::kOffline, offline_all, O::kUnixSocket), candm::kSuccess);
  EXPECT_FALSE(r.keeper.source(0).polling());
  EXPECT_EQ(status(candm::kOnOffline, {}, O::kUnixSocket), candm::kSuccess);
  EXPECT_TRUE(r.keeper.source(0).polling());
  candm::BurstArgs bad{candm::SourceSelector{}, 5, 2};
  EXPECT_EQ(status(candm::kBurst, candm::burst_fields(bad), O::kUnixSocket), candm::kFailed);
  candm::BurstArgs nobody{candm::SourceSelector{addr("255.255.255.255"), addr("192.0.2.9")}, 1, 2};
  EXPECT_EQ(status(candm::kBurst, candm::burst_fields(nobody), O::kUnixSocket),
            candm::kNoSuchSource);
  EXPECT_EQ(status(candm::kMakeStep, {}, O::kUnixReadOnly), candm::kUnauth);
  EXPECT_EQ(status(candm::kMakeStep, {}, O::kUnixSocket), candm::kSuccess);
  // Reports stay open to everyone on the socket.
  EXPECT_EQ(status(candm::kTracking, {}, O::kUnixReadOnly), candm::kSuccess);
  EXPECT_EQ(status(candm::kServerStats, {}, O::kUnixReadOnly), candm::kSuccess);
}

TEST(SourceCommands, ChrononReloadIsPrivilegedAndReportsFailure) {
  Rig r;
  CmdmonServer server{testing::TempDir() + "/source_commands_reload.sock"};
  auto status = [&](CmdmonServer::Origin o) {
    auto req = candm::make_request(candm::kChrononReload, 4);
    const auto rep = server.handle(req.data(), req.size(), r.reports, 0, o);
    candm::ReplyHeader h;
    EXPECT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
    return h.status;
  };
  using O = CmdmonServer::Origin;
  EXPECT_EQ(status(O::kUnixSocket), candm::kInvalid);  // no reload set: as chronyd, 502
  int calls = 0;
  bool ok = true;
  server.set_reload_config([&] {
    ++calls;
    return ok;
  });
  EXPECT_EQ(status(O::kUnixReadOnly), candm::kUnauth);
  EXPECT_EQ(status(O::kNetwork), candm::kUnauth);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(status(O::kUnixSocket), candm::kSuccess);
  ok = false;
  EXPECT_EQ(status(O::kUnixSocket), candm::kFailed);
  EXPECT_EQ(calls, 2);
}

TEST(SourceCommands, ShortRequestsAreRefusedBeforeTheyAct) {
  Rig r;
  CmdmonServer server{testing::TempDir() + "/source_commands_short.sock"};
  server.set_source_commands(&r.commands);
  auto req = candm::make_request(candm::kOffline, 1, candm::selector_fields({}));
  ASSERT_EQ(req.size(), 60u);
  req.resize(40);  // the address is cut off
  const auto rep = server.handle(req.data(), req.size(), r.reports, 0,
                                 CmdmonServer::Origin::kUnixSocket);
  candm::ReplyHeader h;
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.status, candm::kBadPktLength);
  EXPECT_TRUE(r.keeper.source(0).polling());  // nothing was set offline
  req = candm::make_request(candm::kMakeStep, 2);
  req.resize(24);  // shorter than even the error reply: no answer, and no step
  EXPECT_TRUE(server.handle(req.data(), req.size(), r.reports, 0,
                            CmdmonServer::Origin::kUnixSocket).empty());
}

TEST(SourceCommands, BurstIsForClientModeSourcesAndAMaskAloneSelectsAll) {
  Rig r;
  SourceConfig peer;
  peer.address = "10.0.2.1";
  peer.type = SourceConfig::Type::kPeer;
  r.keeper.add_source(peer, "10.0.2.1", 0);
  const candm::SourceSelector the_peer{addr("255.255.255.255"), addr("10.0.2.1")};
  EXPECT_EQ(r.commands.burst(the_peer, 1, 4), 0);  // chronyd: no bursts for peers
  candm::SourceSelector mask_only{addr("255.255.0.0"), ReportAddress{}};
  EXPECT_EQ(r.commands.burst(mask_only, 1, 4), 3);  // the three client-mode NTP sources
  EXPECT_EQ(r.commands.burst(mask_only, 1, 4), 3);  // in progress: goes on, still counted
}

// A child in supplementary group nogroup, as user `uid` (root runs the tests in CI).
pid_t child_in_nogroup(uid_t uid) {
  const pid_t pid = fork();
  if (pid == 0) {
    const gid_t g = 65534;
    if (setgroups(1, &g) != 0 || setgid(54321) != 0 || setuid(uid) != 0) _exit(1);
    pause();
    _exit(0);
  }
  usleep(100000);  // until it has changed its credentials
  return pid;
}

TEST(SourceCommands, SupplementaryGroupsCountOnlyForTheSameUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make a process with other credentials";
  CmdmonServer grouped{testing::TempDir() + "/source_commands_cred3.sock", "nogroup"};
  const pid_t member = child_in_nogroup(54321);
  EXPECT_TRUE(grouped.may_change_state(54321, 54321, member));
  // The pid now belongs to another user than the request's (an exited sender's pid reused):
  // its groups do not count.
  EXPECT_FALSE(grouped.may_change_state(54322, 54321, member));
  kill(member, SIGKILL);
  waitpid(member, nullptr, 0);
}

TEST(SourceCommands, CredentialsDecideWhoMayChangeState) {
  CmdmonServer plain{testing::TempDir() + "/source_commands_cred.sock"};
  EXPECT_TRUE(plain.may_change_state(0, 0, getpid()));
  EXPECT_TRUE(plain.may_change_state(geteuid(), 12345, getpid()));
  EXPECT_FALSE(plain.may_change_state(54321, 54321, getpid()) && geteuid() != 54321);
  // cmdgroup: the primary group of the sender, or one of its supplementary groups.
  CmdmonServer grouped{testing::TempDir() + "/source_commands_cred2.sock", "nogroup"};
  EXPECT_TRUE(grouped.may_change_state(54321, 65534, 1));

  EXPECT_FALSE(grouped.may_change_state(54321, 54321, 999999999));  // no such process
  EXPECT_THROW(CmdmonServer(testing::TempDir() + "/x.sock", "no-such-group-here"),
               std::runtime_error);
}

}  // namespace
}  // namespace chronon::ctl

namespace chronon::ctl {
namespace {

TEST(SourceCommands, SmoothtimeIsPrivilegedAndActsOnlyWhenConfigured) {
  using O = CmdmonServer::Origin;
  Rig off;
  CmdmonServer s1{testing::TempDir() + "/source_commands_smt1.sock"};
  s1.set_source_commands(&off.commands);
  const auto reset = candm::smoothtime_fields(candm::kSmoothTimeReset);
  const auto activate = candm::smoothtime_fields(candm::kSmoothTimeActivate);
  // chronyd without smoothtime: STT_NOTENABLED ("505 Facility not enabled in daemon").
  EXPECT_EQ(status_from(s1, off, candm::kSmoothTime, reset, O::kUnixSocket), candm::kNotEnabled);

  Rig on(with_smoothtime());
  CmdmonServer s2{testing::TempDir() + "/source_commands_smt2.sock"};
  // No actions set: 502, as the other state-changing commands.
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, activate, O::kUnixSocket), candm::kInvalid);
  s2.set_source_commands(&on.commands);
  ASSERT_NE(on.keeper.smoothing(), nullptr);
  EXPECT_FALSE(on.keeper.smoothing()->active());
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, activate, O::kNetwork), candm::kUnauth);
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, activate, O::kUnixReadOnly), candm::kUnauth);
  EXPECT_FALSE(on.keeper.smoothing()->active());
  // Cut inside the option (and so shorter than any reply): no answer, nothing done.
  auto cut = candm::make_request(candm::kSmoothTime, 5, activate);
  cut.resize(22);
  EXPECT_TRUE(s2.handle(cut.data(), cut.size(), on.reports, 0, O::kUnixSocket).empty());
  EXPECT_FALSE(on.keeper.smoothing()->active());
  cut = candm::make_request(candm::kSmoothTime, 6, activate);
  cut.resize(27);  // the option whole, the padding not: still refused
  EXPECT_TRUE(s2.handle(cut.data(), cut.size(), on.reports, 0, O::kUnixSocket).empty());
  EXPECT_FALSE(on.keeper.smoothing()->active());
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, candm::smoothtime_fields(7), O::kUnixSocket),
            candm::kInvalid);
  EXPECT_FALSE(on.keeper.smoothing()->active());
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, activate, O::kUnixSocket), candm::kSuccess);
  EXPECT_TRUE(on.keeper.smoothing()->active());
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, activate, O::kUnixSocket), candm::kSuccess);
  // reset: the update time moves to now (the offset, already 0, stays 0).
  on.base.advance(std::chrono::seconds(100));
  EXPECT_NEAR(on.reports.smoothing()->last_update_ago_s, 100, 1e-6);
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, reset, O::kNetwork), candm::kUnauth);
  EXPECT_NEAR(on.reports.smoothing()->last_update_ago_s, 100, 1e-6);
  EXPECT_EQ(status_from(s2, on, candm::kSmoothTime, reset, O::kUnixSocket), candm::kSuccess);
  EXPECT_NEAR(on.reports.smoothing()->last_update_ago_s, 0, 1e-6);
  EXPECT_TRUE(on.keeper.smoothing()->active());
}

TEST(SourceCommands, SmoothingReportIsOpenAndNotEnabledWithoutSmoothtime) {
  using O = CmdmonServer::Origin;
  Rig off;
  CmdmonServer s1{testing::TempDir() + "/source_commands_smr1.sock"};
  EXPECT_EQ(status_from(s1, off, candm::kSmoothing, {}, O::kNetwork), candm::kNotEnabled);
  Rig on(with_smoothtime());
  CmdmonServer s2{testing::TempDir() + "/source_commands_smr2.sock"};
  // PERMIT_OPEN in chronyd: answered on the UDP port too.
  auto req = candm::make_request(candm::kSmoothing, 8);
  const auto rep = s2.handle(req.data(), req.size(), on.reports, 0, O::kNetwork);
  candm::ReplyHeader h;
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.status, candm::kSuccess);
  EXPECT_EQ(h.reply, candm::kRpySmoothing);
  const SmoothingReport sr = candm::decode_smoothing(rep.data());
  EXPECT_FALSE(sr.active);
  EXPECT_FALSE(sr.leap_only);
  EXPECT_EQ(sr.offset_s, 0.0);
  // Unpadded (chronyc pads to 52 bytes): too short for the reply.
  EXPECT_EQ(status_from(s2, on, candm::kSmoothing, {}, O::kUnixSocket, 40), candm::kBadPktLength);
}

TEST(SourceCommands, ReselectIsPrivileged) {
  using O = CmdmonServer::Origin;
  Rig r;
  CmdmonServer server{testing::TempDir() + "/source_commands_resel.sock"};
  EXPECT_EQ(status_from(server, r, candm::kReselect, {}, O::kUnixSocket), candm::kInvalid);
  server.set_source_commands(&r.commands);
  EXPECT_EQ(status_from(server, r, candm::kReselect, {}, O::kNetwork), candm::kUnauth);
  EXPECT_EQ(status_from(server, r, candm::kReselect, {}, O::kUnixReadOnly), candm::kUnauth);
  EXPECT_EQ(status_from(server, r, candm::kReselect, {}, O::kUnixSocket), candm::kSuccess);
  // Shorter than its reply (28 bytes, chronyc pads to it): no answer, nothing done.
  auto req = candm::make_request(candm::kReselect, 9);
  req.resize(24);
  EXPECT_TRUE(server.handle(req.data(), req.size(), r.reports, 0, O::kUnixSocket).empty());
}

}  // namespace
}  // namespace chronon::ctl
