// Per-client response rate limiting with chrony 4.3's semantics (clientlog.c): a token bucket
// per client in fixed-point time, a random "leak" so a spoofed flood cannot silence the real
// client, and suspension of limiting for clients that poll faster when unanswered.
#pragma once

#include <cstdint>

namespace chronon::dp {

// Time as chrony keeps it in client records: seconds << 4 | sixteenths (wraps every ~8.5 years).
inline constexpr int kTsFracBits = 4;
uint32_t client_time(int64_t unix_s, uint32_t ns);

inline constexpr int8_t kInvalidRate = -128;
inline constexpr int kRateScale = 4;

struct RateLimitParams {
  bool enabled = false;
  uint16_t max_tokens = 0;
  uint16_t tokens_per_hit = 0;
  int8_t token_shift = 0;
  uint8_t leak_log2 = 2;   // one in 2^leak limited requests is answered anyway
  uint32_t kod_every = 0;  // 0: limited requests get no reply; N: 1 in N gets a KoD RATE
  int8_t interval_log2 = 3;
};

// `ratelimit interval I burst B leak L [kod N]` -> parameters (values clamped as chronyd does).
RateLimitParams make_rate_limit(int interval_log2, int burst, int leak, uint32_t kod_every);

// The limiter's part of a client record (see client_table.h).
// Packed to its 9 bytes so that client records (client_table.h) stay at 48 bytes; the
// unaligned 32-bit field costs nothing on the CPUs chronon targets.
struct [[gnu::packed]] LimiterState {
  uint32_t last_hit;  // client_time of the previous request, 0 = none
  uint16_t tokens;
  int8_t rate;          // log2 of the request interval, scaled by kRateScale, when answered
  int8_t timeout_rate;  // the same, for requests that followed a dropped one
  uint8_t last_dropped;
};
static_assert(sizeof(LimiterState) == 9);

// A fresh record's state: a full bucket.
LimiterState new_limiter_state(const RateLimitParams& p);

// Accounts a request at `now` (chrony's update_record()).
void limiter_hit(const RateLimitParams& p, LimiterState& s, uint32_t now);

// Decides whether to answer (chrony's CLG_LimitServiceRate()). `random` supplies the leak.
// Returns true if the request must not get a normal reply.
bool limiter_should_drop(const RateLimitParams& p, LimiterState& s, uint32_t random);

// The interval chronyc shows for a rate ("Int" column), 127 if unknown.
int rate_to_interval_log2(int8_t rate);

}  // namespace chronon::dp
