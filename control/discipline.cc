// Discipline; see discipline.h.
#include "control/discipline.h"

#include <algorithm>
#include <cstdint>
#include <cmath>

namespace chronon::ctl {

namespace {
constexpr double kMinSlewS = 1.0;
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
  const double left = slew_end_mono_s_ - mono_s();
  if (slew_ppm_ == 0 || left <= 0) return 0.0;
  // A positive slew moves the clock forward: the clock is behind by that much.
  return -slew_ppm_ * 1e-6 * left;
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
  // What is left of the slew in progress and the second: the clock is ahead by both.
  const double ahead = remaining_correction_s() + leap;
  end_slew();
  const double correction = -ahead;
  const double max_rate = p_.maxslewrate_ppm * 1e-6;
  const double duration = std::max(kMinSlewS, std::abs(correction) / max_rate);
  slew_ppm_ = correction / duration * 1e6;
  slew_end_mono_s_ = mono_s() + duration;
  set_total_frequency(base_freq_ppm_ + slew_ppm_);
}

void Discipline::end_slew() {
  if (slew_ppm_ == 0) return;
  slew_ppm_ = 0;
  set_total_frequency(base_freq_ppm_);
}

std::optional<double> Discipline::tick() {
  if (slew_ppm_ == 0) return std::nullopt;
  if (mono_s() >= slew_end_mono_s_) {
    end_slew();
    return std::nullopt;
  }
  return slew_end_mono_s_;
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
  const double correction = -offset_s;
  (void)offset_sd_s;
  double duration = std::max(kMinSlewS, p_.corrtimeratio * update_interval_s_);
  double rate = correction / duration;
  const double max_rate = p_.maxslewrate_ppm * 1e-6;
  if (std::abs(rate) > max_rate) {
    rate = std::copysign(max_rate, rate);
    duration = correction / rate;
  }
  slew_ppm_ = rate * 1e6;
  slew_end_mono_s_ = now_mono + duration;
  set_total_frequency(base_freq_ppm_ + slew_ppm_);
  out.slew_s = correction;
  out.slew_duration_s = duration;
  return out;
}

}  // namespace chronon::ctl
