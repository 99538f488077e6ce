// Tests for the PHC-to-system map: a simulated PHC that runs fast by a known rate and sits at
// a known offset, sampled with jitter, must map its timestamps back to system time.
#include "timestamping/phc_map.h"

#include <gtest/gtest.h>

#include <random>

namespace chronon::ts {
namespace {

constexpr int64_t kSec = 1000000000LL;

// PHC = sys * (1 + ppm) + offset: the NIC clock in TAI-ish time, 37 s ahead, 20 ppm fast.
int64_t phc_at(int64_t sys_ns) {
  return sys_ns + 37 * kSec + static_cast<int64_t>(static_cast<double>(sys_ns) * 20e-6);
}

TEST(PhcFitter, NotValidBeforeMinSamples) {
  PhcFitter f(3, 16);
  f.add({phc_at(kSec), kSec, 100});
  f.add({phc_at(2 * kSec), 2 * kSec, 100});
  EXPECT_FALSE(f.mapping().valid);
  f.add({phc_at(3 * kSec), 3 * kSec, 100});
  EXPECT_TRUE(f.mapping().valid);
}

TEST(PhcFitter, RecoversOffsetAndRateFromNoisySamples) {
  PhcFitter f(2, 16);
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> jitter(-200, 200);  // ns
  const int64_t base = 1700000000LL * kSec;
  for (int i = 0; i < 32; ++i) {
    const int64_t sys = base + i * kSec;
    f.add({phc_at(sys) + jitter(rng), sys, 400});
  }
  const PhcMapping m = f.mapping();
  ASSERT_TRUE(m.valid);
  EXPECT_NEAR(m.rate, 1.0 / (1.0 + 20e-6), 1e-8);  // 0.01 ppm from 16 jittery samples
  // A packet stamped by the NIC half a second after the last sample.
  const int64_t sys = base + 31 * kSec + kSec / 2;
  EXPECT_NEAR(static_cast<double>(m.to_system_ns(phc_at(sys))), static_cast<double>(sys), 300.0);
}

TEST(PhcFitter, OnlyTheLastMaxSamplesCount) {
  PhcFitter f(2, 4);
  // First a PHC 100 ppm fast, then it is corrected to 0 ppm: after 4 new samples the old
  // rate is forgotten.
  int64_t phc = 0;
  for (int i = 1; i <= 8; ++i) f.add({phc += kSec + 100000, i * kSec, 0});
  for (int i = 9; i <= 12; ++i) f.add({phc += kSec, i * kSec, 0});
  EXPECT_DOUBLE_EQ(f.mapping().rate, 1.0);
}

TEST(PhcFitter, AStepRestartsTheFit) {
  PhcFitter f(2, 16);
  f.add({100 * kSec, kSec, 0});
  f.add({101 * kSec, 2 * kSec, 0});
  f.add({50 * kSec, 3 * kSec, 0});  // PHC stepped back
  EXPECT_FALSE(f.mapping().valid);
  f.add({51 * kSec, 4 * kSec, 0});
  const PhcMapping m = f.mapping();
  ASSERT_TRUE(m.valid);
  EXPECT_EQ(m.to_system_ns(52 * kSec), 5 * kSec);
}

}  // namespace
}  // namespace chronon::ts
