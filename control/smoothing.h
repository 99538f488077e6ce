// Time smoothing (`smoothtime`, chrony's smooth.c): the offset and frequency corrections made
// to the clock are not passed on to NTP clients at once but spread out, the served frequency
// changing by at most MAX-WANDER per second and never by more than MAX-FREQ, so clients see
// a time whose frequency moves slowly. With `leaponly`, only leap seconds are (a leap smear).
#pragma once

#include "dataplane/shared/server_state.h"
#include "dataplane/shared/smoothing_model.h"
#include "timestamping/ntp_time.h"

namespace chronon::ctl {

struct SmoothingParams {
  double max_freq_ppm = 0;
  double max_wander_ppm_per_s = 0;
  bool leap_only = false;
};

class Smoothing {
 public:
  explicit Smoothing(SmoothingParams p);

  // The clock was adjusted at `now`: the best estimate of true time ("cooked" time) moved by
  // -doffset_s at once (positive: the clock turned out to be ahead) and the clock's rate by
  // -dfreq (s per s). `skew` is the discipline's frequency skew (s per s): until it is small
  // against MAX-WANDER the smoothing stays locked, as chronyd's does (leaponly unlocks at
  // once). Ignored in leaponly mode except to unlock.
  void on_adjust(ts::Nanos now, double doffset_s, double dfreq, double skew);
  // A leap second of `leap` (+1 inserted, -1 deleted) is being taken out of the clock: in
  // leaponly mode it is smeared (chrony's SMT_Leap); otherwise on_adjust() sees it.
  void on_leap(ts::Nanos now, int leap);
  // The clock was stepped, or chronyc smoothtime reset: smoothing starts again from zero
  // (chrony's SMT_Reset; whether it is active does not change).
  void reset(ts::Nanos now);
  // chronyc smoothtime activate (chrony's SMT_Activate): unlocks the smoothing without
  // waiting for the frequency skew to settle. False if it was active already.
  bool activate(ts::Nanos now);

  // What chronyc smoothing shows (chrony's SMT_GetSmoothingReport): the offset now, the
  // rate at which served time gains on the clock's estimate (s per s) and how that rate
  // changes (s per s per s) in the current stage, the seconds since the last update and
  // until the offset is taken out (both 0 while locked).
  struct Report {
    bool active = false, leap_only = false;
    double offset_s = 0, freq = 0, wander = 0, last_update_ago_s = 0, remaining_s = 0;
  };
  Report report(ts::Nanos now) const;

  // The smoothing offset at `now` (served time = cooked time + offset).
  double offset_s(ts::Nanos now) const;
  bool active() const { return !locked_; }
  bool leap_only() const { return p_.leap_only; }
  // The model as published, with the slew in progress (rate s/s, seconds left).
  dp::SmoothingModel model(ts::Nanos now, double slew_rate, double slew_left_s) const;
  // Seconds until the offset reaches zero (0 when idle), for reports and tests.
  double remaining_s(ts::Nanos now) const;

 private:
  void update(ts::Nanos now, double doffset_s, double dfreq);
  void plan_stages();
  SmoothingParams p_;
  double max_freq_, max_wander_;  // s per s, s per s per s
  bool locked_ = true;
  dp::SmoothingModel m_;  // slew fields unused here
};

// chronyd's reference ID while serving smoothed time (NTP_REFID_SMOOTH, 127.127.1.255).
inline constexpr uint32_t kRefidSmooth = 0x7F7F01FF;

// What replies carry while the served time is off the clock by `offset_s` (chronyd's
// ntp_core.c): over the precision, the reference ID says so and the reference time moves
// with the served time. Unsynchronised replies are left alone.
void mark_smoothed(dp::ServerState* s, double offset_s);

}  // namespace chronon::ctl
