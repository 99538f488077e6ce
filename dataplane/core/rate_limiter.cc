// Rate limiter arithmetic, following chrony 4.3's clientlog.c behaviour (re-derived, not copied).
#include "dataplane/core/rate_limiter.h"

#include <algorithm>

namespace chronon::dp {

namespace {
constexpr int kMinLimitInterval = -15 - kTsFracBits;
constexpr int kMaxLimitInterval = 12;
constexpr int kMinRate = -14 * kRateScale;
}  // namespace

uint32_t client_time(int64_t unix_s, uint32_t ns) {
  // ns * 16 / 1e9 without a division: (ns >> 15) * 140740 >> 28 ~= ns * 16 / 1e9.
  const uint32_t frac = (140740U * (ns >> 15)) >> (32 - kTsFracBits);
  uint32_t t = static_cast<uint32_t>(unix_s) << kTsFracBits | frac;
  return t == 0 ? 1 : t;  // 0 means "never"
}

RateLimitParams make_rate_limit(int interval, int burst, int leak, uint32_t kod_every) {
  RateLimitParams p;
  p.enabled = true;
  interval = std::clamp(interval, kMinLimitInterval, kMaxLimitInterval);
  burst = std::clamp(burst, 1, 255);
  int shift = 0;
  if (interval >= -kTsFracBits) {
    // The smallest shift with which the bucket size fits in 16 bits.
    for (shift = 0; shift < interval + kTsFracBits; ++shift)
      if ((burst << (kTsFracBits + interval - shift)) < (1 << 16)) break;
  } else {
    // Sub-1/16 s intervals: coarse limiting.
    shift = interval + kTsFracBits;
    burst = std::max(1 << -shift, burst);
  }
  p.token_shift = static_cast<int8_t>(shift);
  const int per_hit = shift >= 0 ? 1 << (kTsFracBits + interval - shift) : 1;
  p.tokens_per_hit = static_cast<uint16_t>(per_hit);
  p.max_tokens = static_cast<uint16_t>(per_hit * burst);
  p.leak_log2 = static_cast<uint8_t>(std::clamp(leak, 1, 4));
  p.kod_every = kod_every;
  p.interval_log2 = static_cast<int8_t>(interval);
  return p;
}

LimiterState new_limiter_state(const RateLimitParams& p) {
  return LimiterState{0, p.max_tokens, kInvalidRate, kInvalidRate, 0};
}

void limiter_hit(const RateLimitParams& p, LimiterState& s, uint32_t now) {
  const uint32_t prev = s.last_hit;
  s.last_hit = now;
  uint32_t interval = now - prev;
  if (prev == 0 || static_cast<int32_t>(interval) < 0) return;

  if (p.enabled) {
    uint32_t tokens;
    if (p.token_shift >= 0)
      tokens = (now >> p.token_shift) - (prev >> p.token_shift);
    else if (interval > p.max_tokens)
      tokens = p.max_tokens;
    else
      tokens = interval << -p.token_shift;
    s.tokens = static_cast<uint16_t>(std::min<uint32_t>(s.tokens + tokens, p.max_tokens));
  }

  // The interval as a rounded, scaled log2.
  int interval2;
  if (interval) {
    interval += interval >> 1;
    for (interval2 = -kRateScale * kTsFracBits; interval2 < -kMinRate; interval2 += kRateScale) {
      if (interval <= 1) break;
      interval >>= 1;
    }
  } else {
    interval2 = -kRateScale * (kTsFracBits + 1);
  }

  // A rough exponential moving average, kept separately for requests after a drop.
  int8_t& rate = s.last_dropped ? s.timeout_rate : s.rate;
  if (rate == kInvalidRate) {
    rate = static_cast<int8_t>(-interval2);
  } else if (rate < -interval2) {
    ++rate;
  } else if (rate > -interval2) {
    if (rate > kRateScale * 5 / 2 - interval2)
      rate = static_cast<int8_t>(kRateScale * 5 / 2 - interval2);
    else
      rate = static_cast<int8_t>((rate - interval2 - 1) / 2);
  }
}

bool limiter_should_drop(const RateLimitParams& p, LimiterState& s, uint32_t random) {
  if (!p.enabled) return false;
  s.last_dropped = 0;
  if (s.tokens >= p.tokens_per_hit) {
    s.tokens = static_cast<uint16_t>(s.tokens - p.tokens_per_hit);
    return false;
  }
  // Answer one in 2^leak anyway.
  bool drop = (random & ((1u << p.leak_log2) - 1)) != 0;
  // A client polling more than twice as fast when unanswered is one that retries on
  // timeout: limiting only makes it send more, so invert the leak and answer most requests.
  if (s.timeout_rate != kInvalidRate && s.timeout_rate > s.rate + kRateScale) drop = !drop;
  if (!drop) {
    s.tokens = 0;
    return false;
  }
  s.last_dropped = 1;
  return true;
}

int rate_to_interval_log2(int8_t rate) {
  if (rate == kInvalidRate) return 127;
  int r = rate + (rate > 0 ? kRateScale / 2 : -kRateScale / 2);
  return r / -kRateScale;
}

}  // namespace chronon::dp
