// TimeKeeper; see timekeeper.h.
#include "control/timekeeper.h"

#include <cmath>

#include <fmt/format.h>

namespace chronon::ctl {

namespace {

DisciplineParams discipline_params(const Config& cfg) {
  DisciplineParams p;
  p.maxslewrate_ppm = cfg.maxslewrate_ppm;
  p.corrtimeratio = cfg.corrtimeratio;
  p.maxupdateskew_ppm = cfg.maxupdateskew_ppm;
  p.maxdrift_ppm = cfg.maxdrift_ppm;
  p.makestep = cfg.makestep.enabled;
  p.makestep_threshold_s = cfg.makestep.threshold_s;
  p.makestep_limit = cfg.makestep.limit;
  return p;
}

}  // namespace

TimeKeeper::TimeKeeper(const Config& cfg, const ts::Clock& clock, ts::ClockControl& control,
                       ServerStateSource& state, double initial_freq_ppm,
                       double initial_skew_ppm)
    : cfg_(cfg),
      clock_(clock),
      control_(control),
      state_(state),
      discipline_(clock, control, discipline_params(cfg), initial_freq_ppm, initial_skew_ppm),
      leap_(leap_mode_from_config(cfg.leapsecmode)),
      precision_log2_(clock.precision_log2()) {
  sel_params_.stratumweight_s = cfg.stratumweight;
  sel_params_.combinelimit = cfg.combinelimit;
  sel_params_.maxdistance_s = cfg.maxdistance_s;
  sel_params_.maxjitter_s = cfg.maxjitter_s;
  sel_params_.reselectdist_s = cfg.reselectdist_s;
  sel_params_.minsources = cfg.minsources;
  if (cfg.local.enabled && cfg.local.orphan) sel_params_.orphan_stratum = cfg.local.stratum;
  if (cfg.smoothtime.enabled) {
    smoothing_.emplace(SmoothingParams{cfg.smoothtime.max_freq_ppm,
                                       cfg.smoothtime.max_wander_ppm_per_s,
                                       cfg.smoothtime.leap_only});
    smoothing_->reset(ts::to_nanos(clock.now()));
  }
  discipline_.set_listener([this](timespec when, double dfreq, double step_s) {
    for (auto& s : sources_) s->on_clock_change(when, dfreq, step_s);
  });
}

NtpSource& TimeKeeper::add_source(const SourceConfig& c, std::string name, uint32_t refid) {
  const int min_samples = c.minsamples >= 0 ? c.minsamples : cfg_.minsamples;
  const int max_samples = c.maxsamples >= 0 ? c.maxsamples
                          : cfg_.maxsamples > 0 ? cfg_.maxsamples : 64;
  sources_.push_back(std::make_unique<NtpSource>(c, std::move(name), refid, min_samples,
                                                 max_samples));
  return *sources_.back();
}

void TimeKeeper::set_source_address(size_t i, std::string name, uint32_t refid) {
  sources_[i]->set_address(std::move(name), refid);
}

std::vector<SelectionInput> TimeKeeper::selection_inputs() const {
  const timespec now = clock_.now();
  std::vector<SelectionInput> in(sources_.size());
  for (size_t i = 0; i < sources_.size(); ++i) {
    const NtpSource& s = *sources_[i];
    const SourceEstimate& e = s.stats().estimate();
    SelectionInput& x = in[i];
    // A source `reload sources` removed is an unusable input without options (its
    // `require` must not hold up selection).
    if (s.retired()) continue;
    const StatsSample* last = s.stats().last();
    x.noselect = s.config().noselect;
    x.prefer = s.config().prefer;
    x.trust = s.config().trust;
    x.require = s.config().require;
    x.refid = s.refid();
    x.local_refid = s.local_refid();
    x.refclock = s.is_refclock();
    // With a local reference, a source no better than it (its stratum at or above ours
    // would-be local stratum) is not followed: serving `local stratum N` is better, and two
    // appliances falling back at once must not follow each other round (chronon's rule; it
    // gives the seed's primary/backup pair, local stratum 8 and 9, one deterministic leader).
    // With `orphan`, selection applies chrony's orphan rule to these sources instead.
    const bool worse_than_local = last && cfg_.local.enabled && !cfg_.local.orphan &&
                                  last->stratum >= cfg_.local.stratum;
    x.usable = !s.retired() && s.reach() != 0 && e.valid && last && last->leap != 3 &&
               !s.last_reply_unusable() && !worse_than_local;
    x.stats_ok = s.stats().regression_ok();
    x.reach = s.settled_reach();
    x.reach_size = s.settled_reach_size();
    if (!last) continue;
    const double age = std::max(0.0, seconds_between(e.ref_time, now));
    x.stratum = last->stratum;
    x.offset_s = s.stats().predict_offset(now);
    x.offset_sd_s = e.offset_sd_s + age * e.skew;
    x.std_dev_s = e.std_dev_s;
    x.frequency = e.frequency;
    x.skew = e.skew;
    const BestSample best = s.stats().best_sample(now, cfg_.maxclockerror_ppm * 1e-6);
    x.root_delay_s = best.root_delay_s;
    x.root_dispersion_s = best.root_dispersion_s;
    x.root_distance_s = x.root_delay_s / 2 + x.root_dispersion_s + e.std_dev_s;
    x.leap = last->leap;
  }
  return in;
}

UpdateEvent TimeKeeper::on_reply(size_t i, const uint8_t* p, size_t len, timespec rx_time,
                                 double now_mono_s) {
  UpdateEvent ev;
  const ReplyResult r = sources_[i]->on_reply(p, len, rx_time, now_mono_s, precision_log2_,
                                              cfg_.maxdistance_s, own_refids_);
  if (r.verdict == ReplyVerdict::kKissOfDeath) {
    // chronyd logs RATE, the one code it acts on; the others show in ntpdata.
    if (r.kiss == KissCode::kRate)
      ev.message = fmt::format("Received KoD RATE from {}", sources_[i]->name());
    return ev;
  }
  if (r.verdict != ReplyVerdict::kOk && r.verdict != ReplyVerdict::kBadDelay &&
      r.verdict != ReplyVerdict::kSyncLoop)
    return ev;
  ev.measured = true;
  ev.source = i;
  ev.reply = r;
  if (r.verdict != ReplyVerdict::kOk) return ev;
  UpdateEvent sel = reselect(i);
  sel.measured = true;
  sel.source = i;
  sel.reply = r;
  return sel;
}

UpdateEvent TimeKeeper::reselect(size_t updated, bool forget_selected) {
  UpdateEvent ev;
  const int previous = selection_.selected;
  const int keep = forget_selected ? -1 : previous;
  selection_ = select_sources(selection_inputs(), sel_params_, keep);
  const bool update = selection_.selected >= 0 && static_cast<size_t>(selection_.selected) == updated;
  const double ahead_before = discipline_.remaining_correction_s();
  const double freq_before_ppm = discipline_.frequency_ppm();
  if (update) {
    // The estimate the clock is updated from must not see the slew in progress as a
    // frequency error: end it (the samples are re-expressed) and select again.
    discipline_.end_slew();
    selection_ = select_sources(selection_inputs(), sel_params_, keep);
  }
  for (size_t k = 0; k < sources_.size(); ++k) sources_[k]->set_state(selection_.states[k]);
  const int sel = selection_.selected;
  if (sel != previous || (forget_selected && sel >= 0)) {
    ev.selection_changed = true;
    if (sel >= 0) {
      ev.message = fmt::format("Selected source {}", sources_[sel]->name());
    } else {
      ev.message = fmt::format("Can't synchronise: {}", selection_.no_selection_reason);
      state_.set_unsynchronised();
      control_.set_sync_status(false, std::chrono::seconds(16), std::chrono::seconds(16));
    }
  }
  // The clock follows the selected source's new samples (chrony updates the reference when
  // the selected source has a new sample).
  if (!update || sel < 0 || static_cast<size_t>(sel) != updated) return ev;
  ev.outcome = discipline_.update(selection_.offset_s, selection_.offset_sd_s,
                                  selection_.frequency, selection_.skew);
  ev.clock_updated = true;
  if (smoothing_) {
    // The clock's best estimate of true time (the clock less the slew still to come) moved
    // by the new offset and its rate by the frequency change: smoothing spreads both out.
    const ts::Nanos now = ts::to_nanos(clock_.now());
    if (ev.outcome.stepped) {
      smoothing_->reset(now);
    } else {
      smoothing_->on_adjust(now, discipline_.remaining_correction_s() - ahead_before,
                            -(discipline_.frequency_ppm() - freq_before_ppm) * 1e-6,
                            discipline_.skew_ppm() * 1e-6);
    }
  }
  if (ev.outcome.stepped) leap_.clock_stepped(ev.outcome.step_s);
  ReferenceUpdate ref;
  ref.ref_time = clock_.now();
  // The vote as chronyd takes it (and its tracking log shows it): a leap second only on
  // the last day of June or December.
  selection_.leap = leap_on_day(selection_.leap, ref.ref_time);
  ref.stratum = selection_.stratum + 1;
  ref.refid = sources_[sel]->refid();
  ref.leap = selection_.leap;
  ref.root_delay_s = selection_.root_delay_s;
  ref.root_dispersion_s = selection_.root_dispersion_s + selection_.offset_sd_s;
  ref.skew_ppm = discipline_.skew_ppm();
  state_.set_synchronised(ref);
  if (cfg_.rtcsync) {
    const double max_error = ref.root_delay_s / 2 + ref.root_dispersion_s;
    control_.set_sync_status(true, ts::Nanos(std::llround(max_error * 1e9)),
                             ts::Nanos(std::llround(selection_.offset_sd_s * 1e9)));
  }
  if (ev.outcome.stepped) {
    ev.message += (ev.message.empty() ? "" : "; ") +
                  fmt::format("System clock was stepped by {:.6f} seconds", ev.outcome.step_s);
  } else if (std::abs(selection_.offset_s) > cfg_.logchange_s) {
    ev.message += (ev.message.empty() ? "" : "; ") +
                  fmt::format("System clock wrong by {:.6f} seconds, adjustment started",
                              -selection_.offset_s);
  }
  return ev;
}

UpdateEvent TimeKeeper::on_refclock_poll(size_t i, const NtpSample* s) {
  sources_[i]->set_refclock();
  sources_[i]->on_refclock_poll(s);
  if (!s) return UpdateEvent{};
  UpdateEvent ev = reselect(i);
  return ev;
}

std::optional<double> TimeKeeper::make_step() {
  const auto step = discipline_.make_step();
  if (step && *step != 0) {
    if (smoothing_) smoothing_->reset(ts::to_nanos(clock_.now()));
    leap_.clock_stepped(*step);
  }
  return step;
}

void TimeKeeper::update_leap_status() {
  using LS = ServerStateSource::LeapStatus;
  const timespec now = clock_.now();
  // chronyd does not announce a leap second it smears (smoothtime with leapsecmode slew).
  const bool smeared = smoothing_ && leap_.mode() == LeapMode::kSlew;
  state_.set_leap_status(leap_.in_progress(now) ? LS::kInProgress
                         : leap_.passed() || smeared ? LS::kSuppressed
                                                      : LS::kNormal);
}

std::string TimeKeeper::leap_tick() {
  const timespec now = clock_.now();
  int leap = 0;
  const LeapAction a = leap_.tick(state_.announced_leap(), now, &leap);
  std::string msg;
  const ts::Nanos now_ns = ts::to_nanos(now);
  switch (a) {
    case LeapAction::kStep:
      if (discipline_.leap_step(leap)) {
        leap_.clock_stepped(-leap);
        msg = "System clock was stepped for leap second";
      } else {
        msg = "Could not step system clock for leap second";
      }
      // As chronyd: the smear starts (SMT_Leap) and the step resets it at once.
      if (smoothing_) {
        smoothing_->on_leap(now_ns, leap);
        smoothing_->reset(now_ns);
      }
      break;
    case LeapAction::kSlew: {
      const double ahead_before = discipline_.remaining_correction_s();
      for (auto& s : sources_) s->on_leap_second(leap);
      discipline_.leap_slew(leap);
      if (smoothing_) {
        smoothing_->on_leap(now_ns, leap);
        smoothing_->on_adjust(now_ns, discipline_.remaining_correction_s() - ahead_before, 0.0,
                              discipline_.skew_ppm() * 1e-6);
      }
      msg = "Adjusting system clock for leap second";
      break;
    }
    case LeapAction::kIgnore:
      msg = "Ignoring leap second";
      break;
    case LeapAction::kWaitKernel:
    case LeapAction::kNone:
      break;
  }
  update_leap_status();
  return msg;
}

std::optional<double> TimeKeeper::next_due_mono_s() const {
  const double mono = static_cast<double>(ts::to_nanos(clock_.monotonic()).count()) * 1e-9;
  std::optional<double> due = discipline_.next_deadline_mono_s();
  const double leap_in = leap_.seconds_until_due(clock_.now());
  if (leap_in >= 0 && (!due || mono + leap_in < *due)) due = mono + leap_in;
  return due;
}

dp::SmoothingModel TimeKeeper::apply_smoothing(timespec now, dp::ServerState* state) const {
  if (smoothing_) mark_smoothed(state, smoothing_->offset_s(ts::to_nanos(now)));
  return smoothing_model(now);
}

dp::SmoothingModel TimeKeeper::smoothing_model(timespec now) const {
  if (!smoothing_) return dp::SmoothingModel{};
  return smoothing_->model(ts::to_nanos(now), discipline_.slew_rate(), discipline_.slew_left_s());
}

bool TimeKeeper::smoothtime_reset() {
  if (!smoothing_) return false;
  smoothing_->reset(ts::to_nanos(clock_.now()));
  return true;
}

bool TimeKeeper::smoothtime_activate() {
  return smoothing_ && smoothing_->activate(ts::to_nanos(clock_.now()));
}

std::string TimeKeeper::tick() {
  discipline_.tick();
  const std::string leap_msg = leap_tick();
  if (!leap_msg.empty()) return leap_msg;
  // A selected source that became unreachable (8 polls without a reply) or was removed loses
  // the selection.
  if (selection_.selected >= 0 && (sources_[selection_.selected]->reach() == 0 ||
                                   sources_[selection_.selected]->last_reply_unusable() ||
                                   sources_[selection_.selected]->retired())) {
    const UpdateEvent ev = reselect(sources_.size());
    return ev.message;
  }
  return "";
}

}  // namespace chronon::ctl
