// Discipline; see discipline.h.
#include "control/discipline.h"

#include <algorithm>
#include <cstdint>
#include <cmath>

namespace chronon::ctl {

namespace {
constexpr double kMinSlewS = 1.0;
// Less than this left to slew is nothing (chrony's MIN_OFFSET_CORRECTION).
constexpr double kMinCorrectionS = 1e-9;
}  // namespace

Discipline::Discipline(const ts::Clock& clock, ts::ClockControl& control, DisciplineParams p,
                       double initial_freq_ppm, double initial_skew_ppm)
    : clock_(clock),
      control_(control),
      p_(p),
      base_freq_ppm_(std::clamp(initial_freq_ppm, -p.maxdrift_ppm, p.maxdrift_ppm)),
      skew_ppm_(initial_skew_ppm),
      applied_ppm_(control.frequency_ppm()) {
  set_total_frequency(base_freq_ppm_);
}

double Discipline::mono_s() const {
  const timespec m = clock_.monotonic();
  return static_cast<double>(m.tv_sec) + static_cast<double>(m.tv_nsec) * 1e-9;
}

void Discipline::set_total_frequency(double ppm) {
  const double lim = std::min(control_.max_frequency_ppm(), p_.maxdrift_ppm + p_.maxslewrate_ppm);
  ppm = std::clamp(ppm, -lim, lim);
  const double before = applied_ppm_;
  if (!control_.set_frequency_ppm(ppm)) return;
  applied_ppm_ = ppm;
  // The change relative to the old rate: the sources' re-expression (a scaling of the time
  // since each sample about now) is then exact, so that a slew's start and end cancel to
  // exactly what it moved the clock; with the plain difference they would leave
  // dfreq^2 * duration behind, 0.08 s for a second slewed out at the default maxslewrate.
  if (listener_ && ppm != before)
    listener_(clock_.now(), (ppm - before) * 1e-6 / (1.0 + before * 1e-6), 0.0);
}

double Discipline::remaining_correction_s() const {
  if (slew_ppm_ == 0) return 0.0;
  const double left = offset_register_s_ - slew_ppm_ * 1e-6 * (mono_s() - slew_start_mono_s_);
  // A positive slew moves the clock forward: the clock is behind by what is left. Past the
  // deadline (a tick not yet run) this is the overshoot, of the other sign.
  return -left;
}

std::optional<double> Discipline::next_deadline_mono_s() const {
  if (slew_ppm_ == 0) return std::nullopt;
  return slew_end_mono_s_;
}

void Discipline::accrue_slewed(double now_mono) {
  // The slew part of the frequency is relative to the clock corrected by the base frequency,
  // over the monotonic time it ran (as sys_generic.c's update_slew takes slew_freq * duration
  // out of the register).
  offset_register_s_ -= slew_ppm_ * 1e-6 * (now_mono - slew_start_mono_s_);
  slew_start_mono_s_ = now_mono;
}

double Discipline::start_slew(double now_mono, double duration_s) {
  slew_start_mono_s_ = now_mono;
  const double correction = offset_register_s_;
  if (std::abs(correction) < kMinCorrectionS) {
    slew_ppm_ = 0;
    offset_register_s_ = 0;
    set_total_frequency(base_freq_ppm_);
    return 0.0;
  }
  double rate = correction / duration_s;
  const double max_rate = p_.maxslewrate_ppm * 1e-6;
  if (std::abs(rate) > max_rate) rate = std::copysign(max_rate, rate);
  set_total_frequency(base_freq_ppm_ + rate * 1e6);
  // What the clock really runs at (clamped to what it accepts) is what slews.
  slew_ppm_ = applied_ppm_ - base_freq_ppm_;
  if (slew_ppm_ * correction <= 0) {
    // A clock that cannot be made to slew that way (at its frequency limit): no slew.
    slew_ppm_ = 0;
    offset_register_s_ = 0;
    set_total_frequency(base_freq_ppm_);
    return 0.0;
  }
  const double duration = correction / (slew_ppm_ * 1e-6);
  slew_end_mono_s_ = now_mono + duration;
  return duration;
}

double Discipline::slew_left_s() const {
  if (slew_ppm_ == 0) return 0.0;
  return std::max(0.0, slew_end_mono_s_ - mono_s());
}

bool Discipline::leap_step(int leap) {
  if (listener_) listener_(clock_.now(), 0.0, static_cast<double>(leap));
  if (!control_.step(ts::Nanos(int64_t{-leap} * 1000000000))) return false;
  if (listener_) listener_(clock_.now(), 0.0, static_cast<double>(-leap));
  return true;
}

void Discipline::leap_slew(int leap) {
  // What is left of the slew in progress and the second: the clock is ahead by both. Slewed
  // out through the offset register like any correction (at maxslewrate: start_slew clamps
  // the rate), so a late tick is made good here too.
  const double now = mono_s();
  const double ahead = remaining_correction_s() + leap;
  end_slew();
  offset_register_s_ = -ahead;
  start_slew(now, kMinSlewS);
}

void Discipline::end_slew() {
  if (slew_ppm_ == 0) return;
  // What is left (or was overshot) is not carried over: the sources' samples are re-expressed
  // with every frequency change, so the next estimate measures it.
  slew_ppm_ = 0;
  offset_register_s_ = 0;
  set_total_frequency(base_freq_ppm_);
}

std::optional<double> Discipline::tick() {
  if (slew_ppm_ == 0) return std::nullopt;
  const double now = mono_s();
  if (now < slew_end_mono_s_) return slew_end_mono_s_;
  accrue_slewed(now);
  if (std::abs(offset_register_s_) < kMinCorrectionS) {
    end_slew();
    return std::nullopt;
  }
  // Late: the clock was slewed past the target by the rate times the delay. Slew that back
  // (in at least kMinSlewS, so a tick that is late again overshoots only a fraction of it).
  start_slew(now, kMinSlewS);
  return next_deadline_mono_s();
}

std::optional<double> Discipline::make_step() {
  const double remaining = remaining_correction_s();  // positive: the clock is ahead
  if (remaining == 0) {
    end_slew();
    return 0.0;
  }
  // A clock that cannot be stepped keeps its slew: nothing of the correction is lost.
  if (!control_.step(ts::Nanos(std::llround(-remaining * 1e9)))) return std::nullopt;
  end_slew();
  if (listener_) listener_(clock_.now(), 0.0, -remaining);
  return -remaining;
}

void Discipline::set_makestep(double threshold_s, int limit) {
  p_.makestep = true;
  p_.makestep_threshold_s = threshold_s;
  p_.makestep_limit =
      limit < 0 ? -1
                : static_cast<int>(std::min<int64_t>(int64_t{updates_} + limit, INT32_MAX));
}

DisciplineOutcome Discipline::update(double offset_s, double offset_sd_s, double frequency,
                                     double skew) {
  DisciplineOutcome out;
  end_slew();
  const double now_mono = mono_s();
  update_interval_s_ = last_update_mono_s_ < 0 ? 0.0 : now_mono - last_update_mono_s_;
  last_update_mono_s_ = now_mono;
  ++updates_;

  // Frequency: our clock gains `frequency` s/s on the reference, so slow it down by that much,
  // weighing the new estimate against the current one by their skews (an estimate from few
  // samples moves the frequency little). Estimates with a skew over maxupdateskew are ignored.
  residual_freq_ppm_ = -frequency * 1e6;
  const double new_skew_ppm = skew * 1e6;
  if (new_skew_ppm <= p_.maxupdateskew_ppm) {
    const double old2 = skew_ppm_ * skew_ppm_, new2 = std::max(new_skew_ppm * new_skew_ppm, 1e-12);
    const double k = old2 / (old2 + new2);
    base_freq_ppm_ = std::clamp(base_freq_ppm_ - frequency * 1e6 * k, -p_.maxdrift_ppm,
                                p_.maxdrift_ppm);
    skew_ppm_ = std::sqrt(old2 * new2 / (old2 + new2)) + std::abs(frequency * 1e6) * (1 - k);
    skew_ppm_ = std::max(skew_ppm_, new_skew_ppm * 0.5);
    out.frequency_updated = true;
  }

  last_offset_s_ = offset_s;
  rms_offset_s_ = updates_ == 1 ? std::abs(offset_s)
                                : std::sqrt(0.9 * rms_offset_s_ * rms_offset_s_ + 0.1 * offset_s * offset_s);

  const bool may_step = p_.makestep && (p_.makestep_limit < 0 || updates_ <= p_.makestep_limit);
  if (may_step && std::abs(offset_s) > p_.makestep_threshold_s) {
    set_total_frequency(base_freq_ppm_);
    if (control_.step(ts::Nanos(std::llround(-offset_s * 1e9)))) {
      out.stepped = true;
      out.step_s = -offset_s;
      if (listener_) listener_(clock_.now(), 0.0, -offset_s);
    }
    return out;
  }

  // Slew: correct the offset over corrtimeratio update intervals (at least a second), at no
  // more than maxslewrate; a larger offset simply takes longer.
  (void)offset_sd_s;
  offset_register_s_ = -offset_s;
  out.slew_s = -offset_s;
  out.slew_duration_s =
      start_slew(now_mono, std::max(kMinSlewS, p_.corrtimeratio * update_interval_s_));
  return out;
}

}  // namespace chronon::ctl
