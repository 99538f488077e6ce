// Simulated-time scenarios of `local stratum 8 orphan` (chrony's orphan mode): three
// appliances that peer with one another and lose their upstreams settle on the one with the
// smallest reference ID, keep their clocks together, hand over when the leader goes away and
// follow the upstream again when it returns.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>
#include <string>

#include "control/cmdmon/report_builder.h"

#include "tests/sim/scenario_helpers.h"
#include "tests/sim/sim_world.h"

namespace chronon::sim {
namespace {

ctl::Config orphan_config() {
  ctl::Config c;
  c.local.enabled = true;
  c.local.stratum = 8;
  c.local.orphan = true;
  return c;
}

// Three nodes, each with its own upstream and peering with the other two. Their addresses
// are not in creation order: node 1 has the smallest refid, then node 2, then node 0, so the
// leader is chosen by refid and not by which node came first.
struct Trio {
  World w;
  std::array<size_t, 3> up{};
  // links_[k] joins the pair in kLinks[k].
  static constexpr std::array<std::array<size_t, 2>, 3> kLinks{{{0, 1}, {0, 2}, {1, 2}}};
  static constexpr std::array<uint32_t, 3> kRefid{0x0A0000F3, 0x0A0000F1, 0x0A0000F2};

  Trio() : w(orphan_config(), 0.002, 12.0) {
    w.add_node(orphan_config(), -0.003, -7.0);
    w.add_node(orphan_config(), 0.001, 3.0);
    for (size_t k = 0; k < 3; ++k) w.set_node_refid(k, kRefid[k]);
    auto upstream = server_source(true, 4, 4);
    for (size_t k = 0; k < 3; ++k) {
      ServerSpec u;
      u.name = "upstream" + std::to_string(k);
      up[k] = w.add_server(u, upstream, k);
    }
    ServerSpec lan;
    lan.delay_s = 0.0002;
    lan.jitter_s = 0.00002;
    for (const auto& l : kLinks) w.add_peers(l[0], l[1], server_source(true, 4, 4), lan);
  }
  void set_upstreams(bool reachable) {
    for (size_t k = 0; k < 3; ++k) w.server(up[k]).reachable = reachable;
  }
  // Cuts (or restores) every link of node `n`.
  void set_node_links(size_t n, bool reachable) {
    for (size_t k = 0; k < kLinks.size(); ++k)
      if (kLinks[k][0] == n || kLinks[k][1] == n) w.peer_path(k).reachable = reachable;
  }
  dp::ServerState served(size_t n) { return w.state(n).current(); }
};

// What node `n` serves, for counting changes.
uint64_t serving(const dp::ServerState& s) {
  return (static_cast<uint64_t>(s.stratum) << 32) | s.refid;
}

TEST(SimOrphan, UpstreamsLostTheGroupFollowsTheSmallestRefidAndStaysTogether) {
  Trio t;
  t.w.run_until(1800.0);
  for (size_t k = 0; k < 3; ++k) ASSERT_EQ(t.served(k).stratum, 2) << "node " << k;
  t.set_upstreams(false);
  // Settled within 15 minutes; from then on nobody changes what it serves (no flip-flop)
  // and the clocks stay within 100 us of the leader's.
  std::array<uint64_t, 3> last{};
  std::array<int, 3> changes{};
  ErrorStats apart;
  const double settled = 1800.0 + 900.0;
  t.w.run_until(6 * 3600.0, [&](World& w) {
    if (w.true_time_s() < settled) return;
    for (size_t k = 0; k < 3; ++k) {
      const uint64_t now = serving(w.state(k).current());
      if (w.true_time_s() > settled + 0.5 && now != last[k]) ++changes[k];
      last[k] = now;
    }
    apart.add(w.clock_error_s(0) - w.clock_error_s(1));
    apart.add(w.clock_error_s(2) - w.clock_error_s(1));
  });
  // Node 1 (10.0.0.241, the smallest) serves its local reference; the others follow it.
  EXPECT_EQ(t.served(1).stratum, 8);
  EXPECT_EQ(t.served(1).refid, dp::kRefidLocal);
  for (size_t k : {0u, 2u}) {
    EXPECT_EQ(t.served(k).stratum, 9) << "node " << k;
    EXPECT_EQ(t.served(k).refid, Trio::kRefid[1]) << "node " << k;
    EXPECT_EQ(t.w.keeper(k).last_selection().orphan, t.w.keeper(k).selected()) << "node " << k;
  }
  EXPECT_EQ(t.w.keeper(1).selected(), -1);
  // chronyc selectdata on node 0: the leader '*', node 2 (following it at stratum 9) 'O'.
  auto seg = std::make_unique<dp::Segment>();
  const ctl::ReportBuilder reports(t.w.keeper(0), t.w.state(0), t.w.clock(0), *seg);
  EXPECT_EQ(reports.select_data(1)->state, '*');
  EXPECT_EQ(reports.select_data(2)->state, 'O');
  EXPECT_EQ(changes, (std::array<int, 3>{0, 0, 0}));
  EXPECT_LT(apart.rms(), 100e-6) << "max " << apart.max_abs;
  EXPECT_LT(apart.max_abs, 500e-6);
}

TEST(SimOrphan, BootingWithoutUpstreamsTheGroupSettlesTheSameWay) {
  Trio t;
  t.set_upstreams(false);
  t.w.run_until(1800.0);
  EXPECT_EQ(t.served(1).stratum, 8);
  EXPECT_EQ(t.served(1).refid, dp::kRefidLocal);
  EXPECT_EQ(t.served(0).refid, Trio::kRefid[1]);
  EXPECT_EQ(t.served(2).refid, Trio::kRefid[1]);
}

TEST(SimOrphan, WhenTheLeaderGoesAwayTheNextSmallestRefidTakesOver) {
  Trio t;
  t.w.run_until(1800.0);
  t.set_upstreams(false);
  t.w.run_until(3600.0);
  ASSERT_EQ(t.served(0).refid, Trio::kRefid[1]);
  // The leader (node 1) drops off the network.
  t.set_node_links(1, false);
  ErrorStats apart;
  t.w.run_until(3 * 3600.0, [&](World& w) {
    if (w.true_time_s() > 2 * 3600) apart.add(w.clock_error_s(0) - w.clock_error_s(2));
  });
  // Node 2 (the next smallest) serves its local reference; node 0 follows it.
  EXPECT_EQ(t.served(2).stratum, 8);
  EXPECT_EQ(t.served(2).refid, dp::kRefidLocal);
  EXPECT_EQ(t.served(0).stratum, 9);
  EXPECT_EQ(t.served(0).refid, Trio::kRefid[2]);
  EXPECT_LT(apart.rms(), 100e-6) << "max " << apart.max_abs;
  // Cut off, node 1 went on serving its local reference alone.
  EXPECT_EQ(t.served(1).refid, dp::kRefidLocal);
  // It comes back: the group returns to it.
  t.set_node_links(1, true);
  t.w.run_until(4 * 3600.0);
  EXPECT_EQ(t.served(1).refid, dp::kRefidLocal);
  EXPECT_EQ(t.served(0).refid, Trio::kRefid[1]);
  EXPECT_EQ(t.served(2).refid, Trio::kRefid[1]);
}

TEST(SimOrphan, WhenTheUpstreamsComeBackTheGroupFollowsThem) {
  Trio t;
  t.set_upstreams(false);
  t.w.run_until(3600.0);
  ASSERT_EQ(t.served(1).stratum, 8);
  t.set_upstreams(true);
  // After an hour on the leader's free-running clock the group is some 28 ms off; within
  // half an hour every node follows its upstream again, and stays with it.
  t.w.run_until(3600.0 + 1800.0);
  int left_stratum_2 = 0;
  ErrorStats err;
  t.w.run_until(3600.0 + 3 * 3600.0, [&](World& w) {
    for (size_t k = 0; k < 3; ++k) {
      left_stratum_2 += w.state(k).current().stratum != 2;
      err.add(w.clock_error_s(k));
    }
  });
  EXPECT_EQ(left_stratum_2, 0);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(t.served(k).refid, 0x0A000001u + k) << "node " << k;
  EXPECT_LT(err.max_abs, 200e-6) << "rms " << err.rms();
}

TEST(SimOrphan, AnUpstreamBackForOneNodeOnlyIsFollowedByAll) {
  // Only node 0 (the largest refid) gets its upstream back: a source synchronised to real
  // time wins over any orphan, so the leader follows node 0 and so does node 2.
  Trio t;
  t.set_upstreams(false);
  t.w.run_until(3600.0);
  t.w.server(t.up[0]).reachable = true;
  t.w.run_until(3600.0 + 900.0);
  EXPECT_EQ(t.served(0).stratum, 2);
  for (size_t k : {1u, 2u}) {
    EXPECT_EQ(t.served(k).stratum, 3) << "node " << k;
    EXPECT_EQ(t.served(k).refid, Trio::kRefid[0]) << "node " << k;
  }
}

}  // namespace
}  // namespace chronon::sim
