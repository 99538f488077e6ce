// What chronond does at a leap second (`leapsecmode`, chrony's reference.c): `system` leaves
// it to the kernel (armed elsewhere), `step` steps the clock by one second at the leap,
// `slew` takes the second out by slewing at maxslewrate, `ignore` does nothing and lets the
// normal discipline correct the error. In every mode, from the leap (half a second before
// it with `system`) for two seconds, replies carry leap indicator 3, as chronyd's do.
#pragma once

#include <ctime>
#include <string>

namespace chronon::ctl {

enum class LeapMode { kSystem, kSlew, kStep, kIgnore };
LeapMode leap_mode_from_config(const std::string& name);
const char* leap_mode_name(LeapMode m);

// What the clock should do now, as decided by LeapSecond::tick().
enum class LeapAction { kNone, kStep, kSlew, kIgnore, kWaitKernel };

class LeapSecond {
 public:
  explicit LeapSecond(LeapMode mode) : mode_(mode) {}
  LeapMode mode() const { return mode_; }

  // `announced` is the leap indicator the reference carries now (0-2, the vote or table,
  // filtered to the leap days) and `now` our clock. Schedules the leap at the end of the
  // UTC day (insert: at 00:00:00; delete: at 23:59:59), cancels it when the announcement
  // goes away, and returns the action due now with the leap's sign in `*leap` (+1 insert,
  // -1 delete). An action is returned once per leap.
  LeapAction tick(uint8_t announced, const timespec& now, int* leap);

  // While the leap is under way (two seconds): replies carry leap indicator 3.
  bool in_progress(const timespec& now) const;
  // The leap has happened (or was ignored): the announcement still carried until the
  // reference moves on is not served any more.
  bool passed() const { return passed_; }
  // Seconds of our clock until tick() has something to do, if a leap is scheduled.
  double seconds_until_due(const timespec& now) const;
  // The clock was stepped by `step_s` (the leap itself, or makestep). While the leap is under
  // way, the end of "in progress", kept in our clock's time, moves with it. Before it, the
  // leap stays at the day's end: a step corrects the clock towards UTC, and the leap is due
  // at midnight UTC (chronyd reschedules it from midnight after a step, reference.c).
  void clock_stepped(double step_s) {
    if (started_) start_s_ += step_s;
  }
  // The Unix time at which the scheduled leap takes effect (0: none).
  time_t scheduled() const { return when_; }

 private:
  LeapMode mode_;
  int leap_ = 0;          // +1, -1: scheduled for when_; 0: nothing
  time_t when_ = 0;       // 00:00:00 after the leap day (the leap's Unix time)
  double start_s_ = 0;    // when the action is due, as Unix seconds of our clock
  bool started_ = false;
  time_t done_when_ = 0;  // the leap already taken (never twice)
  bool passed_ = false;
};

}  // namespace chronon::ctl
