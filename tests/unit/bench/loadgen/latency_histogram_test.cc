#include "bench/loadgen/latency_histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace chronon::bench {
namespace {

TEST(LatencyHistogram, EmptyHasNoPercentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.total(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 16; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.0), 0u);
  EXPECT_EQ(h.percentile(0.5), 8u);
  EXPECT_EQ(h.percentile(1.0), 15u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueWithinSixPercent) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = rng() >> (rng() % 64);
    const int b = LatencyHistogram::bucket_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    const uint64_t hi = LatencyHistogram::upper_bound(b);
    ASSERT_GE(hi, v);
    ASSERT_LE(static_cast<double>(hi - v), 0.0625 * static_cast<double>(v) + 1) << v;
    if (b > 0) {
      ASSERT_LT(LatencyHistogram::upper_bound(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v * 10);  // 10 ns .. 1 ms
  const auto near = [](uint64_t got, double want) {
    return static_cast<double>(got) >= want && static_cast<double>(got) <= want * 1.07;
  };
  EXPECT_TRUE(near(h.percentile(0.5), 500000)) << h.percentile(0.5);
  EXPECT_TRUE(near(h.percentile(0.99), 990000)) << h.percentile(0.99);
  EXPECT_TRUE(near(h.percentile(0.999), 999000)) << h.percentile(0.999);
}

}  // namespace
}  // namespace chronon::bench
