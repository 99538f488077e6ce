// Tests for source selection and combining: intervals, falsetickers, trust, require, prefer,
// jitter, reselect hysteresis, waiting for samples, leap vote, orphan mode.
#include "control/selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace chronon::ctl {
namespace {

SelectionInput src(double offset, double distance, int stratum = 1) {
  SelectionInput s;
  s.usable = true;
  s.stratum = stratum;
  s.offset_s = offset;
  s.root_distance_s = distance;
  s.offset_sd_s = distance / 10;
  s.std_dev_s = distance / 10;
  s.skew = 1e-6;
  s.root_delay_s = distance;
  s.root_dispersion_s = distance / 2;
  return s;
}

TEST(Selection, NoSourcesMeansNoSelection) {
  const auto r = select_sources({}, {}, -1);
  EXPECT_EQ(r.selected, -1);
  EXPECT_EQ(r.no_selection_reason, "no selectable sources");
}

TEST(Selection, OutlierIsAFalsetickerAndTheBestOfTheRestIsSelected) {
  const auto r = select_sources({src(0.001, 0.002), src(0.0015, 0.001), src(0.5, 0.002)}, {}, -1);
  EXPECT_EQ(r.selected, 1);
  EXPECT_EQ(r.states[2], SourceState::kFalseticker);
  EXPECT_EQ(r.states[0], SourceState::kCombined);
  EXPECT_EQ(r.combined, 2);
  // Combined offset lies between the two truechimers, nearer the better one.
  EXPECT_GT(r.offset_s, 0.001);
  EXPECT_LT(r.offset_s, 0.0015);
  EXPECT_GT(r.offset_s, 0.00125);
}

TEST(Selection, TwoDisagreeingSourcesHaveNoMajority) {
  const auto r = select_sources({src(0.0, 0.001), src(0.5, 0.001)}, {}, -1);
  EXPECT_EQ(r.selected, -1);
  EXPECT_EQ(r.no_selection_reason, "no majority");
}

TEST(Selection, TrustedSourceWinsAgainstAMajority) {
  auto a = src(0.0, 0.001), b = src(0.5, 0.001), c = src(0.5, 0.001);
  a.trust = true;
  const auto r = select_sources({a, b, c}, {}, -1);
  EXPECT_EQ(r.selected, 0);
  EXPECT_EQ(r.states[1], SourceState::kFalseticker);
  EXPECT_EQ(r.states[2], SourceState::kFalseticker);
}

TEST(Selection, RequireBlocksSelectionUntilARequiredSourceAgrees) {
  auto a = src(0.0, 0.001), b = src(0.0, 0.001), c = src(0.5, 0.001);
  c.require = true;
  const auto r = select_sources({a, b, c}, {}, -1);
  EXPECT_EQ(r.selected, -1);
  EXPECT_EQ(r.no_selection_reason, "no required source is selectable");
  b.require = true;
  EXPECT_GE(select_sources({a, b, c}, {}, -1).selected, 0);
}

TEST(Selection, PreferredSourceIsChosenAndOthersAreNotCombined) {
  auto a = src(0.0, 0.001), b = src(0.0002, 0.004);
  b.prefer = true;
  const auto r = select_sources({a, b}, {}, -1);
  EXPECT_EQ(r.selected, 1);
  EXPECT_EQ(r.states[0], SourceState::kNotCombined);
}

TEST(Selection, LowerStratumWinsByStratumweight) {
  SelectionParams p;
  p.stratumweight_s = 0.01;
  const auto r = select_sources({src(0.0, 0.002, 3), src(0.0, 0.004, 1)}, p, -1);
  EXPECT_EQ(r.selected, 1);
  EXPECT_EQ(r.stratum, 1);
}

TEST(Selection, CurrentSourceKeptWithinReselectdist) {
  SelectionParams p;
  p.reselectdist_s = 0.001;
  const std::vector<SelectionInput> in = {src(0.0, 0.0020), src(0.0, 0.0015)};
  EXPECT_EQ(select_sources(in, p, -1).selected, 1);
  EXPECT_EQ(select_sources(in, p, 0).selected, 0);
  p.reselectdist_s = 0.0001;
  EXPECT_EQ(select_sources(in, p, 0).selected, 1);
}

TEST(Selection, JitteryNoselectUnusableAndTooDistantSourcesAreMarked) {
  SelectionParams p;
  p.maxjitter_s = 0.01;
  p.maxdistance_s = 1.0;
  auto jittery = src(0.0, 0.5);
  jittery.std_dev_s = 0.05;
  auto noselect = src(0.0, 0.001);
  noselect.noselect = true;
  auto unusable = src(0.0, 0.001);
  unusable.usable = false;
  auto distant = src(0.0, 2.0);
  const auto r = select_sources({src(0.0, 0.001), jittery, noselect, unusable, distant}, p, -1);
  EXPECT_EQ(r.selected, 0);
  EXPECT_EQ(r.states[1], SourceState::kJittery);
  EXPECT_EQ(r.states[2], SourceState::kNotCombined);
  EXPECT_EQ(r.states[3], SourceState::kUnusable);
  EXPECT_EQ(r.states[4], SourceState::kUnusable);
}

TEST(Selection, FarSourcesAreNotCombined) {
  SelectionParams p;
  p.combinelimit = 3;
  const auto r = select_sources({src(0.0, 0.001), src(0.0, 0.0025), src(0.0, 0.004)}, p, -1);
  EXPECT_EQ(r.states[1], SourceState::kCombined);
  EXPECT_EQ(r.states[2], SourceState::kNotCombined);
}

TEST(Selection, MinsourcesRequiresThatManyAgreeing) {
  SelectionParams p;
  p.minsources = 2;
  EXPECT_EQ(select_sources({src(0.0, 0.001)}, p, -1).selected, -1);
  EXPECT_EQ(select_sources({src(0.0, 0.001), src(0.0, 0.001)}, p, -1).selected, 0);
}

TEST(Selection, SourceWithTooFewSamplesIsNeverACandidate) {
  // The liar has one or two samples only (chronyd's SRC_BAD_STATS): the other is selected
  // once one is selected already, and the liar is not marked a falseticker.
  auto good = src(0.0, 0.001), liar = src(0.5, 0.0001);
  good.reach = 0xff;
  liar.stats_ok = false;
  liar.reach = 0x7f;
  const auto r = select_sources({good, liar}, {}, 0);
  EXPECT_EQ(r.selected, 0);
  EXPECT_EQ(r.states[1], SourceState::kUnusable);
  EXPECT_FALSE(r.waiting_for_stats);
}

TEST(Selection, FirstSelectionWaitsForASourceOneReplyBehind) {
  // Polled together: the first source has answered three times, the second twice and its
  // third answer is on its way (chronyd's SRC_WAITS_STATS).
  auto first = src(0.5, 0.0001), second = src(0.0, 0.001);
  first.reach = 0b111;
  first.reach_size = 3;
  second.stats_ok = false;
  second.reach = 0b11;
  second.reach_size = 2;
  auto r = select_sources({first, second}, {}, -1);
  EXPECT_EQ(r.selected, -1);
  EXPECT_TRUE(r.waiting_for_stats);
  EXPECT_EQ(r.states[0], SourceState::kUnusable);
  // Not once a source is selected, nor for a source further behind, nor after 8 polls.
  EXPECT_EQ(select_sources({first, second}, {}, 0).selected, 0);
  second.reach = 0b1;
  EXPECT_EQ(select_sources({first, second}, {}, -1).selected, 0);
  second.reach = 0b11;
  first.reach = 0xff;
  first.reach_size = 8;
  second.reach = 0x7f;
  r = select_sources({first, second}, {}, -1);
  EXPECT_EQ(r.selected, 0);
  EXPECT_FALSE(r.waiting_for_stats);
}

TEST(Selection, LeapIsWhatTheMajorityAnnounces) {
  auto a = src(0.0, 0.001), b = src(0.0, 0.001), c = src(0.0, 0.001);
  a.leap = 1;
  EXPECT_EQ(select_sources({a, b, c}, {}, -1).leap, 0);
  b.leap = 1;
  EXPECT_EQ(select_sources({a, b, c}, {}, -1).leap, 1);
}

// Orphan mode (`local stratum 8 orphan`): a source of the group, at stratum 8 (serving its
// local reference) or above (following one), with `refid` as its address gives and us at
// `ours` as it sees us.
SelectionInput orphan_src(uint32_t refid, int stratum = 8, uint32_t ours = 0x0A000005,
                          double distance = 0.001) {
  SelectionInput s = src(0.0, distance, stratum);
  s.reach = 0xff;
  s.refid = refid;
  s.local_refid = ours;
  return s;
}

SelectionParams orphan_params() {
  SelectionParams p;
  p.orphan_stratum = 8;
  return p;
}

TEST(SelectionOrphan, TheOrphanWithTheSmallestRefidIsFollowedIfSmallerThanOurs) {
  const auto r = select_sources(
      {orphan_src(0x0A000003), orphan_src(0x0A000002), orphan_src(0x0A000004)}, orphan_params(),
      -1);
  EXPECT_EQ(r.selected, 1);
  EXPECT_EQ(r.orphan, 1);
  EXPECT_EQ(r.stratum, 8);
  EXPECT_EQ(r.combined, 1);  // the other orphans are not combined
  EXPECT_EQ(r.states[0], SourceState::kUnusable);
  EXPECT_EQ(r.states[2], SourceState::kUnusable);
}

TEST(SelectionOrphan, WithTheSmallestRefidOfTheGroupNothingIsSelected) {
  // We are 10.0.0.1: the others follow us and we serve the local reference.
  const auto r = select_sources(
      {orphan_src(0x0A000003, 8, 0x0A000001), orphan_src(0x0A000002, 8, 0x0A000001)},
      orphan_params(), -1);
  EXPECT_EQ(r.selected, -1);
  EXPECT_EQ(r.orphan, -1);
  EXPECT_EQ(r.no_selection_reason, "no selectable sources");
  EXPECT_EQ(r.states[0], SourceState::kUnusable);
  EXPECT_EQ(r.states[1], SourceState::kUnusable);
}

TEST(SelectionOrphan, ASourceAboveTheOrphanStratumIsNeverFollowed) {
  // 10.0.0.1 at stratum 9 follows an orphan: following it would make a loop.
  const auto r = select_sources({orphan_src(0x0A000001, 9)}, orphan_params(), -1);
  EXPECT_EQ(r.selected, -1);
  // Nor is it the orphan in reserve for a stratum-8 one with a larger refid.
  const auto r2 = select_sources({orphan_src(0x0A000001, 9), orphan_src(0x0A000004, 8)},
                                 orphan_params(), -1);
  EXPECT_EQ(r2.selected, 1);
}

TEST(SelectionOrphan, ASourceWithRealUpstreamWinsOverAnyOrphan) {
  // A stratum-3 source (synchronised to real time) with a worse distance and a larger refid
  // than the orphan: it is selected, the orphan is left out.
  auto real = orphan_src(0x0A000009, 3, 0x0A000005, 0.05);
  const auto r = select_sources({orphan_src(0x0A000001), real}, orphan_params(), 0);
  EXPECT_EQ(r.selected, 1);
  EXPECT_EQ(r.orphan, -1);
  EXPECT_EQ(r.stratum, 3);
  EXPECT_EQ(r.states[0], SourceState::kUnusable);
  // Only a selectable one: a stratum-3 source one sample short keeps the orphan selected.
  real.stats_ok = false;
  EXPECT_EQ(select_sources({orphan_src(0x0A000001), real}, orphan_params(), 0).selected, 0);
}

TEST(SelectionOrphan, TheChoiceFollowsRefidsOnlySoItNeverFlips) {
  // Whatever the distances and whichever was selected before, the smaller refid is chosen
  // (no score, no reselectdist): the group cannot flip between two orphans.
  for (double d : {1e-5, 1e-3, 0.1, 1.0}) {
    for (int previous : {-1, 0, 1}) {
      const auto r = select_sources(
          {orphan_src(0x0A000003, 8, 0x0A000005, 1e-5), orphan_src(0x0A000002, 8, 0x0A000005, d)},
          orphan_params(), previous);
      EXPECT_EQ(r.selected, 1) << "distance " << d << ", previous " << previous;
    }
  }
}

TEST(SelectionOrphan, AGroupOfThreeSettlesOnTheSmallestRefid) {
  // Servers 10.0.0.1, .2 and .3 all serve local stratum 8 at first.
  const uint32_t id[3] = {0x0A000001, 0x0A000002, 0x0A000003};
  int stratum[3] = {8, 8, 8};
  int selected[3] = {-1, -1, -1};
  for (int round = 0; round < 4; ++round) {
    int next_stratum[3];
    for (int k = 0; k < 3; ++k) {
      std::vector<SelectionInput> in;
      std::vector<int> who;
      for (int o = 0; o < 3; ++o) {
        if (o == k) continue;
        in.push_back(orphan_src(id[o], stratum[o], id[k]));
        who.push_back(o);
      }
      const auto r = select_sources(in, orphan_params(), selected[k]);
      selected[k] = r.selected;
      next_stratum[k] = r.selected < 0 ? 8 : r.stratum + 1;
      if (k == 0) {
        EXPECT_EQ(r.selected, -1) << "round " << round;
      } else {
        ASSERT_GE(r.selected, 0) << "round " << round;
        EXPECT_EQ(who[r.selected], 0) << "server " << k << ", round " << round;
      }
    }
    std::copy(next_stratum, next_stratum + 3, stratum);
  }
  EXPECT_EQ(stratum[0], 8);
  EXPECT_EQ(stratum[1], 9);
  EXPECT_EQ(stratum[2], 9);
}

TEST(SelectionOrphan, UnreachableNoselectOrUnknownOursAreNotFollowed) {
  auto gone = orphan_src(0x0A000001);
  gone.reach = 0;  // the leader stopped answering: the next one takes over
  auto r = select_sources({gone, orphan_src(0x0A000002)}, orphan_params(), 0);
  EXPECT_EQ(r.selected, 1);
  auto ns = orphan_src(0x0A000001);
  ns.noselect = true;
  EXPECT_EQ(select_sources({ns}, orphan_params(), -1).selected, -1);
  // Our address towards it unknown (chronyd logs "Unknown local refid in orphan mode").
  EXPECT_EQ(select_sources({orphan_src(0x0A000001, 8, 0)}, orphan_params(), -1).selected, -1);
}

TEST(SelectionOrphan, AReferenceClockIsNeverAnOrphan) {
  auto phc = orphan_src(0x50484330, 8, 0x0A000005);  // "PHC0", larger than ours
  phc.refclock = true;
  EXPECT_EQ(select_sources({phc}, orphan_params(), -1).selected, 0);
}

TEST(SelectionOrphan, WithoutOrphanModeStratumIsJustWeight) {
  // Orphan mode off: refids play no part (chronon's rule against sources at or above the
  // local stratum lives in TimeKeeper, which marks them unusable).
  const auto r = select_sources({orphan_src(0x0A000009, 8, 0x0A000001)}, {}, -1);
  EXPECT_EQ(r.selected, 0);
  EXPECT_EQ(r.orphan, -1);
}

}  // namespace
}  // namespace chronon::ctl
