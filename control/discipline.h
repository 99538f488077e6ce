// Clock discipline (chrony's reference.c + sys_generic.c slewing): turns each combined
// estimate into a frequency correction and an offset correction, slewed by a temporary
// frequency offset (bounded by maxslewrate) or stepped (makestep). Works on any ClockControl;
// every change is reported to a listener so the sources re-express their sample history.
// A slew is a raised frequency that only ends when tick() runs: the caller wakes at
// next_deadline_mono_s(), and what a late tick slewed too much is slewed back.
#pragma once

#include <ctime>
#include <functional>
#include <optional>

#include "timestamping/clock.h"
#include "timestamping/clock_control.h"

namespace chronon::ctl {

struct DisciplineParams {
  double maxslewrate_ppm = 83333.333;
  double corrtimeratio = 3.0;
  double maxupdateskew_ppm = 1000.0;
  double maxdrift_ppm = 500000.0;
  bool makestep = false;
  double makestep_threshold_s = 0.0;
  int makestep_limit = 0;  // negative: every update may step
};

// What one update did, for logs (chronyd: "System clock wrong by ...", "System clock was
// stepped by ...").
struct DisciplineOutcome {
  bool stepped = false;
  double step_s = 0;          // added to the clock
  double slew_s = 0;          // to be added by slewing
  double slew_duration_s = 0;
  bool frequency_updated = false;
};

class Discipline {
 public:
  // `when` is our realtime clock at the change; `dfreq` the rate change (s per s) and
  // `step_s` the step added to the clock.
  using Listener = std::function<void(timespec when, double dfreq, double step_s)>;

  Discipline(const ts::Clock& clock, ts::ClockControl& control, DisciplineParams p,
             double initial_freq_ppm, double initial_skew_ppm);
  void set_listener(Listener l) { listener_ = std::move(l); }

  // Ends a slew in progress now (before a new estimate is computed, so the estimate does
  // not see the slew as a frequency error).
  void end_slew();
  // Applies a new estimate: our clock minus the reference (offset_s, its standard error),
  // our clock's rate error relative to the reference (frequency, s per s) and its skew.
  DisciplineOutcome update(double offset_s, double offset_sd_s, double frequency, double skew);
  // Ends the slew if it is due; returns when to call again (monotonic seconds), if ever.
  // The correction achieved is accounted from the time the slew actually ran (chrony's
  // sys_generic.c offset register): a tick after the deadline finds the clock slewed past
  // the target and starts a slew back by that much, so nothing is corrected twice.
  std::optional<double> tick();
  // When tick() must run next for the slew in progress to end on time (monotonic seconds):
  // the clock keeps slewing at the raised frequency until then.
  std::optional<double> next_deadline_mono_s() const;
  // chronyc makestep: what is left of the slew in progress is applied at once, as a step.
  // Returns the step added to the clock (0 when nothing was left), or nullopt when the
  // clock could not be stepped.
  std::optional<double> make_step();
  // A leap second of `leap` (+1 inserted, -1 deleted) has just happened in UTC. leap_step:
  // the sources' samples are re-expressed as if our clock had moved by `leap` against the
  // reference (chrony's LCL_NotifyLeap), then the clock is stepped back by it; returns
  // false if the clock could not be stepped. leap_slew: the one-second error is slewed out
  // at maxslewrate (the caller tells the sources, see NtpSource::on_leap_second).
  bool leap_step(int leap);
  void leap_slew(int leap);
  // The slew in progress: its rate (s per s, positive: the clock is being moved forward)
  // and the seconds it has left (0 when there is none).
  double slew_rate() const { return slew_ppm_ * 1e-6; }
  double slew_left_s() const;
  // chronyc makestep THRESHOLD LIMIT: from now on, the next `limit` updates (every one when
  // negative) step the clock when the offset is over `threshold_s`.
  void set_makestep(double threshold_s, int limit);

  double frequency_ppm() const { return base_freq_ppm_; }   // without the slew
  double skew_ppm() const { return skew_ppm_; }
  double residual_frequency_ppm() const { return residual_freq_ppm_; }
  double last_offset_s() const { return last_offset_s_; }
  double rms_offset_s() const { return rms_offset_s_; }
  double last_update_interval_s() const { return update_interval_s_; }
  // What is left of the current slew, in chronyc tracking's "System time" sign (positive:
  // the clock is ahead of where it should be).
  double remaining_correction_s() const;
  int updates() const { return updates_; }

 private:
  void set_total_frequency(double ppm);
  // Takes what the slew added since it (re)started out of the offset register.
  void accrue_slewed(double now_mono);
  // Slews the offset register away in `duration_s` (longer at maxslewrate); returns how long
  // the slew takes, 0 if there is none.
  double start_slew(double now_mono, double duration_s);
  double mono_s() const;
  const ts::Clock& clock_;
  ts::ClockControl& control_;
  DisciplineParams p_;
  Listener listener_;
  double base_freq_ppm_;
  double skew_ppm_;
  double residual_freq_ppm_ = 0;
  double applied_ppm_;         // what the clock was last set to
  double slew_ppm_ = 0;        // the slew part of it
  double slew_start_mono_s_ = 0;
  double slew_end_mono_s_ = 0;
  // Correction still to be added by slewing as of slew_start_mono_s_ (positive: forward).
  double offset_register_s_ = 0;
  double last_update_mono_s_ = -1;
  double update_interval_s_ = 0;
  double last_offset_s_ = 0;
  double rms_offset_s_ = 0;
  int updates_ = 0;
};

}  // namespace chronon::ctl
