// Upstream misbehaviour on simulated time (issue 10): a falseticker, a server whose clock jumps
// by hours, Kiss-o'-Death codes, unsynchronised servers, a flapping leap indicator and
// spoofed replies, each run through the real control code and handled as chronyd 4.3 does.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "tests/sim/scenario_helpers.h"
#include "tests/sim/sim_world.h"

namespace chronon::sim {
namespace {

constexpr uint32_t kKissDeny = 0x44454E59;  // "DENY"
constexpr uint32_t kKissRstr = 0x52535452;  // "RSTR"

bool logged(World& w, const std::string& text) {
  return std::any_of(w.log().begin(), w.log().end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

TEST(Sim, FalsetickerIsRejectedEvenWhenItLooksTheBestAndAnswersFirst) {
  // The liar is the nearest server and at stratum 1: believed, it would be selected, and
  // its iburst answers arrive first. With the usual `makestep 1 3`, following it for a
  // moment at start-up would step the clock by two seconds (and back).
  ctl::Config cfg;
  cfg.makestep = {true, 1.0, 3};
  World w(cfg, 0.010, 20.0);
  ServerSpec a, b, liar;
  a.name = "a";
  a.stratum = 2;
  b.name = "b";
  b.stratum = 2;
  b.delay_s = 0.002;
  liar.name = "liar";
  liar.offset_s = 2.0;
  liar.delay_s = 0.0002;
  w.add_server(a, server_source());
  w.add_server(b, server_source());
  w.add_server(liar, server_source());
  ErrorStats err;
  w.run_until(2 * 3600.0, [&](World& x) {
    if (x.true_time_s() > 1800) err.add(x.clock_error_s());
  });
  EXPECT_FALSE(logged(w, "Selected source liar"));
  EXPECT_EQ(w.keeper().source(2).state(), ctl::SourceState::kFalseticker);
  EXPECT_EQ(w.clock().steps(), 0);
  EXPECT_LT(err.rms(), 100e-6) << "max " << err.max_abs;
}

TEST(Sim, SourceSteppingByHoursIsOutvotedAndNotFollowed) {
  ctl::Config cfg;
  cfg.makestep = {true, 1.0, -1};  // every update may step: following the jump would step
  World w(cfg, 0.001, 10.0);
  ServerSpec a, b, jumper;
  a.name = "a";
  b.name = "b";
  b.delay_s = 0.002;
  jumper.name = "jumper";
  jumper.delay_s = 0.0003;  // the nearest: it leads until it jumps
  w.add_server(a, server_source());
  w.add_server(b, server_source());
  w.add_server(jumper, server_source());
  w.run_until(3600.0);
  ASSERT_EQ(w.keeper().selected(), 2);
  ASSERT_EQ(w.clock().steps(), 0);
  w.server(2).offset_s = 2 * 3600.0;  // its clock jumps two hours ahead
  ErrorStats err;
  w.run_until(3 * 3600.0, [&](World& x) { err.add(x.clock_error_s()); });
  EXPECT_EQ(w.clock().steps(), 0);
  EXPECT_FALSE(logged(w, "stepped"));
  EXPECT_LT(err.max_abs, 1e-3);
  EXPECT_EQ(w.keeper().source(2).state(), ctl::SourceState::kFalseticker);
  EXPECT_GE(w.keeper().selected(), 0);
  EXPECT_NE(w.keeper().selected(), 2);
}

TEST(Sim, KissOfDeathRateDelaysTheNextRequestByFourPolls) {
  // A server rate-limiting with chronyd's `kod`: a request within 30 s of the previous one
  // gets a KoD RATE. iburst's second request is the first to hit it.
  ctl::Config cfg;
  World w(cfg, 0.005, 10.0);
  ServerSpec s;
  s.name = "limited";
  s.kod_rate_within_s = 30.0;
  w.add_server(s, server_source(true, 4, 6));
  w.run_until(3 * 3600.0);
  const auto& seen = w.requests(0);
  ASSERT_GE(seen.size(), 3u);
  ASSERT_TRUE(seen[1].kod);
  int kods = 0;
  for (size_t k = 0; k + 1 < seen.size(); ++k) {
    if (!seen[k].kod) continue;
    ++kods;
    // chronyd (ntp_core.c): the next request waits four more polling intervals (the poll is
    // 16 s at least here).
    EXPECT_GE(seen[k + 1].t - seen[k].t, 4 * 16.0) << "after the KoD at " << seen[k].t;
  }
  EXPECT_GE(kods, 2);
  EXPECT_TRUE(logged(w, "Received KoD RATE from limited"));
  // It goes on with the source: selected, the clock on time.
  EXPECT_EQ(w.keeper().source(0).state(), ctl::SourceState::kSelected);
  EXPECT_LT(std::abs(w.clock_error_s()), 1e-3);
}

TEST(Sim, KissOfDeathDenyOrRstrLeavesTheSourceUnreachableButPolled) {
  // chronyd 4.3 acts on no kiss code but RATE: a DENY or RSTR reply is one from an
  // unsynchronised server (test 6). The source stays polled, its reachability empties, its
  // polling interval lengthens slowly, and it is used again once the server serves again.
  for (const uint32_t code : {kKissDeny, kKissRstr}) {
    SCOPED_TRACE(code == kKissDeny ? "DENY" : "RSTR");
    ctl::Config cfg;
    World w(cfg, 0.002, 10.0);
    ServerSpec good, denying;
    good.name = "good";
    good.delay_s = 0.002;
    denying.name = "denying";
    denying.delay_s = 0.0005;
    w.add_server(good, server_source());
    auto denied = server_source(true, 4, 10);
    denied.polltarget = 64;  // holds the poll at minpoll while the history fills
    w.add_server(denying, denied);
    w.run_until(1800.0);
    ASSERT_EQ(w.keeper().selected(), 1);
    const int poll_before = w.keeper().source(1).poll_log2();
    w.server(1).kiss_code = code;
    const size_t before = w.requests(1).size();
    ErrorStats err;
    w.run_until(1800.0 + 3600.0, [&](World& x) { err.add(x.clock_error_s()); });
    const ctl::NtpSource& src = w.keeper().source(1);
    EXPECT_GE(w.requests(1).size() - before, 10u);  // still polled
    EXPECT_EQ(src.reach(), 0);
    EXPECT_EQ(src.state(), ctl::SourceState::kUnusable);
    EXPECT_GT(src.poll_log2(), poll_before);
    EXPECT_EQ(w.keeper().selected(), 0);
    EXPECT_LT(err.max_abs, 1e-3);
    EXPECT_FALSE(logged(w, "Received KoD"));  // chronyd logs RATE only
    w.server(1).kiss_code = 0;
    w.run_until(1800.0 + 3 * 3600.0);
    EXPECT_NE(src.reach(), 0);
    EXPECT_NE(src.state(), ctl::SourceState::kUnusable);
  }
}

TEST(Sim, UnsynchronisedServersAreNeverSelected) {
  // Two servers that agree with each other, nearer than the good one, but unsynchronised:
  // one says stratum 16, the other leap 3. Believed, they would outvote the good server.
  ctl::Config cfg;
  World w(cfg, 0.003, 10.0);
  ServerSpec good, s16, leap3;
  good.name = "good";
  good.stratum = 2;
  good.delay_s = 0.003;
  s16.name = "stratum16";
  s16.stratum = 16;
  s16.offset_s = 0.25;
  s16.delay_s = 0.0005;
  leap3.name = "leap3";
  leap3.stratum = 1;
  leap3.leap = dp::kLeapUnsynchronised;
  leap3.offset_s = 0.25;
  leap3.delay_s = 0.0005;
  w.add_server(good, server_source());
  w.add_server(s16, server_source());
  w.add_server(leap3, server_source());
  ErrorStats err;
  int others_selected = 0;
  w.run_until(2 * 3600.0, [&](World& x) {
    others_selected += x.keeper().selected() > 0;
    if (x.true_time_s() > 600) err.add(x.clock_error_s());
  });
  EXPECT_EQ(others_selected, 0);
  EXPECT_EQ(w.keeper().selected(), 0);
  EXPECT_EQ(w.state().current().stratum, 3);
  EXPECT_LT(err.max_abs, 1e-3);
  for (size_t i : {1, 2}) {
    const ctl::NtpSource& src = w.keeper().source(i);
    EXPECT_EQ(src.state(), ctl::SourceState::kUnusable) << i;
    EXPECT_FALSE(src.has_sample()) << i;
    // chronyd's reachability register counts only replies from synchronised servers.
    EXPECT_EQ(src.reach(), 0) << i;
    EXPECT_GT(src.sane_rx_count(), 100u) << i;  // answered all along
  }
}

TEST(Sim, LeapAnnouncedOnAnOrdinaryDayIsNotServed) {
  // Every source says a second will be inserted, on January 15: chronyd (reference.c)
  // accepts a leap second only on the last day of June or December.
  ctl::Config cfg;
  World w(cfg, 0.0, 0.0);
  for (int k = 0; k < 3; ++k) {
    ServerSpec s;
    s.leap = dp::kLeapInsert;
    w.add_server(s, server_source());
  }
  int served_insert = 0;
  w.run_until(1800.0,
              [&](World& x) { served_insert += x.state().current().leap == dp::kLeapInsert; });
  EXPECT_EQ(served_insert, 0);
  EXPECT_EQ(w.state().current().stratum, 2);  // synchronised all the same
  EXPECT_EQ(w.keeper().source(0).last_sample().leap, dp::kLeapInsert);
}

// Three sources on June 30, the first of which says "insert" and "none" by turns.
struct FlappingLeap {
  World w;
  explicit FlappingLeap(int steady_sources, uint8_t steady_leap)
      : w(ctl::Config{}, 0.0, 0.0, 0.0, 1, kLeapDayStartUnix) {
    ServerSpec flapper;
    flapper.name = "flapper";
    flapper.leap_flaps = true;
    flapper.delay_s = 0.0005;  // the nearest: selected, so each of its samples is a vote
    w.add_server(flapper, server_source(true, 4, 4));
    for (int k = 0; k < steady_sources; ++k) {
      ServerSpec s;
      s.leap = steady_leap;
      w.add_server(s, server_source(true, 4, 4));
    }
  }
  // How many seconds after the first minute each leap indicator was served.
  std::array<int, 4> run() {
    std::array<int, 4> served{};
    w.run_until(1800.0, [&](World& x) {
      if (x.true_time_s() > 60) ++served[x.state().current().leap];
    });
    return served;
  }
};

TEST(Sim, LeapFlappingInOneSourceIsOutvotedByTwoThatSayNone) {
  FlappingLeap f(2, dp::kLeapNone);
  const auto served = f.run();
  EXPECT_EQ(f.w.keeper().selected(), 0);
  EXPECT_EQ(served[dp::kLeapInsert], 0);
  EXPECT_GT(served[dp::kLeapNone], 1700);
}

TEST(Sim, LeapFlappingInOneSourceDoesNotCancelTwoThatSayInsert) {
  FlappingLeap f(2, dp::kLeapInsert);
  const auto served = f.run();
  EXPECT_EQ(served[dp::kLeapNone], 0);
  EXPECT_GT(served[dp::kLeapInsert], 1700);
}

TEST(Sim, LeapFlappingOfALoneSourceIsServedAsItFlaps) {
  // chronyd's vote (sources.c get_leap_status): more than half of the selectable sources.
  // A lone source is the whole vote, flapping included: the scenarios above are the cure.
  FlappingLeap f(0, dp::kLeapNone);
  const auto served = f.run();
  EXPECT_GT(served[dp::kLeapInsert], 300);
  EXPECT_GT(served[dp::kLeapNone], 300);
}

TEST(Sim, SpoofedRepliesAreIgnoredAndTheRealOnesUsed) {
  // An off-path attacker answers each request first, half a second off, guessing the origin.
  ctl::Config cfg;
  World w(cfg, 0.004, 10.0);
  ServerSpec s;
  s.spoof_error_s = 0.5;
  w.add_server(s, server_source());
  ErrorStats err;
  w.run_until(2 * 3600.0, [&](World& x) {
    if (x.true_time_s() > 1800) err.add(x.clock_error_s());
  });
  EXPECT_LT(err.rms(), 50e-6) << "max " << err.max_abs;
  const ctl::NtpSource& src = w.keeper().source(0);
  EXPECT_EQ(src.state(), ctl::SourceState::kSelected);
  // Each request got a forged and a real reply: the forged ones failed test 2 without
  // ending the exchange, and every real one gave a sample.
  EXPECT_GE(src.rx_count() + 2, 2 * src.tx_count());
  EXPECT_GE(src.valid_rx_count() + 1, src.tx_count());
  EXPECT_EQ(src.sane_rx_count(), src.valid_rx_count());
}

}  // namespace
}  // namespace chronon::sim
