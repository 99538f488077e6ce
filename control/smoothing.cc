// Smoothing; see smoothing.h. The stage planning follows chrony's smooth.c (update_stages):
// the offset to take out is the integral of a frequency that ramps, holds at the limit, and
// ramps back to zero.
#include "control/smoothing.h"

#include <algorithm>
#include <cmath>

namespace chronon::ctl {

namespace {
// chronyd unlocks smoothing once skew / max_wander is under this ratio.
constexpr double kUnlockSkewWanderRatio = 10000;
}  // namespace

Smoothing::Smoothing(SmoothingParams p)
    : p_(p), max_freq_(p.max_freq_ppm * 1e-6), max_wander_(p.max_wander_ppm_per_s * 1e-6) {
  m_.enabled = 1;
  m_.leap_only = p.leap_only ? 1 : 0;
}

double Smoothing::offset_s(ts::Nanos now) const { return m_.offset_at(now.count()); }

void Smoothing::reset(ts::Nanos now) {
  m_.offset_s = 0;
  m_.freq = 0;
  m_.anchor_ns = now.count();
  for (int i = 0; i < 3; ++i) m_.wander[i] = m_.length_s[i] = 0;
}

bool Smoothing::activate(ts::Nanos now) {
  if (!locked_) return false;
  locked_ = false;
  m_.active = 1;
  m_.anchor_ns = now.count();
  return true;
}

Smoothing::Report Smoothing::report(ts::Nanos now) const {
  Report r;
  r.active = !locked_;
  r.leap_only = p_.leap_only;
  // The stages walked as chrony's get_smoothing: the wander is that of the stage `now` is in
  // (0 once all are over).
  const double elapsed = static_cast<double>(now.count() - m_.anchor_ns) * 1e-9;
  double e = elapsed, off = m_.offset_s, f = m_.freq, wander = 0;
  for (int i = 0; i < 3 && e > 0; ++i) {
    const double len = std::min(m_.length_s[i], e);
    wander = m_.wander[i];
    off -= len * (2.0 * f + wander * len) / 2.0;
    f += wander * len;
    e -= len;
  }
  if (e > 0) {
    wander = 0;
    off -= e * f;
  }
  r.offset_s = off;
  // The offset decreases by f: served time gains -f on the clock's estimate.
  r.freq = -f;
  r.wander = -wander;
  if (!locked_ && elapsed >= 0) {
    r.last_update_ago_s = elapsed;
    r.remaining_s = remaining_s(now);
  }
  return r;
}

void Smoothing::on_adjust(ts::Nanos now, double doffset_s, double dfreq, double skew) {
  if (locked_) {
    if (p_.leap_only || skew / max_wander_ < kUnlockSkewWanderRatio) {
      locked_ = false;
      m_.active = 1;
      m_.anchor_ns = now.count();
    }
    return;
  }
  if (p_.leap_only) {
    update(now, 0, 0);
  } else {
    update(now, doffset_s, dfreq);
  }
}

void Smoothing::on_leap(ts::Nanos now, int leap) {
  if (!p_.leap_only) return;
  if (locked_) {
    locked_ = false;
    m_.active = 1;
    m_.anchor_ns = now.count();
  }
  update(now, leap, 0);
}

void Smoothing::update(ts::Nanos now, double doffset_s, double dfreq) {
  double rate = 0;
  const double off = m_.offset_at(now.count(), &rate);
  m_.offset_s = off + doffset_s;
  m_.freq = (-rate - dfreq) / (1.0 - dfreq);
  m_.anchor_ns = now.count();
  plan_stages();
}

void Smoothing::plan_stages() {
  const double offset = m_.offset_s, freq = m_.freq;
  // Without the frequency limit: stage 1 ramps for l1, stage 3 ramps back for l3, and the
  // ramps' integral is the offset. Of the two directions, the one giving lengths that are
  // not negative (with rounding, the smaller error) is taken.
  const double s1 = offset / max_wander_;
  const double s2 = freq * freq / (2.0 * max_wander_ * max_wander_);
  double best_err = INFINITY, l1 = 0, l3 = 0;
  int dir = 1;
  for (int d : {-1, 1}) {
    double err = 0, s = d * s1 + s2;
    if (s < 0) {
      err += -s;
      s = 0;
    }
    const double b3 = std::sqrt(s);
    double b1 = b3 - d * freq / max_wander_;
    if (b1 < 0) {
      err += b1 * b1;
      b1 = 0;
    }
    if (err < best_err) {
      best_err = err;
      l1 = b1;
      l3 = b3;
      dir = d;
    }
  }
  // Over the frequency limit: the ramps are cut short and a stage at the limit comes between.
  double l2 = 0;
  const double over = dir * freq + l1 * max_wander_ - max_freq_;
  if (over > 0) {
    double cut = over / max_wander_;
    double top = max_freq_;
    if (cut > l1) {  // already above the limit: no first ramp
      cut = l1;
      top = dir * freq;
    }
    l2 = cut * (2.0 + over / top);
    l1 -= cut;
    l3 -= cut;
  }
  m_.wander[0] = dir * max_wander_;
  m_.length_s[0] = l1;
  m_.wander[1] = 0;
  m_.length_s[1] = l2;
  m_.wander[2] = -dir * max_wander_;
  m_.length_s[2] = l3;
}

double Smoothing::remaining_s(ts::Nanos now) const {
  if (locked_) return 0;
  const double elapsed = static_cast<double>(now.count() - m_.anchor_ns) * 1e-9;
  const double total = m_.length_s[0] + m_.length_s[1] + m_.length_s[2];
  return elapsed < total ? total - elapsed : 0;
}

dp::SmoothingModel Smoothing::model(ts::Nanos now, double slew_rate, double slew_left_s) const {
  // Re-anchored at `now`, so that the slew's end is relative to the same instant.
  dp::SmoothingModel out = m_;
  double rate = 0;
  out.offset_s = m_.offset_at(now.count(), &rate);
  out.freq = -rate;
  const double elapsed = static_cast<double>(now.count() - m_.anchor_ns) * 1e-9;
  double e = elapsed;
  for (int i = 0; i < 3; ++i) {
    const double used = std::min(std::max(e, 0.0), m_.length_s[i]);
    out.length_s[i] = m_.length_s[i] - used;
    e -= used;
  }
  out.anchor_ns = now.count();
  out.slew_rate = slew_rate;
  out.slew_end_s = slew_left_s;
  return out;
}

void mark_smoothed(dp::ServerState* s, double offset_s) {
  if (s->leap == dp::kLeapUnsynchronised) return;
  if (std::abs(offset_s) <= std::ldexp(1.0, s->precision)) return;
  s->refid = kRefidSmooth;
  s->reference_time = ts::add(s->reference_time, ts::Nanos(std::llround(offset_s * 1e9)));
}

}  // namespace chronon::ctl
