// LeapSecond; see leap_second.h.
#include "control/leap_second.h"

#include <algorithm>

namespace chronon::ctl {

namespace {
constexpr time_t kDay = 86400;
// chronyd keeps "leap in progress" for 2 s after starting the leap (leap_end_timeout).
constexpr double kInProgressS = 2.0;
// How close to the leap a change of the announcement is no longer followed.
constexpr double kCloseS = 5.0;

double seconds(const timespec& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
}  // namespace

LeapMode leap_mode_from_config(const std::string& name) {
  if (name == "slew") return LeapMode::kSlew;
  if (name == "step") return LeapMode::kStep;
  if (name == "ignore") return LeapMode::kIgnore;
  return LeapMode::kSystem;
}

const char* leap_mode_name(LeapMode m) {
  switch (m) {
    case LeapMode::kSlew: return "slew";
    case LeapMode::kStep: return "step";
    case LeapMode::kIgnore: return "ignore";
    case LeapMode::kSystem: break;
  }
  return "system";
}

LeapAction LeapSecond::tick(uint8_t announced, const timespec& now, int* leap) {
  const double now_s = seconds(now);
  const int want = announced == 1 ? 1 : announced == 2 ? -1 : 0;
  // The day's end, for the day our clock is in. A clock not yet corrected after the leap
  // (slew, ignore, a deletion) may still read the leap day: that leap was taken already.
  const time_t day_end = (now.tv_sec / kDay + 1) * kDay;
  if (started_) {
    if (now_s < start_s_ + kInProgressS) return LeapAction::kNone;
    started_ = false;
    leap_ = 0;
  }
  // Close to the leap the announcement no longer matters (chronyd's REF_IsLeapSecondClose):
  // an insertion is due at 00:00:00, when the day that announced it has just ended.
  const bool close = leap_ != 0 && now_s >= start_s_ - kCloseS;
  if (!close && (want == 0 || day_end == done_when_)) {
    // Nothing announced (or the announcement of a leap already taken): cancel a pending leap.
    if (want == 0) passed_ = false;
    leap_ = 0;
    when_ = 0;
    return LeapAction::kNone;
  }
  if (!close) passed_ = false;
  if (!close && (leap_ != want || when_ != day_end)) {
    leap_ = want;
    when_ = day_end;
    // Insert at 00:00:00, delete at 23:59:59; the kernel's leap half a second after our
    // `system` start, so that "in progress" covers it.
    start_s_ = static_cast<double>(when_ - (leap_ < 0 ? 1 : 0)) -
               (mode_ == LeapMode::kSystem ? 0.5 : 0.0);
  }
  if (now_s < start_s_) return LeapAction::kNone;
  started_ = true;
  done_when_ = when_;
  passed_ = true;
  *leap = leap_;
  switch (mode_) {
    case LeapMode::kStep: return LeapAction::kStep;
    case LeapMode::kSlew: return LeapAction::kSlew;
    case LeapMode::kIgnore: return LeapAction::kIgnore;
    case LeapMode::kSystem: break;
  }
  return LeapAction::kWaitKernel;
}

bool LeapSecond::in_progress(const timespec& now) const {
  return started_ && seconds(now) < start_s_ + kInProgressS;
}

double LeapSecond::seconds_until_due(const timespec& now) const {
  const double now_s = seconds(now);
  if (started_) return std::max(0.0, start_s_ + kInProgressS - now_s);
  if (leap_ == 0) return -1;
  return std::max(0.0, start_s_ - now_s);
}

}  // namespace chronon::ctl
