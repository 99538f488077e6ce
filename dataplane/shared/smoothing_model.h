// The time smoothing that control publishes (smoothtime, after chrony's smooth.c) and the
// dataplane adds to every timestamp it serves: a piecewise polynomial in time, so a worker
// evaluates it once per batch with a few multiplications and never asks control.
#pragma once

#include <cstdint>
#include <type_traits>

namespace chronon::dp {

// Served time = clock + offset_at(clock). The offset is the smoothing offset (three stages:
// the frequency ramps at `wander` up to a limit, holds, ramps back to zero; then constant)
// minus what is left of the slew in progress (served time follows the clock as it will be
// once corrected, as chronyd serves its "cooked" time).
struct SmoothingModel {
  uint8_t enabled = 0;
  uint8_t active = 0;         // smoothing unlocked (chronyc smoothing's "Active")
  uint8_t leap_only = 0;
  int64_t anchor_ns = 0;      // the clock (Unix time, ns) at which the values below hold
  double offset_s = 0;        // smoothing offset at the anchor
  double freq = 0;            // the offset decreases by freq s per s at the anchor
  double wander[3] = {};      // s per s per s, per stage
  double length_s[3] = {};
  double slew_rate = 0;       // the clock gains this on true time (s per s) until slew_end_s
  double slew_end_s = 0;      // seconds after the anchor

  // The offset at clock time `now_ns`, and its rate of change (s per s) in `*rate`.
  double offset_at(int64_t now_ns, double* rate = nullptr) const {
    if (!enabled) {
      if (rate) *rate = 0;
      return 0;
    }
    const double t = static_cast<double>(now_ns - anchor_ns) * 1e-9;
    double elapsed = t, off = offset_s, f = freq;
    for (int i = 0; i < 3 && elapsed > 0; ++i) {
      const double len = length_s[i] < elapsed ? length_s[i] : elapsed;
      off -= len * (2.0 * f + wander[i] * len) / 2.0;
      f += wander[i] * len;
      elapsed -= len;
    }
    if (elapsed > 0) off -= elapsed * f;
    double r = -f;
    // The slew left: the clock is behind by slew_rate * (time left); served time is ahead
    // of the clock by that much.
    if (t < slew_end_s) {
      off += slew_rate * (slew_end_s - t);
      r -= slew_rate;
    }
    if (rate) *rate = r;
    return off;
  }
};
static_assert(std::is_trivially_copyable_v<SmoothingModel>);

}  // namespace chronon::dp
