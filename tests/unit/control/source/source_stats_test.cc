// Tests for a source's sample regression: offset and frequency recovered from noisy samples,
// old samples dropped when they stop fitting, history re-expressed after clock changes.
#include "control/source/source_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace chronon::ctl {
namespace {

timespec at(double s) {
  timespec t{1800000000 + static_cast<time_t>(std::floor(s)), 0};
  t.tv_nsec = static_cast<long>(std::llround((s - std::floor(s)) * 1e9));
  return t;
}

StatsSample sample(double t, double offset, double delay = 0.001) {
  StatsSample s;
  s.time = at(t);
  s.offset_s = offset;
  s.peer_delay_s = delay;
  s.peer_dispersion_s = 1e-6;
  s.root_delay_s = delay;
  s.root_dispersion_s = 1e-5;
  s.stratum = 2;
  return s;
}

TEST(SourceStats, OneSampleHasNoFrequencyAndWorstCaseSkew) {
  SourceStats st(6, 64);
  st.add(sample(0, 0.003));
  EXPECT_TRUE(st.estimate().valid);
  EXPECT_DOUBLE_EQ(st.estimate().offset_s, 0.003);
  EXPECT_EQ(st.estimate().frequency, 0.0);
  EXPECT_EQ(st.estimate().skew, SourceStats::kUnknownSkew);
}

TEST(SourceStats, RecoversOffsetAndFrequencyFromNoisySamples) {
  SourceStats st(6, 64);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 20e-6);
  // We gain 25 ppm on the source and are 2 ms ahead at t = 0.
  for (int i = 0; i < 40; ++i) st.add(sample(i * 64.0, 0.002 + 25e-6 * i * 64.0 + noise(rng)));
  const SourceEstimate& e = st.estimate();
  EXPECT_NEAR(e.frequency, 25e-6, 0.3e-6);
  EXPECT_NEAR(e.offset_s, 0.002 + 25e-6 * 39 * 64.0, 30e-6);
  EXPECT_NEAR(e.std_dev_s, 20e-6, 8e-6);
  EXPECT_LT(e.skew, 1e-6);
  EXPECT_GT(e.skew, 0.0);
  EXPECT_NEAR(st.predict_offset(at(39 * 64.0 + 100)), e.offset_s + 100 * e.frequency, 1e-9);
}

TEST(SourceStats, HighDelaySamplesWeighLess) {
  SourceStats st(6, 64);
  for (int i = 0; i < 20; ++i) {
    // Every other sample waited 10 ms in a queue on the way back: offset off by 5 ms.
    const bool queued = i % 2 == 1;
    st.add(sample(i * 16.0, queued ? 0.005 : 0.0, queued ? 0.011 : 0.001));
  }
  EXPECT_LT(std::abs(st.estimate().offset_s), 0.0006);
}

TEST(SourceStats, RunsTestDropsSamplesThatNoLongerFitALine) {
  SourceStats st(6, 64);
  // 30 samples at 0, then the frequency changes: offsets ramp by 50 ppm.
  for (int i = 0; i < 30; ++i) st.add(sample(i * 16.0, (i % 2 ? 1e-6 : -1e-6)));
  for (int i = 30; i < 45; ++i) st.add(sample(i * 16.0, 50e-6 * (i - 29) * 16.0 + (i % 2 ? 1e-6 : -1e-6)));
  EXPECT_LT(st.estimate().samples, 30);
  EXPECT_NEAR(st.estimate().frequency, 50e-6, 5e-6);
}

TEST(SourceStats, MaxSamplesBoundsTheHistory) {
  SourceStats st(4, 8);
  for (int i = 0; i < 20; ++i) st.add(sample(i, (i % 2 ? 1e-6 : -1e-6)));
  EXPECT_EQ(st.size(), 8);
}

TEST(SourceStats, CorrectReexpressesHistoryAfterAStepAndAFrequencyChange) {
  SourceStats st(6, 64);
  for (int i = 0; i < 10; ++i) st.add(sample(i * 10.0, 10e-6 * i * 10.0));  // gaining 10 ppm
  // We slow the clock by 10 ppm at t = 90 and step it back 1 ms.
  st.correct(at(90), -10e-6, -0.001);
  EXPECT_NEAR(st.estimate().frequency, 0.0, 1e-9);
  EXPECT_NEAR(st.estimate().offset_s, 10e-6 * 90 - 0.001, 1e-8);
}

TEST(SourceStats, ASampleFromBeforeTheNewestRestartsTheHistory) {
  SourceStats st(6, 64);
  for (int i = 0; i < 5; ++i) st.add(sample(100 + i, 0.0));
  st.add(sample(50, 0.2));  // our clock went back in time
  EXPECT_EQ(st.size(), 1);
  EXPECT_DOUBLE_EQ(st.estimate().offset_s, 0.2);
}

TEST(SourceStats, BestSampleIsTheSmallestAgedRootDistance) {
  SourceStats st(6, 64);
  st.add(sample(0, 0.0, 0.010));
  st.add(sample(10, 0.0, 0.001));
  st.add(sample(20, 0.0, 0.005));
  const BestSample b = st.best_sample(at(20), 1e-6);
  EXPECT_DOUBLE_EQ(b.root_delay_s, 0.001);
  EXPECT_GT(b.root_dispersion_s, 1e-5);  // aged 10 s
}

}  // namespace
}  // namespace chronon::ctl
