// Tests for source selection and combining: intervals, falsetickers, trust, require, prefer,
// jitter, reselect hysteresis, waiting for samples, leap vote.
#include "control/selection.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace chronon::ctl
