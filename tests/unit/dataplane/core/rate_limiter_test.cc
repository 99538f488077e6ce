// Tests for the rate limiter: chrony 4.3's token bucket, leak and timeout-rate rules.
#include "dataplane/core/rate_limiter.h"

#include <gtest/gtest.h>

namespace chronon::dp {
namespace {

constexpr uint32_t kAlwaysDrop = 1;  // low leak bits non-zero: the leak does not answer
constexpr uint32_t kAlwaysLeak = 0;  // low leak bits zero: the leak answers

uint32_t at(double seconds) { return 1000 + static_cast<uint32_t>(seconds * 16); }

TEST(RateLimiter, ParametersMatchChronyDefaults) {
  const RateLimitParams p = make_rate_limit(3, 8, 2, 0);
  EXPECT_EQ(p.tokens_per_hit, 128);
  EXPECT_EQ(p.max_tokens, 1024);
  EXPECT_EQ(p.token_shift, 0);
  EXPECT_EQ(p.leak_log2, 2);
}

TEST(RateLimiter, LargeBurstUsesTokenShift) {
  const RateLimitParams p = make_rate_limit(10, 255, 2, 0);
  EXPECT_GT(p.token_shift, 0);
  EXPECT_LT(static_cast<uint32_t>(p.max_tokens), 1u << 16);
  EXPECT_EQ(p.max_tokens, p.tokens_per_hit * 255);
}

TEST(RateLimiter, BurstThenOneEveryInterval) {
  const RateLimitParams p = make_rate_limit(3, 8, 2, 0);  // 8 s interval, burst 8
  LimiterState s = new_limiter_state(p);
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    limiter_hit(p, s, at(0));
    if (!limiter_should_drop(p, s, kAlwaysDrop)) ++answered;
  }
  EXPECT_EQ(answered, 8);
  // One interval later: exactly one more.
  answered = 0;
  for (int i = 0; i < 5; ++i) {
    limiter_hit(p, s, at(8));
    if (!limiter_should_drop(p, s, kAlwaysDrop)) ++answered;
  }
  EXPECT_EQ(answered, 1);
}

TEST(RateLimiter, LeakAnswersWhenBucketIsEmptyAndEmptiesIt) {
  const RateLimitParams p = make_rate_limit(3, 1, 2, 0);
  LimiterState s = new_limiter_state(p);
  limiter_hit(p, s, at(0));
  EXPECT_FALSE(limiter_should_drop(p, s, kAlwaysDrop));  // the burst of one
  limiter_hit(p, s, at(0.5));
  EXPECT_FALSE(limiter_should_drop(p, s, kAlwaysLeak));  // leaked through
  EXPECT_EQ(s.tokens, 0);
  limiter_hit(p, s, at(1));
  EXPECT_TRUE(limiter_should_drop(p, s, kAlwaysDrop));
}

TEST(RateLimiter, SteadyRateIsAnsweredAtOnePerInterval) {
  // One request per second against a 4 s interval, burst 1: about a quarter answered, plus
  // the leak (1 in 4 of the rest when random).
  const RateLimitParams p = make_rate_limit(2, 1, 2, 0);
  LimiterState s = new_limiter_state(p);
  uint32_t rnd = 12345;
  int answered = 0;
  for (int i = 0; i < 4000; ++i) {
    limiter_hit(p, s, at(i));
    rnd = rnd * 1103515245 + 12345;
    if (!limiter_should_drop(p, s, rnd >> 16)) ++answered;
  }
  // Token refills give 1000; the leak lets through about 1/4 of the other 3000 (but each
  // leaked answer empties the bucket, which costs some refills): between 1000 and 1750.
  EXPECT_GT(answered, 1000);
  EXPECT_LT(answered, 1750);
}

TEST(RateLimiter, ClientThatSpeedsUpWhenUnansweredIsNotLimited) {
  const RateLimitParams p = make_rate_limit(6, 1, 4, 0);  // 64 s
  LimiterState s = new_limiter_state(p);
  // Answered requests come every 64 s ...
  for (int i = 0; i < 10; ++i) {
    limiter_hit(p, s, at(64.0 * i));
    limiter_should_drop(p, s, kAlwaysLeak);
  }
  // ... but after a drop the client retries every second. Its timeout rate then exceeds its
  // answered rate by more than a factor of two and the leak is inverted, until the answered
  // rate (a slow moving average) catches up, as in chronyd.
  double t = 640;
  int answered = 0;
  for (int i = 0; i < 15; ++i, t += 1) {
    limiter_hit(p, s, at(t));
    if (!limiter_should_drop(p, s, kAlwaysDrop)) ++answered;
  }
  EXPECT_GT(s.timeout_rate, s.rate + kRateScale);
  EXPECT_GE(answered, 12);
}

TEST(RateLimiter, DisabledNeverDrops) {
  RateLimitParams p;
  LimiterState s = new_limiter_state(p);
  for (int i = 0; i < 100; ++i) {
    limiter_hit(p, s, at(0));
    EXPECT_FALSE(limiter_should_drop(p, s, kAlwaysDrop));
  }
}

TEST(RateLimiter, IntervalReportMatchesRequestSpacing) {
  RateLimitParams p;
  LimiterState s = new_limiter_state(p);
  for (int i = 0; i < 50; ++i) limiter_hit(p, s, at(8.0 * i));
  EXPECT_EQ(rate_to_interval_log2(s.rate), 3);
  EXPECT_EQ(rate_to_interval_log2(kInvalidRate), 127);
}

TEST(RateLimiter, ClientTimeIsSixteenthsOfSeconds) {
  EXPECT_EQ(client_time(10, 0), 160u);
  EXPECT_EQ(client_time(10, 750000000), 172u);  // 10.75 s
}

}  // namespace
}  // namespace chronon::dp
