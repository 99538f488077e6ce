// Upstream misbehaviour on simulated time (issue 10): a falseticker, a server whose clock jumps
// by hours, Kiss-o'-Death codes, unsynchronised servers and spoofed replies, each run through
// the real control code and handled as chronyd 4.3 handles it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "tests/sim/scenario_helpers.h"
#include "tests/sim/sim_world.h"

namespace chronon::sim {
namespace {

bool logged(World& w, const std::string& text) {
  return std::any_of(w.log().begin(), w.log().end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

TEST(Sim, FalsetickerIsRejected) {
  ctl::Config cfg;
  World w(cfg, 0.010, 20.0);
  ServerSpec a, b, c;
  a.name = "a";
  b.name = "b";
  c.name = "liar";
  c.offset_s = 0.5;  // half a second wrong
  b.delay_s = 0.002;
  w.add_server(a, server_source());
  w.add_server(b, server_source());
  w.add_server(c, server_source());
  ErrorStats err;
  w.run_until(2 * 3600.0, [&](World& x) {
    if (x.true_time_s() > 1800) err.add(x.clock_error_s());
  });
  EXPECT_EQ(w.keeper().source(2).state(), ctl::SourceState::kFalseticker);
  EXPECT_NE(w.keeper().selected(), 2);
  EXPECT_LT(err.rms(), 100e-6);
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
